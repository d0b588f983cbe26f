import { type FormEvent, useId, useState } from 'react';
import { navigate, paths } from '../../app/router';
import { useServices } from '../../app/services';
import { useI18n } from '../../i18n';
import { errorText } from '../../lib/errors';
import type { Contact } from '../contacts/contacts-store';
import { DialogButton } from './DialogButton';
import { PlusIcon } from './icons';
import { PeoplePicker } from './PeoplePicker';

/**
 * The "New group" button (a "+", named and with a tooltip, so the search box beside it keeps its
 * placeholder whole) and its dialog: a title and the members.
 */
export function NewGroupButton() {
  const { t } = useI18n();
  return (
    <DialogButton
      className="new-group"
      labelledBy="new-group-title"
      title={t('chat.newGroup')}
      label={
        <>
          <PlusIcon /> <span className="sr-only">{t('chat.newGroup')}</span>
        </>
      }
    >
      {(close) => <NewGroupForm close={close} />}
    </DialogButton>
  );
}

function NewGroupForm({ close }: { close: () => void }) {
  const services = useServices();
  const { t } = useI18n();
  const id = useId();
  const [title, setTitle] = useState('');
  const [members, setMembers] = useState<Contact[]>([]);
  const [status, setStatus] = useState<{ busy: boolean; error: string | null }>({ busy: false, error: null });

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!title.trim()) return setStatus({ busy: false, error: t('chat.groupNameMissing') });
    if (members.length === 0) return setStatus({ busy: false, error: t('chat.groupMembersMissing') });
    setStatus({ busy: true, error: null });
    try {
      const cid = await services.chat.createGroup(
        title.trim(),
        members.map((m) => m.address),
      );
      close();
      navigate(paths.chat(cid));
    } catch (err) {
      setStatus({ busy: false, error: errorText(err, t) });
    }
  };

  return (
    <form className="group-form" onSubmit={(e) => void submit(e)}>
      <h2 id="new-group-title">{t('chat.newGroup')}</h2>
      <label htmlFor={`${id}-title`}>{t('chat.groupName')}</label>
      <input
        id={`${id}-title`}
        name="title"
        required
        maxLength={200}
        value={title}
        autoComplete="off"
        onChange={(e) => setTitle(e.target.value)}
      />
      <PeoplePicker selected={members} onChange={setMembers} exclude={[]} />
      <p className="form-status error" role="alert">
        {status.error ?? ''}
      </p>
      <div className="actions">
        <button type="submit" className="primary" disabled={status.busy}>
          {t('chat.createGroup')}
        </button>
        <button type="button" onClick={close}>
          {t('chat.cancel')}
        </button>
      </div>
    </form>
  );
}
