import type { Tenant } from '@parley/api';
import { type FormEvent, useEffect, useState } from 'react';
import { useServices } from '../../app/services';
import { useI18n } from '../../i18n';
import { errorText } from '../../lib/errors';
import { useStore } from '../../lib/store';
import { useAdmin } from './Admin';
import { ActionStatus, Field, Modal, useAction } from './ui';

/** Tenants and their domains (system administrators only): create, edit, numbering plan, remove. */
export function TenantsAdmin() {
  const admin = useAdmin();
  const { t } = useI18n();
  const list = useStore(admin.tenants, (s) => s);
  const [editing, setEditing] = useState<string | null>(null);
  const [creating, setCreating] = useState(false);

  useEffect(() => {
    void admin.loadTenants();
  }, [admin]);

  const tenant = list.items.find((x) => x.id === editing) ?? null;
  const sorted = [...list.items].sort((a, b) => a.name.localeCompare(b.name));

  return (
    <>
      <div className="toolbar">
        <p className="muted count" aria-live="polite">
          {list.status === 'loading' && list.items.length === 0
            ? t('app.loading')
            : t('admin.tenants.count', { n: list.items.length })}
        </p>
        <button type="button" className="primary" onClick={() => setCreating(true)}>
          {t('admin.tenants.new')}
        </button>
      </div>
      {list.status === 'failed' && (
        <p className="form-status error" role="alert">
          {errorText(list.error, t)}
        </p>
      )}
      <ul className="list admin-list" aria-label={t('admin.tenants')}>
        {sorted.map((x) => (
          <li key={x.id} className="row-item" data-tenant={x.domains[0]}>
            <button type="button" className="row-main" onClick={() => setEditing(x.id)}>
              <span className="row-text">
                <span className="row-title">{x.name}</span>
                <span className="row-sub">{x.domains.join(', ')}</span>
              </span>
              <span className="row-meta">
                {[x.country, x.areaCode && `(0)${x.areaCode}`].filter(Boolean).join(' ')}
              </span>
            </button>
          </li>
        ))}
      </ul>
      <Modal open={creating} onClose={() => setCreating(false)} title={t('admin.tenants.new')}>
        <CreateTenant close={() => setCreating(false)} />
      </Modal>
      <Modal open={tenant !== null} onClose={() => setEditing(null)} title={tenant?.name ?? ''} wide>
        {tenant && <EditTenant tenant={tenant} close={() => setEditing(null)} />}
      </Modal>
    </>
  );
}

function CreateTenant({ close }: { close: () => void }) {
  const admin = useAdmin();
  const { t } = useI18n();
  const [state, run] = useAction();
  const [form, setForm] = useState({ domain: '', name: '', country: '', areaCode: '' });
  const set = (k: keyof typeof form) => (e: { target: { value: string } }) => setForm({ ...form, [k]: e.target.value });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void run(async () => {
      await admin.createTenant({
        domain: form.domain.trim(),
        name: form.name.trim() || undefined,
        country: form.country.trim() || undefined,
        areaCode: form.areaCode.trim() || undefined,
      });
      close();
    });
  };
  return (
    <form className="admin-form" onSubmit={submit}>
      <div className="form-grid">
        <Field label={t('admin.tenants.domain')}>
          {(id) => <input id={id} required placeholder="example.com" value={form.domain} onChange={set('domain')} />}
        </Field>
        <Field label={t('admin.tenants.name')}>
          {(id) => <input id={id} value={form.name} onChange={set('name')} />}
        </Field>
        <Field label={t('admin.tenants.country')} hint={t('admin.tenants.countryHint')}>
          {(id, hint) => (
            <input id={id} aria-describedby={hint} maxLength={2} value={form.country} onChange={set('country')} />
          )}
        </Field>
        <Field label={t('admin.tenants.areaCode')} hint={t('admin.tenants.areaCodeHint')}>
          {(id, hint) => (
            <input
              id={id}
              aria-describedby={hint}
              inputMode="numeric"
              value={form.areaCode}
              onChange={set('areaCode')}
            />
          )}
        </Field>
      </div>
      <ActionStatus state={state} />
      <div className="actions">
        <button type="submit" className="primary" disabled={state.kind === 'busy'}>
          {t('admin.tenants.create')}
        </button>
        <button type="button" onClick={close}>
          {t('admin.cancel')}
        </button>
      </div>
    </form>
  );
}

const text = (v: string | null | undefined) => v ?? '';
const orNull = (v: string) => (v.trim() ? v.trim() : null);

function EditTenant({ tenant, close }: { tenant: Tenant; close: () => void }) {
  const admin = useAdmin();
  const services = useServices();
  const { t } = useI18n();
  const own = useStore(services.me, (u) => u.tenantId) === tenant.id;
  const [state, run] = useAction();
  const [domains, runDomains] = useAction();
  const n = tenant.numbering;
  const [form, setForm] = useState({
    name: tenant.name,
    country: text(tenant.country),
    areaCode: text(tenant.areaCode),
    trunkPrefix: text(n?.trunkPrefix),
    exitPrefix: text(n?.exitPrefix),
    pbxBase: text(n?.pbxBase),
    extMin: n?.extensionLength ? String(n.extensionLength.min) : '',
    extMax: n?.extensionLength ? String(n.extensionLength.max) : '',
  });
  const [domain, setDomain] = useState('');
  const set = (k: keyof typeof form) => (e: { target: { value: string } }) => setForm({ ...form, [k]: e.target.value });

  const save = (e: FormEvent) => {
    e.preventDefault();
    const numbering = {
      ...(form.trunkPrefix.trim() && { trunkPrefix: form.trunkPrefix.trim() }),
      ...(form.exitPrefix.trim() && { exitPrefix: form.exitPrefix.trim() }),
      ...(form.pbxBase.trim() && { pbxBase: form.pbxBase.trim() }),
      ...(form.extMin.trim() &&
        form.extMax.trim() && { extensionLength: { min: Number(form.extMin), max: Number(form.extMax) } }),
    };
    void run(
      () =>
        admin.updateTenant(tenant.id, {
          name: form.name.trim(),
          country: orNull(form.country),
          areaCode: orNull(form.areaCode),
          numbering: Object.keys(numbering).length > 0 ? numbering : null,
        }),
      t('admin.saved'),
    );
  };
  const addDomain = (e: FormEvent) => {
    e.preventDefault();
    void runDomains(async () => {
      await admin.addDomain(tenant.id, domain.trim());
      setDomain('');
    }, t('admin.saved'));
  };
  const remove = () => {
    if (!window.confirm(t('admin.tenants.removeConfirm', { name: tenant.name }))) return;
    void run(async () => {
      await admin.removeTenant(tenant.id);
      close();
    });
  };

  return (
    <div className="admin-form">
      <form onSubmit={save} aria-label={t('admin.tenants.settings')}>
        <div className="form-grid">
          <Field label={t('admin.tenants.name')}>
            {(id) => <input id={id} required value={form.name} onChange={set('name')} />}
          </Field>
          <Field label={t('admin.tenants.country')} hint={t('admin.tenants.countryHint')}>
            {(id, hint) => (
              <input id={id} aria-describedby={hint} maxLength={2} value={form.country} onChange={set('country')} />
            )}
          </Field>
          <Field label={t('admin.tenants.areaCode')} hint={t('admin.tenants.areaCodeHint')}>
            {(id, hint) => (
              <input
                id={id}
                aria-describedby={hint}
                inputMode="numeric"
                value={form.areaCode}
                onChange={set('areaCode')}
              />
            )}
          </Field>
          <Field label={t('admin.tenants.pbxBase')} hint={t('admin.tenants.pbxBaseHint')}>
            {(id, hint) => <input id={id} aria-describedby={hint} value={form.pbxBase} onChange={set('pbxBase')} />}
          </Field>
          <Field label={t('admin.tenants.trunkPrefix')}>
            {(id) => <input id={id} inputMode="numeric" value={form.trunkPrefix} onChange={set('trunkPrefix')} />}
          </Field>
          <Field label={t('admin.tenants.exitPrefix')}>
            {(id) => <input id={id} inputMode="numeric" value={form.exitPrefix} onChange={set('exitPrefix')} />}
          </Field>
          <Field label={t('admin.tenants.extMin')}>
            {(id) => <input id={id} type="number" min={1} max={8} value={form.extMin} onChange={set('extMin')} />}
          </Field>
          <Field label={t('admin.tenants.extMax')}>
            {(id) => <input id={id} type="number" min={1} max={8} value={form.extMax} onChange={set('extMax')} />}
          </Field>
        </div>
        <ActionStatus state={state} />
        <div className="actions">
          <button type="submit" className="primary" disabled={state.kind === 'busy'}>
            {t('admin.save')}
          </button>
          {!own && (
            <button type="button" className="danger" disabled={state.kind === 'busy'} onClick={remove}>
              {t('admin.tenants.remove')}
            </button>
          )}
        </div>
      </form>

      <section aria-labelledby="tenant-domains">
        <h3 id="tenant-domains" className="group-title">
          {t('admin.tenants.domains')}
        </h3>
        <ul className="plain-list">
          {tenant.domains.map((d, i) => (
            <li key={d} className="inline-actions">
              <span>{d}</span>
              {i === 0 ? (
                <span className="tag">{t('admin.tenants.primary')}</span>
              ) : (
                <button
                  type="button"
                  className="link-button"
                  aria-label={t('admin.tenants.removeDomain', { domain: d })}
                  disabled={domains.kind === 'busy'}
                  onClick={() => void runDomains(() => admin.removeDomain(tenant.id, d), t('admin.saved'))}
                >
                  {t('admin.remove')}
                </button>
              )}
            </li>
          ))}
        </ul>
        <form className="input-row" onSubmit={addDomain}>
          <label htmlFor="tenant-add-domain" className="sr-only">
            {t('admin.tenants.addDomain')}
          </label>
          <input
            id="tenant-add-domain"
            required
            placeholder="example.org"
            value={domain}
            onChange={(e) => setDomain(e.target.value)}
          />
          <button type="submit" disabled={domains.kind === 'busy'}>
            {t('admin.tenants.addDomain')}
          </button>
        </form>
        <ActionStatus state={domains} />
      </section>
      <div className="actions end">
        <button type="button" onClick={close}>
          {t('presence.close')}
        </button>
      </div>
    </div>
  );
}
