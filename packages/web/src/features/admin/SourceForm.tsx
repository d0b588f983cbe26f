import type { DirectorySource, Role } from '@parley/api';
import { type FormEvent, useEffect, useId, useMemo, useState } from 'react';
import { useI18n } from '../../i18n';
import { useAdmin } from './Admin';
import { type Config, formatNumberList, getPath, parseNumberList, setPath } from './settings-path';
import { type SettingField, type SourceKind, secretLabels, settingFields, templates } from './source-settings';
import { ErrorScope, Field, SubmitActions, useAction } from './ui';

const kinds: SourceKind[] = ['file', 'ldap', 'sql', 'http'];
const visibilityRoles: Role[] = ['user', 'tenant-admin', 'system-admin'];

const stringify = (c: Config) => JSON.stringify(c, null, 2);
function parse(text: string): { ok: true; config: Config } | { ok: false; error: string } {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, error: '{ … }' };
    return { ok: true, config: value as Config };
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
}

/**
 * Adds or edits a directory source: name, kind, priority, schedule, who may see it, its secret
 * (write-only: a stored one is never shown, only replaced or removed) and the connector's settings,
 * as fields for the usual ones and as JSON for all of them (the fields edit the same JSON).
 */
export function SourceForm({ source, close }: { source: DirectorySource | null; close: () => void }) {
  const admin = useAdmin();
  const { t } = useI18n();
  const id = useId();
  const [state, run] = useAction();
  const [kind, setKind] = useState<SourceKind>(source?.kind ?? 'file');
  const [name, setName] = useState(source?.name ?? '');
  const [priority, setPriority] = useState(String(source?.priority ?? 100));
  const [minutes, setMinutes] = useState(
    source?.scheduleSeconds ? String(Math.round(source.scheduleSeconds / 60)) : '',
  );
  const [roles, setRoles] = useState<string[]>(source?.visibleTo?.roles ?? []);
  const [secret, setSecret] = useState('');
  const [clearSecret, setClearSecret] = useState(false);
  const [text, setText] = useState(stringify(source?.config ?? templates.file));
  const parsed = useMemo(() => parse(text), [text]);
  const secretLabel = secretLabels[kind];

  const changeKind = (next: SourceKind) => {
    setKind(next);
    setText(stringify(templates[next]));
  };
  const setValue = (path: string, value: unknown) => {
    if (parsed.ok) setText(stringify(setPath(parsed.config, path, value)));
  };

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!parsed.ok) return;
    const config = parsed.config;
    const scheduleSeconds = minutes.trim() ? Math.round(Number(minutes) * 60) : null;
    const visibleTo =
      roles.length > 0
        ? { ...(source?.visibleTo?.users && { users: source.visibleTo.users }), roles }
        : source?.visibleTo?.users
          ? { users: source.visibleTo.users }
          : null;
    void run(async () => {
      if (source) {
        await admin.updateSource(source.id, {
          name: name.trim(),
          priority: Number(priority),
          scheduleSeconds,
          visibleTo,
          // Only a changed configuration is sent: a new one makes the next sync a full one.
          ...(stringify(config) !== stringify(source.config) && { config }),
          ...(secret ? { secret } : clearSecret ? { secret: null } : {}),
        });
      } else {
        await admin.createSource({
          name: name.trim(),
          kind,
          priority: Number(priority),
          config,
          ...(secret && { secret }),
          ...(scheduleSeconds !== null && { scheduleSeconds }),
          ...(visibleTo && { visibleTo }),
        });
      }
      close();
    });
  };

  return (
    <form className="admin-form source-form" onSubmit={submit}>
      <ErrorScope state={state} concerns="name">
        <div className="form-grid">
          <Field name="name" label={t('source.name')}>
            {(control) => (
              <input {...control} required maxLength={100} value={name} onChange={(e) => setName(e.target.value)} />
            )}
          </Field>
          <Field label={t('source.kind')}>
            {(control) => (
              <select
                {...control}
                value={kind}
                disabled={source !== null}
                onChange={(e) => changeKind(e.target.value as SourceKind)}
              >
                {kinds.map((k) => (
                  <option key={k} value={k}>
                    {t(`source.kind.${k}`)}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label={t('source.priorityLabel')} hint={t('source.priorityHint')}>
            {(control) => (
              <input
                {...control}
                type="number"
                min={0}
                max={1000}
                required
                value={priority}
                onChange={(e) => setPriority(e.target.value)}
              />
            )}
          </Field>
          <Field label={t('source.schedule')} hint={t('source.scheduleHint')}>
            {(control) => (
              <input {...control} type="number" min={1} value={minutes} onChange={(e) => setMinutes(e.target.value)} />
            )}
          </Field>
          {secretLabel && (
            <Field
              label={t(secretLabel)}
              hint={source?.hasSecret ? t('source.secretStoredHint') : t('admin.secretHint')}
            >
              {(control) => (
                <input
                  {...control}
                  type="password"
                  autoComplete="new-password"
                  value={secret}
                  disabled={clearSecret}
                  placeholder={source?.hasSecret ? '••••••••' : ''}
                  onChange={(e) => setSecret(e.target.value)}
                />
              )}
            </Field>
          )}
          {secretLabel && source?.hasSecret && (
            <label className="choice">
              <input type="checkbox" checked={clearSecret} onChange={(e) => setClearSecret(e.target.checked)} />
              <span>{t('source.secretRemove')}</span>
            </label>
          )}
        </div>
        <fieldset className="roles">
          <legend>{t('source.visibleTo')}</legend>
          {visibilityRoles.map((r) => (
            <label key={r} className="choice">
              <input
                type="checkbox"
                checked={roles.includes(r)}
                onChange={(e) => setRoles(e.target.checked ? [...roles, r] : roles.filter((x) => x !== r))}
              />
              <span>{t(`admin.role.${r}`)}</span>
            </label>
          ))}
          <small className="field-hint">{t('source.visibleToHint')}</small>
        </fieldset>

        <fieldset className="settings-fields" disabled={!parsed.ok}>
          <legend>{t('source.settings')}</legend>
          <div className="form-grid">
            {settingFields[kind].map((f) => (
              <SettingInput key={f.path} field={f} config={parsed.ok ? parsed.config : {}} onChange={setValue} />
            ))}
          </div>
        </fieldset>
        <details className="json-settings" open={!parsed.ok || undefined}>
          <summary>{t('source.json')}</summary>
          <label htmlFor={`${id}-json`} className="sr-only">
            {t('source.json')}
          </label>
          <textarea
            id={`${id}-json`}
            className="code"
            rows={10}
            spellCheck={false}
            aria-invalid={!parsed.ok}
            aria-describedby={`${id}-json-hint`}
            value={text}
            onChange={(e) => setText(e.target.value)}
          />
          <small id={`${id}-json-hint`} className={parsed.ok ? 'field-hint' : 'field-hint error-text'}>
            {parsed.ok ? t('source.jsonHint') : t('source.jsonInvalid', { message: parsed.error })}
          </small>
        </details>
        <SubmitActions
          state={state}
          label={t(source ? 'admin.save' : 'source.add')}
          cancel={close}
          disabled={!parsed.ok}
          testId="source-form-status"
        />
      </ErrorScope>
    </form>
  );
}

function SettingInput({
  field,
  config,
  onChange,
}: {
  field: SettingField;
  config: Config;
  onChange: (path: string, value: unknown) => void;
}) {
  const { t } = useI18n();
  const value = getPath(config, field.path);
  const label = t(field.label);
  switch (field.type) {
    case 'checkbox': {
      const checked = typeof value === 'boolean' ? value : (field.default ?? false);
      return (
        <label className="choice">
          <input
            type="checkbox"
            checked={checked}
            onChange={(e) => onChange(field.path, e.target.checked === field.default ? undefined : e.target.checked)}
          />
          <span>{label}</span>
        </label>
      );
    }
    case 'select':
      return (
        <Field label={label}>
          {(control) => (
            <select
              {...control}
              value={typeof value === 'string' ? value : ''}
              onChange={(e) => onChange(field.path, e.target.value || undefined)}
            >
              {(field.options ?? []).map((o) => (
                <option key={o} value={o}>
                  {o === '' ? t('source.default') : o === '\t' ? t('source.tab') : o}
                </option>
              ))}
            </select>
          )}
        </Field>
      );
    case 'number':
      return (
        <Field label={label}>
          {(control) => (
            <input
              {...control}
              type="number"
              min={1}
              value={typeof value === 'number' ? String(value) : ''}
              onChange={(e) => onChange(field.path, e.target.value === '' ? undefined : Number(e.target.value))}
            />
          )}
        </Field>
      );
    case 'numbers':
      return <NumbersInput field={field} value={value} onChange={onChange} />;
    case 'textarea':
      return (
        <Field label={label}>
          {(control) => (
            <textarea
              {...control}
              className="code"
              rows={3}
              spellCheck={false}
              value={typeof value === 'string' ? value : ''}
              onChange={(e) => onChange(field.path, e.target.value === '' ? undefined : e.target.value)}
            />
          )}
        </Field>
      );
    default:
      return (
        <Field label={label}>
          {(control) => (
            <input
              {...control}
              autoComplete="off"
              spellCheck={false}
              placeholder={field.placeholder}
              value={typeof value === 'string' ? value : ''}
              onChange={(e) => onChange(field.path, e.target.value === '' ? undefined : e.target.value)}
            />
          )}
        </Field>
      );
  }
}

/** `phone:work, mobile:mobile`, kept as typed while it means the same list as the settings hold. */
function NumbersInput({
  field,
  value,
  onChange,
}: {
  field: SettingField;
  value: unknown;
  onChange: (path: string, value: unknown) => void;
}) {
  const { t } = useI18n();
  const itemKey = field.itemKey ?? 'path';
  const formatted = formatNumberList(value, itemKey);
  const [text, setText] = useState(formatted);
  useEffect(() => {
    setText((typed) => (formatNumberList(parseNumberList(typed, itemKey), itemKey) === formatted ? typed : formatted));
  }, [formatted, itemKey]);
  return (
    <Field label={t(field.label)} hint={t('source.numbersHint')}>
      {(control) => (
        <input
          {...control}
          autoComplete="off"
          spellCheck={false}
          placeholder="phone:work, mobile:mobile"
          value={text}
          onChange={(e) => {
            setText(e.target.value);
            const list = parseNumberList(e.target.value, itemKey);
            onChange(field.path, list.length > 0 ? list : undefined);
          }}
        />
      )}
    </Field>
  );
}
