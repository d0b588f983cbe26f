import type { linesEn } from './lines-en';

/** The line texts in German, key by key as in `lines-en.ts`. */
export const linesDe: Record<keyof typeof linesEn, string> = {
  'lines.title': 'Leitungen',
  'lines.intro':
    'Nummern, unter denen die Telefone dieser Person klingeln: eine interne Nebenstelle und, falls vorhanden, eine Durchwahl von außen (DID).',
  'lines.none': 'Noch keine Leitungen.',
  'lines.number': 'Nebenstelle',
  'lines.numberHint': 'Ziffern, z. B. 201',
  'lines.did': 'Durchwahl (DID)',
  'lines.didHint': 'Optional, z. B. +49 711 12345-201',
  'lines.noDid': 'keine Durchwahl',
  'lines.add': 'Leitung hinzufügen',
  'lines.added': 'Leitung {number} hinzugefügt.',
  'lines.remove': 'Entfernen',
  'lines.removeOf': 'Leitung {number} entfernen',
  'lines.removeTitle': 'Diese Leitung entfernen?',
  'lines.removeConfirm':
    'Anrufe an {number} erreichen {name} nicht mehr. Daran gebundene Telefone klingeln für die übrigen Leitungen.',
  'lines.removed': 'Leitung {number} entfernt.',
  'lines.list': 'Leitungen von {name}',
  'lines.group': 'Übernahmegruppe',
  'lines.groupSave': 'Gruppe speichern',
  'lines.groupSet': 'Leitung {number} ist in der Übernahmegruppe {group}.',
  'lines.groupCleared': 'Leitung {number} ist in keiner Übernahmegruppe.',
} as const;
