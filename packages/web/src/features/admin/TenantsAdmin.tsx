import type { Tenant } from '@parley/api';
import { type FormEvent, useEffect, useState } from 'react';
import { useServices } from '../../app/services';
import { useI18n } from '../../i18n';
import { useStore } from '../../lib/store';
import { useAdmin } from './Admin';
import { ListCount, ListDialogs, ListError, useListDialogs } from './list';
import { ActionStatus, ErrorScope, Field, SubmitActions, useAction, useFields } from './ui';

/** Tenants and their domains (system administrators only): create, edit, numbering plan, remove. */
export function TenantsAdmin() {
  const admin = useAdmin();
  const { t } = useI18n();
  const list = useStore(admin.tenants, (s) => s);
  const dialogs = useListDialogs(list.items);

  useEffect(() => {
    void admin.loadTenants();
  }, [admin]);

  const sorted = [...list.items].sort((a, b) => a.name.localeCompare(b.name));

  return (
    <>
      <div className="toolbar">
        <ListCount list={list}>{t('admin.tenants.count', { n: list.items.length })}</ListCount>
        <button type="button" className="primary" onClick={dialogs.create}>
          {t('admin.tenants.new')}
        </button>
      </div>
      <ListError list={list} />
      <ul className="list admin-list" aria-label={t('admin.tenants')}>
        {sorted.map((x) => (
          <li key={x.id} className="row-item" data-tenant={x.domains[0]}>
            <button type="button" className="row-main" onClick={() => dialogs.edit(x.id)}>
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
      <ListDialogs
        dialogs={dialogs}
        newTitle={t('admin.tenants.new')}
        titleOf={(x) => x.name}
        add={(close) => <CreateTenant close={close} />}
        edit={(x, close) => <EditTenant tenant={x} close={close} />}
      />
    </>
  );
}

function CreateTenant({ close }: { close: () => void }) {
  const admin = useAdmin();
  const { t } = useI18n();
  const [state, run] = useAction();
  const [form, set] = useFields({ domain: '', name: '', country: '', areaCode: '' });
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
      <ErrorScope state={state} concerns="domain">
        <div className="form-grid">
          <Field name="domain" label={t('admin.tenants.domain')}>
            {(control) => (
              <input {...control} required placeholder="example.com" value={form.domain} onChange={set('domain')} />
            )}
          </Field>
          <Field name="name" label={t('admin.tenants.name')}>
            {(control) => <input {...control} value={form.name} onChange={set('name')} />}
          </Field>
          <PlaceFields form={form} set={set} />
        </div>
        <SubmitActions state={state} label={t('admin.tenants.create')} cancel={close} />
      </ErrorScope>
    </form>
  );
}

/** A tenant's country and area code: the same two fields when it is created and when it is edited. */
function PlaceFields({
  form,
  set,
}: {
  form: { country: string; areaCode: string };
  set: (k: 'country' | 'areaCode') => (e: { target: { value: string } }) => void;
}) {
  const { t } = useI18n();
  return (
    <>
      <Field name="country" label={t('admin.tenants.country')} hint={t('admin.tenants.countryHint')}>
        {(control) => <input {...control} maxLength={2} value={form.country} onChange={set('country')} />}
      </Field>
      <Field name="areaCode" label={t('admin.tenants.areaCode')} hint={t('admin.tenants.areaCodeHint')}>
        {(control) => <input {...control} inputMode="numeric" value={form.areaCode} onChange={set('areaCode')} />}
      </Field>
    </>
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
  const [form, set] = useFields({
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
        <ErrorScope state={state}>
          <div className="form-grid">
            <Field name="name" label={t('admin.tenants.name')}>
              {(control) => <input {...control} required value={form.name} onChange={set('name')} />}
            </Field>
            <PlaceFields form={form} set={set} />
            <Field name="pbxBase" label={t('admin.tenants.pbxBase')} hint={t('admin.tenants.pbxBaseHint')}>
              {(control) => <input {...control} value={form.pbxBase} onChange={set('pbxBase')} />}
            </Field>
            <Field name="trunkPrefix" label={t('admin.tenants.trunkPrefix')}>
              {(control) => (
                <input {...control} inputMode="numeric" value={form.trunkPrefix} onChange={set('trunkPrefix')} />
              )}
            </Field>
            <Field name="exitPrefix" label={t('admin.tenants.exitPrefix')}>
              {(control) => (
                <input {...control} inputMode="numeric" value={form.exitPrefix} onChange={set('exitPrefix')} />
              )}
            </Field>
            <Field label={t('admin.tenants.extMin')}>
              {(control) => (
                <input {...control} type="number" min={1} max={8} value={form.extMin} onChange={set('extMin')} />
              )}
            </Field>
            <Field label={t('admin.tenants.extMax')}>
              {(control) => (
                <input {...control} type="number" min={1} max={8} value={form.extMax} onChange={set('extMax')} />
              )}
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
        </ErrorScope>
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
        <ActionStatus state={domains} concerns="domain" />
      </section>
      <div className="actions end">
        <button type="button" onClick={close}>
          {t('presence.close')}
        </button>
      </div>
    </div>
  );
}
