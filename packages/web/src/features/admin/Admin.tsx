import type { Role } from '@parley/api';
import { useEffect } from 'react';
import { type AdminSection, Link, paths } from '../../app/router';
import { useServices } from '../../app/services';
import { langStore, useI18n } from '../../i18n';
import type { MessageKey } from '../../i18n/en';
import { useStore } from '../../lib/store';
import { adminOf } from './admin-store';
import { FederationAdmin } from './FederationAdmin';
import { SourcesAdmin } from './SourcesAdmin';
import { TenantsAdmin } from './TenantsAdmin';
import { UsersAdmin } from './UsersAdmin';

const sections: { key: AdminSection; label: MessageKey; hint: MessageKey; role: Role }[] = [
  { key: 'users', label: 'admin.users', hint: 'admin.usersHint', role: 'tenant-admin' },
  { key: 'sources', label: 'admin.sources', hint: 'admin.sourcesHint', role: 'tenant-admin' },
  { key: 'federation', label: 'admin.federation', hint: 'admin.federationHint', role: 'tenant-admin' },
  { key: 'tenants', label: 'admin.tenants', hint: 'admin.tenantsHint', role: 'system-admin' },
];

/** Whether a role may open a section: system administrators may do everything. */
export const allowed = (role: Role, needs: Role): boolean =>
  needs === 'user' || role === 'system-admin' || (needs === 'tenant-admin' && role === 'tenant-admin');

export function useAdmin() {
  const services = useServices();
  return adminOf(services, langStore.get);
}

/** The administration's sections (the sidebar of the administration screen). */
export function AdminNav({ section }: { section: AdminSection | null }) {
  const services = useServices();
  const { t } = useI18n();
  const role = useStore(services.me, (u) => u.role);
  return (
    <nav aria-label={t('admin.title')} className="admin-nav">
      <h2 className="group-title">{t('admin.title')}</h2>
      <ul className="list">
        {sections
          .filter((s) => allowed(role, s.role))
          .map((s) => (
            <li key={s.key} className="row-item">
              <Link
                to={paths.admin(s.key)}
                className="row-main"
                aria-current={section === s.key ? 'page' : undefined}
                data-section={s.key}
              >
                <span className="row-text">
                  <span className="row-title">{t(s.label)}</span>
                  <span className="row-sub">{t(s.hint)}</span>
                </span>
              </Link>
            </li>
          ))}
      </ul>
    </nav>
  );
}

/** The chosen section of the administration (the main pane). */
export function AdminPane({ section }: { section: AdminSection | null }) {
  const services = useServices();
  const { t } = useI18n();
  const role = useStore(services.me, (u) => u.role);
  const needs = sections.find((s) => s.key === section)?.role;

  useEffect(() => {
    if (section) document.getElementById('main')?.scrollTo?.(0, 0);
  }, [section]);

  if (!section || !needs) return <p className="empty">{t('admin.choose')}</p>;
  if (!allowed(role, needs)) return <p className="empty">{t('admin.forbidden')}</p>;
  return (
    <section className="admin" aria-labelledby="admin-section-title" data-admin={section}>
      <header className="pane-head">
        <Link to={paths.admin()} className="icon-button back" aria-label={t('admin.back')} title={t('admin.back')}>
          <span aria-hidden="true">←</span>
        </Link>
        <h2 id="admin-section-title">{t(sections.find((s) => s.key === section)?.label ?? 'admin.title')}</h2>
      </header>
      <div className="pane-body">
        {section === 'users' ? (
          <UsersAdmin />
        ) : section === 'tenants' ? (
          <TenantsAdmin />
        ) : section === 'federation' ? (
          <FederationAdmin />
        ) : (
          <SourcesAdmin />
        )}
      </div>
    </section>
  );
}
