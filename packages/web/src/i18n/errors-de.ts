import type { errorsEn } from './errors-en';

/** The error texts in German, key by key as in `errors-en.ts`. */
export const errorsDe: Record<keyof typeof errorsEn, string> = {
  'error.details': '{text} {details}',
  'error.unknown': 'Der Server hat das abgelehnt ({code}).',
  'error.code.PARLEY_ERR_VALIDATION': 'Eine Eingabe ist ungültig.',
  'error.code.PARLEY_ERR_BAD_JSON': 'Die App hat eine Anfrage gesendet, die der Server nicht lesen konnte.',
  'error.code.PARLEY_ERR_UNAUTHENTICATED': 'Ihre Sitzung ist beendet. Bitte melden Sie sich erneut an.',
  'error.code.PARLEY_ERR_INVALID_CREDENTIALS': 'Adresse oder Passwort ist falsch.',
  'error.code.PARLEY_ERR_FORBIDDEN': 'Das dürfen Sie nicht.',
  'error.code.PARLEY_ERR_NOT_FOUND': 'Das gibt es nicht mehr.',
  'error.code.PARLEY_ERR_CONFLICT': 'Das gibt es schon.',
  'error.code.PARLEY_ERR_BODY_TOO_LARGE': 'Das ist zu groß.',
  'error.code.PARLEY_ERR_UNSUPPORTED_MEDIA_TYPE': 'Diese Art von Datei wird nicht angenommen.',
  'error.code.PARLEY_ERR_TOO_MANY_REQUESTS': 'Zu viele Versuche. Bitte warten Sie kurz und versuchen Sie es erneut.',
  'error.code.PARLEY_ERR_INTERNAL': 'Der Server hatte ein Problem. Bitte versuchen Sie es später erneut.',
  'error.code.PARLEY_ERR_NOT_READY': 'Der Server ist noch nicht bereit. Bitte versuchen Sie es gleich erneut.',
  'error.code.PARLEY_ERR_INVALID_STATE':
    'Der Anruf hat sich inzwischen geändert. Bitte prüfen Sie ihn und versuchen Sie es erneut.',
  'error.code.PARLEY_ERR_DEVICE_UNSUPPORTED':
    'Ihr Telefon kann das nicht ferngesteuert, oder dieser Server kann es noch nicht. Bitte nutzen Sie das Telefon selbst.',
  'error.code.PARLEY_ERR_DEVICE_UNREACHABLE':
    'Ihr Telefon ist nicht erreichbar. Prüfen Sie, ob es eingeschaltet und angemeldet ist.',
  'error.code.PARLEY_ERR_DOMAIN_BLOCKED': 'Ihre Administratoren haben Chats mit Benutzern dieses Servers gesperrt.',
  'error.code.PARLEY_ERR_QUOTA_EXCEEDED':
    'Ihr Speicher ist voll. Löschen Sie Nachrichten mit Dateien, um Platz zu schaffen.',
  'error.invalid.local':
    'Der Benutzername hat 1–64 Buchstaben, Ziffern, Punkte, Binde- oder Unterstriche und beginnt und endet mit einem Buchstaben oder einer Ziffer.',
  'error.invalid.domain': 'Geben Sie eine Domain dieser Organisation an, etwa example.com.',
  'error.invalid.displayName': 'Geben Sie einen Anzeigenamen mit höchstens 200 Zeichen an.',
  'error.invalid.email': 'Geben Sie eine E-Mail-Adresse an, etwa alice@example.com.',
  'error.invalid.numbers': 'Geben Sie Nummern wie +49 711 123456 oder 1234 an, durch Kommas getrennt.',
  'error.invalid.number': 'Diese Telefonnummer ist hier nicht möglich. Geben Sie eine wie +49 711 123456 oder 1234 an.',
  'error.invalid.to':
    'Geben Sie eine Nummer wie +49 170 1234567 oder 201 oder eine Adresse wie bob@example.com an; keine Ihrer eigenen Leitungen und nicht Ihre eigene Adresse.',
  'error.invalid.afterSeconds': 'Geben Sie 5 bis 120 Sekunden an.',
  'error.invalid.did': 'Geben Sie eine Durchwahl wie +49 711 12345-201 an.',
  'error.invalid.pickupGroup':
    'Eine Übernahmegruppe besteht aus 1 bis 32 Buchstaben, Ziffern, Punkten, Binde- oder Unterstrichen, z. B. vertrieb.',
  'error.invalid.password': 'Das Passwort braucht mindestens 8 Zeichen.',
  'error.invalid.current': 'Geben Sie Ihr aktuelles Passwort an.',
  'error.invalid.role': 'Wählen Sie eine der angebotenen Rollen.',
  'error.invalid.url': 'Geben Sie eine Adresse an, die mit http:// oder https:// beginnt.',
  'error.invalid.username': 'Geben Sie den Benutzernamen für den Kalender an.',
  'error.invalid.name': 'Geben Sie einen Namen mit höchstens 100 Zeichen an.',
  'error.invalid.country': 'Geben Sie das Land mit zwei Buchstaben an, etwa DE.',
  'error.invalid.areaCode': 'Geben Sie 1–6 Ziffern ohne Verkehrsausscheidungsziffer an, etwa 711.',
  'error.invalid.pbxBase': 'Geben Sie die Stammnummer im E.164-Format an, etwa +49711123456.',
  'error.invalid.trunkPrefix': 'Geben Sie höchstens 3 Ziffern an, etwa 0.',
  'error.invalid.exitPrefix': 'Geben Sie 1–4 Ziffern an, etwa 00.',
  'error.invalid.note': 'Die Notiz ist zu lang.',
  'error.invalid.until': 'Das Ende muss in der Zukunft liegen.',
  'error.invalid.source': 'Die Quelle konnte nicht gelesen werden: {detail}',
  'error.invalid.config': 'Die Verbindungseinstellungen sind ungültig: {detail}',
  'error.conflict.local': 'Einen Benutzer mit diesem Namen gibt es schon.',
  'error.conflict.domain': 'Diese Domain gehört schon zu einem Mandanten.',
  'error.conflict.number':
    'Diese Nummer ist vergeben: Eine andere Leitung hat sie, oder wer sie wählt, erreicht eine andere Leitung (auch über deren Durchwahl).',
  'error.conflict.name': 'Etwas mit diesem Namen gibt es schon.',
  'error.conflict.callBacks': 'Sie haben schon so viele Rückrufe offen wie erlaubt. Brechen Sie zuerst einen ab.',
  'error.credentials.current': 'Das aktuelle Passwort ist falsch.',
};
