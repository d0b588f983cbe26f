import { useId, useState } from 'react';
import { navigate, paths } from '../../app/router';
import { useServices } from '../../app/services';
import { useI18n } from '../../i18n';
import { CallButton } from '../calls/CallButton';
import { Avatar } from '../presence/PresenceBadge';
import { type Candidate, directoryOf } from './directory-store';

/**
 * A directory contact: name (or "~Company" when only the company is known), company, department,
 * title, every number as its source wrote it (each can be looked up), e-mail, its record in the
 * source system and the sources it comes from. A Parley user can be chatted with.
 */
export function ContactCard({ contact }: { contact: Candidate }) {
  const services = useServices();
  const store = directoryOf(services);
  const { t } = useI18n();
  const id = useId();
  const [opening, setOpening] = useState(false);
  const chat = async (address: string) => {
    setOpening(true);
    try {
      navigate(paths.chat(await services.chat.direct(address)));
    } finally {
      setOpening(false);
    }
  };
  const also = contact.sources.filter((s) => s !== contact.source);

  return (
    <article className="card contact-card" aria-labelledby={`${id}-name`} data-testid="contact-card">
      <header className="card-head">
        <Avatar name={contact.name ?? contact.company ?? contact.display} address={contact.address ?? undefined} />
        <div className="card-title">
          <h3 id={`${id}-name`}>{contact.display}</h3>
          {contact.title && <span className="muted">{contact.title}</span>}
        </div>
        {contact.uncertain && <span className="tag warn">{t('directory.uncertain')}</span>}
      </header>
      <dl className="facts">
        {contact.company && (
          <>
            <dt>{t('directory.company')}</dt>
            <dd data-field="company">{contact.company}</dd>
          </>
        )}
        {contact.department && (
          <>
            <dt>{t('directory.department')}</dt>
            <dd data-field="department">{contact.department}</dd>
          </>
        )}
        {contact.numbers.length > 0 && (
          <>
            <dt>{t('directory.numbers')}</dt>
            <dd>
              <ul className="numbers">
                {contact.numbers.map((n) => (
                  <li key={`${n.type}-${n.raw}`} data-number={n.raw}>
                    <span className="num-type">{t(`directory.numberType.${n.type}`)}</span>
                    <span className="num-raw">{n.raw}</span>
                    {n.e164 === null ? (
                      <span className="tag warn">{t('directory.numberInvalid')}</span>
                    ) : (
                      n.e164 !== n.raw.replace(/[^\d+]/g, '') && <span className="muted num-e164">{n.e164}</span>
                    )}
                    <button
                      type="button"
                      className="link-button"
                      aria-label={t('directory.lookupNumber', { number: n.raw })}
                      onClick={() => void store.lookup(n.raw)}
                    >
                      {t('directory.lookupShort')}
                    </button>
                    <CallButton to={n.e164 ?? n.raw} name={`${contact.display} (${n.raw})`} />
                  </li>
                ))}
              </ul>
            </dd>
          </>
        )}
        {contact.email && (
          <>
            <dt>{t('directory.email')}</dt>
            <dd>
              <a href={`mailto:${contact.email}`}>{contact.email}</a>
            </dd>
          </>
        )}
        {contact.address && (
          <>
            <dt>{t('directory.address')}</dt>
            <dd className="inline-actions">
              <span data-field="address">{contact.address}</span>
              <button
                type="button"
                className="link-button"
                aria-busy={opening}
                onClick={() => void chat(contact.address as string)}
              >
                {t('contacts.chat', { name: contact.name ?? contact.address })}
              </button>
              <CallButton to={contact.address} name={contact.name ?? contact.address} />
            </dd>
          </>
        )}
        {contact.url && /^https?:\/\//i.test(contact.url) && (
          <>
            <dt>{t('directory.record')}</dt>
            <dd>
              <a href={contact.url} target="_blank" rel="noreferrer noopener">
                {t('directory.openRecord')}
              </a>
            </dd>
          </>
        )}
        <dt>{t('directory.source')}</dt>
        <dd data-field="source">
          {contact.source}
          {also.length > 0 && <span className="muted"> {t('directory.alsoIn', { sources: also.join(', ') })}</span>}
        </dd>
      </dl>
    </article>
  );
}
