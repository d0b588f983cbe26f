import type { PresenceState } from '@parley/api';
import { useServices } from '../../app/services';
import { type I18n, useI18n } from '../../i18n';
import { useStore } from '../../lib/store';
import type { PresenceEntry } from './presence-store';

type Availability = PresenceState['availability'];

/** The text for a presence: the server's rendering, or a local one while that is on its way. */
export function presenceText(entry: PresenceEntry | undefined, i18n: I18n): string {
  if (!entry) return i18n.t('presence.offline');
  if (entry.text) return entry.text;
  const label = i18n.t(`presence.${entry.availability}`);
  return entry.note ? `${label} – ${entry.note}` : label;
}

/** A coloured dot whose shape also differs per availability (not colour alone); always next to its text. */
export function Badge({ availability }: { availability: Availability }) {
  return <span className="badge" data-availability={availability} aria-hidden="true" />;
}

export function usePresence(address: string): PresenceEntry | undefined {
  const { presence } = useServices();
  return useStore(presence.state, (s) => s.byUser[address]);
}

/** Badge and text of one user, updated live. */
export function PresenceLine({ address, compact }: { address: string; compact?: boolean }) {
  const i18n = useI18n();
  const entry = usePresence(address);
  const text = presenceText(entry, i18n);
  return (
    <span className="presence" data-presence-of={address} data-availability={entry?.availability ?? 'offline'}>
      <Badge availability={entry?.availability ?? 'offline'} />
      {compact ? (
        <span className="sr-only">{text}</span>
      ) : (
        <span className="presence-text" title={text}>
          {text}
        </span>
      )}
    </span>
  );
}

/** Initials with the presence badge in the corner. */
export function Avatar({ name, address }: { name: string; address?: string }) {
  const entry = usePresence(address ?? '');
  const initials = name
    .split(/[\s@.]+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((p) => p[0]?.toUpperCase())
    .join('');
  return (
    <span className="avatar" aria-hidden="true">
      {initials || '?'}
      {address && <Badge availability={entry?.availability ?? 'offline'} />}
    </span>
  );
}
