import type { callsEn } from './calls-en';

/** The call settings texts in German, key by key as in `calls-en.ts`. */
export const callsDe: Record<keyof typeof callsEn, string> = {
  'calls.title': 'Anrufe',
  'calls.intro':
    'Was mit Anrufen an Sie geschieht. Kolleginnen und Kollegen sehen „Bitte nicht stören“ und Umleitungen in Ihrer Präsenz.',
  'calls.dnd': 'Bitte nicht stören',
  'calls.dndHint': 'Anrufe an Sie werden abgewiesen; Ihre Präsenz zeigt „bitte nicht stören“.',
  'calls.dndOn': '„Bitte nicht stören“ ist an.',
  'calls.dndOff': '„Bitte nicht stören“ ist aus.',
  'calls.immediate': 'Alle Anrufe umleiten',
  'calls.immediateHint': 'Hier klingelt nichts; Ihre Präsenz zeigt „Anrufe umgeleitet“.',
  'calls.busy': 'Umleiten bei besetzt',
  'calls.noAnswer': 'Umleiten, wenn niemand abnimmt',
  'calls.on': 'An',
  'calls.to': 'Umleiten an',
  'calls.toHint': 'Eine Nummer wie +49 170 1234567 oder 201 oder eine Adresse wie bob@example.com',
  'calls.afterSeconds': 'Nach (Sekunden)',
  'calls.afterSecondsHint': '{min} bis {max} Sekunden Klingeln',
  'calls.remoteOffice': 'Remote Office',
  'calls.remoteOfficeHint': 'Eine externe Nummer, etwa Ihr Handy, klingelt zusammen mit Ihren Telefonen.',
  'calls.number': 'Nummer',
  'calls.save': 'Speichern',
  'calls.saved': 'Gespeichert.',
};
