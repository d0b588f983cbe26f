import type { MailMessage } from '../mail.js';
import type { Language } from '../presence/text.js';
import type { User } from '../users/model.js';
import type { JournalEntry } from './model.js';

/** How missed-call mails are written: in one language and time zone for the installation. */
export interface MissedCallMailStyle {
  language: Language;
  timeZone: string;
}

const TEXTS = {
  en: {
    subject: (from: string) => `Missed call from ${from}`,
    hello: (name: string) => `Hello ${name},`,
    intro: 'you missed a call:',
    from: 'From',
    number: 'Number',
    time: 'Time',
    line: 'Line',
    unknown: 'unknown caller',
    withheld: 'withheld',
  },
  de: {
    subject: (from: string) => `Verpasster Anruf von ${from}`,
    hello: (name: string) => `Hallo ${name},`,
    intro: 'Sie haben einen Anruf verpasst:',
    from: 'Von',
    number: 'Nummer',
    time: 'Zeit',
    line: 'Leitung',
    unknown: 'unbekannter Anrufer',
    withheld: 'unterdrückt',
  },
} as const;

const locale = { en: 'en-GB', de: 'de-DE' } as const;

/** Control characters (line breaks included) become spaces: a name from a directory is one line. */
const oneLine = (s: string) => s.replace(/\p{Cc}+/gu, ' ').trim();

/** The mail that tells `user` about the missed call of `entry`: who called (resolved name, company), the number and when. */
export function missedCallMail(entry: JournalEntry, user: User, style: MissedCallMailStyle): MailMessage {
  const t = TEXTS[style.language];
  const { remote } = entry;
  const name = remote.name ?? remote.display;
  const who = oneLine(
    [name, remote.company].filter((x): x is string => !!x).join(', ') || (remote.number ?? remote.uri ?? t.unknown),
  );
  const time = new Intl.DateTimeFormat(locale[style.language], {
    timeZone: style.timeZone,
    dateStyle: 'full',
    timeStyle: 'short',
  }).format(entry.startedAt);
  const rows: [string, string][] = [
    [t.from, who],
    [t.number, oneLine(remote.number ?? remote.uri ?? t.withheld)],
    [t.time, `${time} (${style.timeZone})`],
    ...(entry.line ? [[t.line, entry.line] as [string, string]] : []),
  ];
  const width = Math.max(...rows.map(([label]) => label.length)) + 2;
  return {
    to: user.email as string,
    subject: t.subject(who),
    text: [
      t.hello(oneLine(user.displayName)),
      '',
      t.intro,
      '',
      ...rows.map(([label, value]) => `${`${label}:`.padEnd(width)}${value}`),
      '',
      '-- ',
      'Parley',
      '',
    ].join('\n'),
  };
}
