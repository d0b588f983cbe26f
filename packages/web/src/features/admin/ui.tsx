import { createContext, type ReactNode, useCallback, useContext, useEffect, useId, useRef, useState } from 'react';
import { useI18n } from '../../i18n';
import { errorText, type FormErrors, formErrors } from '../../lib/errors';

/**
 * A modal dialog (the browser's <dialog>: focus trapped, Escape closes, focus returns to the
 * button that opened it). Its content is mounted only while it is open, so each opening starts
 * afresh.
 */
export function Modal({
  open,
  onClose,
  title,
  wide,
  children,
}: {
  open: boolean;
  onClose: () => void;
  title: string;
  wide?: boolean;
  children: ReactNode;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const id = useId();
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) d.showModal();
    if (!open && d.open) d.close();
  }, [open]);
  return (
    <dialog ref={ref} className={`sheet admin-sheet${wide ? ' wide' : ''}`} aria-labelledby={id} onClose={onClose}>
      <h2 id={id}>{title}</h2>
      {open && children}
    </dialog>
  );
}

export type ActionState =
  | { kind: 'idle' }
  | { kind: 'busy' }
  | { kind: 'done'; text: string }
  | { kind: 'error'; error: unknown };

/**
 * Runs one async action at a time and keeps its outcome for a status line.
 * @example const [state, run] = useAction(); run(() => api.save(), t('admin.saved'));
 */
export function useAction(): [
  ActionState,
  <T>(fn: () => Promise<T>, done?: string | ((result: T) => string)) => Promise<boolean>,
  () => void,
] {
  const [state, setState] = useState<ActionState>({ kind: 'idle' });
  const mounted = useRef(true);
  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);
  const run = useCallback(async <T,>(fn: () => Promise<T>, done: string | ((result: T) => string) = '') => {
    setState({ kind: 'busy' });
    try {
      const result = await fn();
      if (mounted.current) setState({ kind: 'done', text: typeof done === 'function' ? done(result) : done });
      return true;
    } catch (error) {
      if (mounted.current) setState({ kind: 'error', error });
      return false;
    }
  }, []);
  const reset = useCallback(() => setState({ kind: 'idle' }), []);
  return [state, run, reset];
}

/** The failed action of the form around, its texts per field (see `ErrorScope`). */
const ScopeContext = createContext<(FormErrors & { shown: Set<string> }) | null>(null);

/**
 * A form whose fields show what is wrong with them: the failed action's texts per field go next
 * to the `Field`s named so, and its `ActionStatus` (after them) says what the code says and the
 * texts of fields it has no `Field` for. `concerns` is the field an error other than a validation
 * concerns (the user name of a user that exists already).
 */
export function ErrorScope({
  state,
  concerns,
  children,
}: {
  state: ActionState;
  concerns?: string;
  children: ReactNode;
}) {
  const { t } = useI18n();
  const errors = state.kind === 'error' ? { ...formErrors(state.error, t, concerns), shown: new Set<string>() } : null;
  return <ScopeContext.Provider value={errors}>{children}</ScopeContext.Provider>;
}

/**
 * The outcome of an action: a polite status, or an alert with the reason in the user's language
 * (with the texts of the fields at fault, unless its `ErrorScope` shows them at the fields;
 * `concerns` as there).
 */
export function ActionStatus({ state, testId, concerns }: { state: ActionState; testId?: string; concerns?: string }) {
  const { t } = useI18n();
  const scope = useContext(ScopeContext);
  const error = state.kind === 'error';
  const text =
    state.kind === 'error'
      ? scope
        ? [
            scope.summary,
            ...Object.entries(scope.fields).flatMap(([f, text]) => (scope.shown.has(f) ? [] : [text])),
          ].join(' ')
        : errorText(state.error, t, concerns)
      : state.kind === 'done'
        ? state.text
        : '';
  return (
    <p className={`form-status${error ? ' error' : ''}`} role={error ? 'alert' : 'status'} data-testid={testId}>
      {text}
    </p>
  );
}

/**
 * The end of a form that adds or changes something: the action's outcome, the submit button
 * (disabled while the action runs, or while `disabled`) and Cancel.
 */
export function SubmitActions({
  state,
  label,
  cancel,
  disabled = false,
  testId,
}: {
  state: ActionState;
  label: string;
  cancel: () => void;
  disabled?: boolean;
  testId?: string;
}) {
  const { t } = useI18n();
  return (
    <>
      <ActionStatus state={state} testId={testId} />
      <div className="actions">
        <button type="submit" className="primary" disabled={state.kind === 'busy' || disabled}>
          {label}
        </button>
        <button type="button" onClick={cancel}>
          {t('admin.cancel')}
        </button>
      </div>
    </>
  );
}

/**
 * A form's text fields as one state object, and `set(key)`: the change handler of the field that
 * edits `key`.
 * @example const [form, set] = useFields({ name: '' }); <input value={form.name} onChange={set('name')} />
 */
export function useFields<T extends Record<string, string>>(
  initial: T,
): [T, (k: keyof T) => (e: { target: { value: string } }) => void] {
  const [form, setForm] = useState(initial);
  const set = (k: keyof T) => (e: { target: { value: string } }) => setForm({ ...form, [k]: e.target.value });
  return [form, set];
}

/** What a field's control takes: its id (the label's), the ids of its hint and error text, whether it is invalid. */
export interface FieldControl {
  id: string;
  'aria-describedby': string | undefined;
  'aria-invalid': boolean | undefined;
}

/**
 * A labelled input, select or textarea in a form grid; its control spreads `control`. Named
 * (`name`, the API's field), it shows what the failed action of its `ErrorScope` says about that
 * field, and its control is marked invalid and described by that text.
 * @example <Field label={t('x')} name="email">{(control) => <input {...control} value={v} onChange={f} />}</Field>
 */
export function Field({
  label,
  hint,
  name,
  children,
}: {
  label: string;
  hint?: string;
  name?: string;
  children: (control: FieldControl) => ReactNode;
}) {
  const id = useId();
  const scope = useContext(ScopeContext);
  const error = name === undefined ? undefined : scope?.fields[name];
  if (error !== undefined && name !== undefined) scope?.shown.add(name);
  const describedBy = [hint && `${id}-hint`, error && `${id}-error`].filter(Boolean).join(' ') || undefined;
  return (
    <div className="field" data-field={name}>
      <label htmlFor={id}>{label}</label>
      {children({ id, 'aria-describedby': describedBy, 'aria-invalid': error === undefined ? undefined : true })}
      {hint && (
        <small id={`${id}-hint`} className="field-hint">
          {hint}
        </small>
      )}
      {error && (
        <small id={`${id}-error`} className="field-error">
          {error}
        </small>
      )}
    </div>
  );
}

/** "3 Nov, 14:30" or "never". */
export function useWhen(): (iso: string | null) => string {
  const { when, t } = useI18n();
  return (iso) => (iso ? when(iso) : t('admin.never'));
}

/** Numbers as typed in one field, separated by commas or new lines. */
export const splitList = (s: string): string[] =>
  s
    .split(/[,\n]/)
    .map((x) => x.trim())
    .filter(Boolean);

/** A button that copies `value` to the clipboard and says so; `label` names it for screen readers. */
export function CopyButton({ value, label }: { value: string; label?: string }) {
  const { t } = useI18n();
  const [copied, setCopied] = useState(false);
  return (
    <button
      type="button"
      {...(label && { 'aria-label': label })}
      onClick={() =>
        void navigator.clipboard?.writeText(value).then(
          () => setCopied(true),
          () => undefined,
        )
      }
    >
      {copied ? t('admin.copied') : t('admin.copy')}
    </button>
  );
}
