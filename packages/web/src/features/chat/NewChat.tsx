import { type FormEvent, useId, useState } from 'react';
import { navigate, paths } from '../../app/router';
import { useServices } from '../../app/services';
import { useI18n } from '../../i18n';
import { errorText } from '../../lib/errors';
import { DialogButton } from './DialogButton';
import { ChatIcon } from './icons';

/**
 * The "New chat" button and its dialog: an address, a colleague's or a user's of another server
 * (XMPP federation), opens the 1:1 with them.
 */
export function NewChatButton() {
  const { t } = useI18n();
  return (
    <DialogButton
      className="new-chat"
      labelledBy="new-chat-title"
      title={t('chat.newChat')}
      label={
        <>
          <ChatIcon /> <span className="sr-only">{t('chat.newChat')}</span>
        </>
      }
    >
      {(close) => <NewChatForm close={close} />}
    </DialogButton>
  );
}

function NewChatForm({ close }: { close: () => void }) {
  const services = useServices();
  const { t } = useI18n();
  const id = useId();
  const [address, setAddress] = useState('');
  const [status, setStatus] = useState<{ busy: boolean; error: string | null }>({ busy: false, error: null });

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setStatus({ busy: true, error: null });
    try {
      const cid = await services.chat.direct(address.trim());
      close();
      navigate(paths.chat(cid));
    } catch (err) {
      setStatus({ busy: false, error: errorText(err, t) });
    }
  };

  return (
    <form className="group-form" onSubmit={(e) => void submit(e)}>
      <h2 id="new-chat-title">{t('chat.newChat')}</h2>
      <label htmlFor={`${id}-address`}>{t('chat.chatAddress')}</label>
      <input
        id={`${id}-address`}
        name="address"
        required
        maxLength={318}
        inputMode="email"
        placeholder="name@example.com"
        value={address}
        autoComplete="off"
        onChange={(e) => setAddress(e.target.value)}
      />
      <p className="hint">{t('chat.chatAddressHint')}</p>
      <p className="form-status error" role="alert">
        {status.error ?? ''}
      </p>
      <div className="actions">
        <button type="submit" className="primary" disabled={status.busy}>
          {t('chat.startChat')}
        </button>
        <button type="button" onClick={close}>
          {t('chat.cancel')}
        </button>
      </div>
    </form>
  );
}
