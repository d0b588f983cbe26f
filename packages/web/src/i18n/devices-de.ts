import type { devicesEn } from './devices-en';

/** The device texts in German, key by key as in `devices-en.ts`. */
export const devicesDe: Record<keyof typeof devicesEn, string> = {
  'devices.title': 'Telefone und Geräte',
  'devices.intro':
    'Jedes Tischtelefon und jedes Softphone bekommt einen eigenen Benutzernamen und ein eigenes Passwort (nie Ihr Anmeldepasswort).',
  'devices.none': 'Noch keine Geräte.',
  'devices.name': 'Gerätename',
  'devices.nameHint': 'Z. B. „Tischtelefon“ oder „Softphone auf dem Laptop“',
  'devices.add': 'Gerät hinzufügen',
  'devices.username': 'Benutzername',
  'devices.server': 'SIP-Server (Registrar, Realm)',
  'devices.password': 'Passwort',
  'devices.created': 'Hinzugefügt',
  'devices.rotated': 'Passwort ersetzt',
  'devices.rotate': 'Passwort ersetzen',
  'devices.rotateOf': 'Passwort von {name} ersetzen',
  'devices.rotateTitle': 'Das Passwort dieses Geräts ersetzen?',
  'devices.rotateConfirm':
    '{name} funktioniert mit dem bisherigen Passwort nicht mehr, bis Sie das gleich angezeigte darauf eingeben.',
  'devices.remove': 'Entfernen',
  'devices.removeOf': '{name} entfernen',
  'devices.removeTitle': 'Dieses Gerät entfernen?',
  'devices.removeConfirm': '{name} kann sich nicht mehr anmelden.',
  'devices.removed': '{name} entfernt.',
  'devices.secretTitle': '{name} einrichten',
  'devices.secretOnce':
    'Geben Sie das jetzt am Telefon ein. Das Passwort wird nicht noch einmal angezeigt; geht es verloren, ersetzen Sie es.',
  'devices.secretDone': 'Fertig, Passwort ausblenden',
  'devices.copy': '{what} kopieren',
} as const;
