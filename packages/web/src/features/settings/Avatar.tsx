import { avatarPaths } from '@parley/api';
import { useId, useState } from 'react';
import { useServices } from '../../app/services';
import { useI18n } from '../../i18n';
import { csrfHeaders } from '../../lib/api';
import { useStore } from '../../lib/store';
import { ActionStatus, useAction } from '../admin/ui';
import { apiError } from '../chat/attachments';

/** The image types the server takes for an avatar. */
const ACCEPT = 'image/png,image/jpeg,image/gif,image/webp';

/** Sends the raw bytes of a picture or deletes it (`PUT`/`DELETE /api/v1/me/avatar`). */
async function change(method: 'PUT' | 'DELETE', file?: File): Promise<void> {
  const headers: Record<string, string> = {
    ...csrfHeaders(),
    ...(file && { 'content-type': file.type || 'application/octet-stream' }),
  };
  const res = await fetch(avatarPaths.mine, { method, headers, body: file ?? null });
  if (!res.ok) throw apiError(res.status, await res.text());
}

/**
 * The user's picture (colleagues see it in XMPP clients: vCard photo and avatar): shown, replaced
 * by a chosen image (PNG, JPEG, GIF or WebP up to 128 KiB; what the server refuses says why) or removed.
 */
export function AvatarSetting() {
  const services = useServices();
  const { t } = useI18n();
  const me = useStore(services.me, (u) => u);
  const [state, run] = useAction();
  const [shown, setShown] = useState({ version: 0, present: true });
  const inputId = useId();
  const src = `${avatarPaths.ofUser.replace(':id', encodeURIComponent(me.id))}?v=${shown.version}`;
  const upload = (file: File | undefined) => {
    if (!file) return;
    void run(async () => {
      await change('PUT', file);
      setShown((s) => ({ version: s.version + 1, present: true }));
    }, t('avatar.saved'));
  };
  const remove = () =>
    void run(async () => {
      await change('DELETE');
      setShown((s) => ({ version: s.version + 1, present: false }));
    }, t('avatar.removed'));
  return (
    <section className="avatar-setting" aria-labelledby={`${inputId}-title`}>
      <h3 className="group-title" id={`${inputId}-title`}>
        {t('avatar.title')}
      </h3>
      {shown.present && (
        <img
          className="avatar-preview"
          src={src}
          alt={t('avatar.current')}
          width={64}
          height={64}
          onError={() => setShown((s) => ({ ...s, present: false }))}
        />
      )}
      <div className="field-inline">
        <label htmlFor={inputId}>{t('avatar.choose')}</label>
        <input
          id={inputId}
          type="file"
          accept={ACCEPT}
          disabled={state.kind === 'busy'}
          onChange={(e) => {
            upload(e.target.files?.[0]);
            e.target.value = '';
          }}
        />
      </div>
      <p className="muted">{t('avatar.hint')}</p>
      {shown.present && (
        <div className="actions">
          <button type="button" onClick={remove} disabled={state.kind === 'busy'}>
            {t('avatar.remove')}
          </button>
        </div>
      )}
      <ActionStatus state={state} testId="avatar-status" />
    </section>
  );
}
