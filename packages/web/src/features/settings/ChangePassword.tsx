import { type FormEvent, useState } from 'react';
import { useServices } from '../../app/services';
import { useI18n } from '../../i18n';
import { ErrorScope, Field, type FieldControl, SubmitActions, useAction } from '../admin/ui';

const empty = { current: '', password: '', repeat: '' };

/**
 * Changing one's own password (`PUT /api/v1/me/password`): the current one, the new one twice.
 * What is wrong shows at the field it concerns (a wrong current password, a new one too short);
 * this session stays, the others end.
 */
export function ChangePassword() {
  const { api } = useServices();
  const { t } = useI18n();
  const [state, run, reset] = useAction();
  const [form, setForm] = useState(empty);
  const mismatch = form.repeat !== '' && form.repeat !== form.password;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (mismatch) return;
    void run(async () => {
      await api.request('me.password', { body: { current: form.current, password: form.password } });
      setForm(empty);
    }, t('account.changed'));
  };

  const change = (k: keyof typeof empty) => (e: { target: { value: string } }) => {
    if (state.kind === 'error') reset();
    setForm((f) => ({ ...f, [k]: e.target.value }));
  };
  const cancel = () => {
    setForm(empty);
    reset();
  };

  /** One of the three password inputs, for its field's control. */
  const password = (k: keyof typeof empty, autoComplete: string) => (control: FieldControl) => (
    <input {...control} type="password" required autoComplete={autoComplete} value={form[k]} onChange={change(k)} />
  );

  return (
    <form className="change-password" onSubmit={submit} aria-label={t('account.password')}>
      <h3 className="group-title">{t('account.password')}</h3>
      <ErrorScope state={state} concerns="current">
        <Field name="current" label={t('account.current')}>
          {password('current', 'current-password')}
        </Field>
        <Field name="password" label={t('account.new')} hint={t('account.newHint')}>
          {password('password', 'new-password')}
        </Field>
        <Field label={t('account.repeat')} hint={mismatch ? t('account.mismatch') : undefined}>
          {(control) => password('repeat', 'new-password')({ ...control, 'aria-invalid': mismatch })}
        </Field>
        <SubmitActions
          state={state}
          label={t('account.submit')}
          cancel={cancel}
          disabled={mismatch}
          testId="password-status"
        />
      </ErrorScope>
    </form>
  );
}
