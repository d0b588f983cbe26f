import type { Role, User } from '@parley/api';
import { type FormEvent, useEffect, useId, useMemo, useState } from 'react';
import { useServices } from '../../app/services';
import { useI18n } from '../../i18n';
import { useStore } from '../../lib/store';
import { Devices } from '../devices/Devices';
import { Avatar } from '../presence/PresenceBadge';
import { useAdmin } from './Admin';
import { ListCount, ListDialogs, ListError, useListDialogs } from './list';
import { UserCalendar } from './UserCalendar';
import { UserLines } from './UserLines';
import { ActionStatus, CopyButton, ErrorScope, Field, SubmitActions, splitList, useAction, useFields } from './ui';

const roles: Role[] = ['user', 'tenant-admin', 'system-admin'];

/** The roles the signed-in administrator may hand out (only system administrators make more). */
function useGrantable(): Role[] {
  const services = useServices();
  const role = useStore(services.me, (u) => u.role);
  return role === 'system-admin' ? roles : roles.filter((r) => r !== 'system-admin');
}

/** The tenant's users with their lines: filter, create, and per user edit, password, disable/enable, calendar, lines, devices, remove. */
export function UsersAdmin() {
  const admin = useAdmin();
  const { t } = useI18n();
  const id = useId();
  const list = useStore(admin.users, (s) => s);
  const [q, setQ] = useState('');
  const dialogs = useListDialogs(list.items);

  const lines = useStore(admin.lines, (s) => s.items);
  useEffect(() => {
    void admin.loadUsers();
    void admin.loadLines();
  }, [admin]);
  /** Each user's lines as the list shows them: '201 (+4971112345201)'. */
  const linesOf = useMemo(() => {
    const map = new Map<string, string[]>();
    for (const l of lines)
      map.set(l.userId, [...(map.get(l.userId) ?? []), l.did ? `${l.number} (${l.did})` : l.number]);
    return map;
  }, [lines]);

  const shown = useMemo(() => {
    const needle = q.trim().toLowerCase();
    return list.items
      .filter(
        (u) =>
          !needle ||
          u.displayName.toLowerCase().includes(needle) ||
          u.address.includes(needle) ||
          u.numbers.some((n) => n.includes(needle)) ||
          linesOf.get(u.id)?.some((n) => n.includes(needle)),
      )
      .sort((a, b) => a.displayName.localeCompare(b.displayName) || a.address.localeCompare(b.address));
  }, [list.items, q, linesOf]);

  return (
    <>
      <div className="toolbar">
        <label htmlFor={`${id}-q`} className="sr-only">
          {t('admin.users.filter')}
        </label>
        <input
          id={`${id}-q`}
          type="search"
          value={q}
          placeholder={t('admin.users.filter')}
          onChange={(e) => setQ(e.target.value)}
        />
        <button type="button" className="primary" onClick={dialogs.create}>
          {t('admin.users.new')}
        </button>
      </div>
      <ListError list={list} />
      <ListCount list={list}>{t('admin.users.count', { n: shown.length, total: list.items.length })}</ListCount>
      <ul className="list admin-list" aria-label={t('admin.users')}>
        {shown.map((u) => (
          <li key={u.id} className="row-item" data-user={u.address}>
            <button type="button" className="row-main" onClick={() => dialogs.edit(u.id)}>
              <Avatar name={u.displayName} />
              <span className="row-text">
                <span className="row-title">{u.displayName}</span>
                <span className="row-sub">{[u.address, ...u.numbers].join(' · ')}</span>
                {linesOf.has(u.id) && (
                  <span className="row-sub" data-testid="user-lines">
                    {t('lines.title')}: {linesOf.get(u.id)?.join(', ')}
                  </span>
                )}
              </span>
              <span className="row-meta">
                <span className="tag">{t(`admin.role.${u.role}`)}</span>
                {u.disabled && <span className="tag warn">{t('admin.users.disabled')}</span>}
              </span>
            </button>
          </li>
        ))}
      </ul>
      <ListDialogs
        dialogs={dialogs}
        newTitle={t('admin.users.new')}
        titleOf={(u) => u.displayName}
        add={(close) => <CreateUser close={close} />}
        edit={(u, close) => <EditUser user={u} close={close} />}
      />
    </>
  );
}

function CreateUser({ close }: { close: () => void }) {
  const admin = useAdmin();
  const services = useServices();
  const { t } = useI18n();
  const grantable = useGrantable();
  const myDomain = useStore(services.me, (u) => u.domain);
  const [state, run] = useAction();
  const [created, setCreated] = useState<{ user: User; password?: string } | null>(null);
  const [form, set] = useFields({
    local: '',
    domain: myDomain,
    displayName: '',
    email: '',
    numbers: '',
    role: 'user' as Role,
    password: '',
  });

  const submit = (e: FormEvent) => {
    e.preventDefault();
    void run(async () => {
      setCreated(
        await admin.createUser({
          local: form.local.trim(),
          domain: form.domain.trim() || undefined,
          displayName: form.displayName.trim() || undefined,
          email: form.email.trim() || undefined,
          numbers: splitList(form.numbers),
          role: form.role,
          password: form.password || undefined,
        }),
      );
    });
  };

  if (created) {
    return (
      <div className="admin-form">
        <p role="status" data-testid="user-created">
          {t('admin.users.created', { address: created.user.address })}
        </p>
        {created.password && <OneTimePassword password={created.password} />}
        <div className="actions">
          <button type="button" className="primary" onClick={close}>
            {t('admin.done')}
          </button>
        </div>
      </div>
    );
  }

  return (
    <form className="admin-form" onSubmit={submit}>
      <ErrorScope state={state} concerns="local">
        <div className="form-grid">
          <Field name="local" label={t('admin.users.local')} hint={t('admin.users.localHint')}>
            {(control) => <input {...control} required autoComplete="off" value={form.local} onChange={set('local')} />}
          </Field>
          <Field name="domain" label={t('admin.users.domain')}>
            {(control) => <input {...control} autoComplete="off" value={form.domain} onChange={set('domain')} />}
          </Field>
          <ProfileFields form={form} set={set} />
          <RoleField value={form.role} choices={grantable} onChange={set('role')} />
          <PasswordField label={t('admin.users.password')} value={form.password} onChange={set('password')} />
        </div>
        <SubmitActions state={state} label={t('admin.users.create')} cancel={close} />
      </ErrorScope>
    </form>
  );
}

/** A user's display name, e-mail and numbers: the same fields when the user is created and when edited. */
function ProfileFields({
  form,
  set,
}: {
  form: { displayName: string; email: string; numbers: string };
  set: (k: 'displayName' | 'email' | 'numbers') => (e: { target: { value: string } }) => void;
}) {
  const { t } = useI18n();
  return (
    <>
      <Field name="displayName" label={t('admin.users.displayName')}>
        {(control) => <input {...control} autoComplete="off" value={form.displayName} onChange={set('displayName')} />}
      </Field>
      <Field name="email" label={t('admin.users.email')}>
        {(control) => <input {...control} type="email" autoComplete="off" value={form.email} onChange={set('email')} />}
      </Field>
      <Field name="numbers" label={t('admin.users.numbers')} hint={t('admin.users.numbersHint')}>
        {(control) => <input {...control} autoComplete="off" value={form.numbers} onChange={set('numbers')} />}
      </Field>
    </>
  );
}

/** The role a user has, chosen from `choices` (each by its name). */
function RoleField({
  value,
  choices,
  disabled,
  onChange,
}: {
  value: Role;
  choices: Role[];
  disabled?: boolean;
  onChange: (e: { target: { value: string } }) => void;
}) {
  const { t } = useI18n();
  return (
    <Field name="role" label={t('admin.users.role')}>
      {(control) => (
        <select {...control} value={value} disabled={disabled} onChange={onChange}>
          {choices.map((r) => (
            <option key={r} value={r}>
              {t(`admin.role.${r}`)}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}

/** A password an administrator sets for a user (left empty, the server generates one). */
function PasswordField({
  label,
  value,
  onChange,
}: {
  label: string;
  value: string;
  onChange: (e: { target: { value: string } }) => void;
}) {
  const { t } = useI18n();
  return (
    <Field name="password" label={label} hint={t('admin.users.passwordHint')}>
      {(control) => (
        <input {...control} type="password" autoComplete="new-password" value={value} onChange={onChange} />
      )}
    </Field>
  );
}

/** A password the server generated: shown this once, to pass on. */
function OneTimePassword({ password }: { password: string }) {
  const { t } = useI18n();
  return (
    <div className="one-time">
      <span>{t('admin.users.generated')}</span>
      <code data-testid="generated-password">{password}</code>
      <CopyButton value={password} />
    </div>
  );
}

function EditUser({ user, close }: { user: User; close: () => void }) {
  const admin = useAdmin();
  const services = useServices();
  const { t } = useI18n();
  const grantable = useGrantable();
  const self = useStore(services.me, (u) => u.id) === user.id;
  const [profile, runProfile] = useAction();
  const [account, runAccount] = useAction();
  const [form, set] = useFields({
    displayName: user.displayName,
    email: user.email ?? '',
    numbers: user.numbers.join(', '),
    role: user.role,
  });
  const [password, setPassword] = useState('');
  const [generated, setGenerated] = useState<string | null>(null);
  const roleChoices = grantable.includes(user.role) ? grantable : [user.role, ...grantable];

  const save = (e: FormEvent) => {
    e.preventDefault();
    void runProfile(
      () =>
        admin.updateUser(user.id, {
          displayName: form.displayName.trim(),
          email: form.email.trim() || null,
          numbers: splitList(form.numbers),
          ...(form.role !== user.role && { role: form.role }),
        }),
      t('admin.saved'),
    );
  };

  const resetPassword = (e: FormEvent) => {
    e.preventDefault();
    void runAccount(async () => {
      const generated = await admin.setPassword(user.id, password || undefined);
      setGenerated(generated ?? null);
      setPassword('');
    }, t('admin.users.passwordSet'));
  };

  const toggle = () =>
    void runAccount(
      () => admin.updateUser(user.id, { disabled: !user.disabled }),
      t(user.disabled ? 'admin.users.enabledNow' : 'admin.users.disabledNow'),
    );

  const remove = () => {
    if (!window.confirm(t('admin.users.removeConfirm', { name: user.displayName }))) return;
    void runAccount(async () => {
      await admin.removeUser(user.id);
      close();
    });
  };

  return (
    <div className="admin-form">
      <p className="muted">
        {user.address}
        {user.disabled && <span className="tag warn">{t('admin.users.disabled')}</span>}
      </p>
      <form onSubmit={save} aria-label={t('admin.users.profile')}>
        <ErrorScope state={profile}>
          <h3 className="group-title">{t('admin.users.profile')}</h3>
          <div className="form-grid">
            <ProfileFields form={form} set={set} />
            <RoleField value={form.role} choices={roleChoices} disabled={self} onChange={set('role')} />
          </div>
          <ActionStatus state={profile} />
          <div className="actions">
            <button type="submit" className="primary" disabled={profile.kind === 'busy'}>
              {t('admin.save')}
            </button>
          </div>
        </ErrorScope>
      </form>

      <form onSubmit={resetPassword} aria-label={t('admin.users.account')}>
        <ErrorScope state={account}>
          <h3 className="group-title">{t('admin.users.account')}</h3>
          <PasswordField
            label={t('admin.users.newPassword')}
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
          {generated && <OneTimePassword password={generated} />}
          <ActionStatus state={account} testId="account-status" />
          <div className="actions">
            <button type="submit" disabled={account.kind === 'busy'}>
              {t('admin.users.resetPassword')}
            </button>
            {!self && (
              <button type="button" disabled={account.kind === 'busy'} onClick={toggle}>
                {t(user.disabled ? 'admin.users.enable' : 'admin.users.disable')}
              </button>
            )}
            {!self && (
              <button type="button" className="danger" disabled={account.kind === 'busy'} onClick={remove}>
                {t('admin.users.remove')}
              </button>
            )}
          </div>
        </ErrorScope>
      </form>

      <UserCalendar user={user} />

      <UserLines user={user} />

      <Devices owner={{ kind: 'user', userId: user.id }} />

      <div className="actions end">
        <button type="button" onClick={close}>
          {t('presence.close')}
        </button>
      </div>
    </div>
  );
}
