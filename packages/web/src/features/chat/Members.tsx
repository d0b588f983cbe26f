import type { Conversation } from '@parley/api';
import { useState } from 'react';
import { navigate, paths } from '../../app/router';
import { useServices } from '../../app/services';
import { useI18n } from '../../i18n';
import { errorText } from '../../lib/errors';
import { useStore } from '../../lib/store';
import type { Contact } from '../contacts/contacts-store';
import { Avatar, PresenceLine } from '../presence/PresenceBadge';
import { ConfirmDialog } from './ConfirmDialog';
import { DialogButton } from './DialogButton';
import { PeoplePicker } from './PeoplePicker';

/** A group's member count in its header; opens the members: who, their roles, adding, leaving. */
export function MembersButton({ conversation }: { conversation: Conversation }) {
  const { t } = useI18n();
  return (
    <DialogButton
      className="link-button members-button"
      labelledBy="members-title"
      label={t('chat.members', { n: conversation.members.length })}
    >
      {(close) => <MembersPanel id={conversation.id} close={close} />}
    </DialogButton>
  );
}

const roleKey = { owner: 'chat.role.owner', admin: 'chat.role.admin', member: 'chat.role.member' } as const;

function MembersPanel({ id, close }: { id: string; close: () => void }) {
  const services = useServices();
  const { t } = useI18n();
  const me = useStore(services.me, (u) => u);
  const conversation = useStore(services.chat.state, (s) => s.conversations[id]);
  const [adding, setAdding] = useState<Contact[]>([]);
  const [leaving, setLeaving] = useState(false);
  const [status, setStatus] = useState<{ busy: boolean; error: string | null }>({ busy: false, error: null });
  if (!conversation) return null;
  const manage = conversation.role !== 'member';

  const run = async (fn: () => Promise<void>) => {
    setStatus({ busy: true, error: null });
    try {
      await fn();
      setStatus({ busy: false, error: null });
    } catch (err) {
      setStatus({ busy: false, error: errorText(err, t) });
    }
  };

  return (
    <div className="members-panel">
      <h2 id="members-title">{t('chat.membersTitle', { name: conversation.name ?? '' })}</h2>
      <ul className="list members">
        {conversation.members.map((m) => (
          <li key={m.userId} className="row-item member" data-member={m.address}>
            <span className="row-main">
              <Avatar name={m.displayName || m.address} address={m.address} />
              <span className="row-text">
                <span className="row-title">
                  {m.label || m.address} {m.userId === me.id && <small>{t('contacts.you')}</small>}
                </span>
                {m.external ? (
                  <small className="muted">{t('chat.otherServer')}</small>
                ) : (
                  <PresenceLine address={m.address} />
                )}
              </span>
              <span className="row-meta">{t(roleKey[m.role])}</span>
            </span>
          </li>
        ))}
      </ul>
      {manage && (
        <form
          className="group-form"
          onSubmit={(e) => {
            e.preventDefault();
            if (adding.length === 0) return;
            void run(async () => {
              await services.chat.addMembers(
                id,
                adding.map((c) => c.address),
              );
              setAdding([]);
            });
          }}
        >
          <PeoplePicker selected={adding} onChange={setAdding} exclude={conversation.members.map((m) => m.address)} />
          <button type="submit" className="primary" disabled={status.busy || adding.length === 0}>
            {t('chat.addMembers', { n: adding.length })}
          </button>
        </form>
      )}
      <p className="form-status error" role="alert">
        {status.error ?? ''}
      </p>
      <div className="actions">
        <button type="button" className="danger" onClick={() => setLeaving(true)}>
          {t('chat.leave')}
        </button>
        <button type="button" onClick={close}>
          {t('presence.close')}
        </button>
      </div>
      <ConfirmDialog
        open={leaving}
        title={t('chat.leaveTitle', { name: conversation.name ?? '' })}
        confirm={t('chat.leave')}
        onClose={() => setLeaving(false)}
        onConfirm={() =>
          void run(async () => {
            await services.chat.leave(id);
            close();
            navigate(paths.chats);
          })
        }
      >
        {t('chat.leaveText')}
      </ConfirmDialog>
    </div>
  );
}
