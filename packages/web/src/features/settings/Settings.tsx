import { useEffect, useId, useRef } from 'react';
import { useServices } from '../../app/services';
import { setTheme, type Theme, themeStore } from '../../app/theme';
import { type Lang, languages, setLang, useI18n } from '../../i18n';
import { useStore } from '../../lib/store';
import { CallSettingsPanel } from '../callsettings/CallSettings';
import { NotificationSetting } from '../chat/NotificationSetting';
import { Devices } from '../devices/Devices';
import { AvatarSetting } from './Avatar';
import { ChangePassword } from './ChangePassword';
import { openSettings, settingsOpen } from './settings-sheet';

export function LanguagePicker() {
  const { t, lang } = useI18n();
  const id = useId();
  return (
    <div className="field-inline">
      <label htmlFor={id}>{t('header.language')}</label>
      <select id={id} value={lang} onChange={(e) => setLang(e.target.value as Lang)}>
        {(Object.keys(languages) as Lang[]).map((l) => (
          <option key={l} value={l} lang={l}>
            {languages[l].name}
          </option>
        ))}
      </select>
    </div>
  );
}

function ThemePicker() {
  const { t } = useI18n();
  const id = useId();
  const theme = useStore(themeStore, (s) => s);
  return (
    <div className="field-inline">
      <label htmlFor={id}>{t('header.theme')}</label>
      <select id={id} value={theme} onChange={(e) => setTheme(e.target.value as Theme)}>
        <option value="system">{t('theme.system')}</option>
        <option value="light">{t('theme.light')}</option>
        <option value="dark">{t('theme.dark')}</option>
      </select>
    </div>
  );
}

/**
 * The header's settings button: language, theme, notifications, the picture, the password, call settings, phones and devices
 * (loaded while the sheet is open; a one-time device password and a half-typed password go when it
 * closes), the account and sign-out.
 */
export function SettingsMenu() {
  const services = useServices();
  const { t } = useI18n();
  const me = useStore(services.me, (u) => u);
  const dialog = useRef<HTMLDialogElement>(null);
  const open = useStore(settingsOpen, (o) => o);
  useEffect(() => {
    const d = dialog.current;
    if (open && d && !d.open) d.showModal();
  }, [open]);
  return (
    <>
      <button
        type="button"
        className="icon-button"
        aria-haspopup="dialog"
        aria-label={t('header.settings')}
        title={t('header.settings')}
        onClick={openSettings}
      >
        <span aria-hidden="true">⚙</span>
      </button>
      <dialog
        ref={dialog}
        className="sheet settings"
        aria-labelledby="settings-title"
        onClose={() => settingsOpen.set(false)}
      >
        <h2 id="settings-title">{t('header.settings')}</h2>
        <p className="account">
          <strong>{me.displayName}</strong>
          <br />
          <span className="muted">{me.address}</span>
        </p>
        <LanguagePicker />
        <ThemePicker />
        <NotificationSetting />
        {open && <AvatarSetting />}
        {open && <ChangePassword />}
        {open && <CallSettingsPanel />}
        {open && <Devices owner={{ kind: 'me' }} />}
        <div className="actions">
          <button type="button" className="danger" onClick={() => services.signOut()}>
            {t('header.signOut')}
          </button>
          <button type="button" onClick={() => dialog.current?.close()}>
            {t('presence.close')}
          </button>
        </div>
      </dialog>
    </>
  );
}
