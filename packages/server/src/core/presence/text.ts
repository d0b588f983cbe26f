// The human-readable form of a (visible) presence, in English and German.
import type { Availability, PresenceContext, PresenceFlag } from './model.js';

export const languages = ['en', 'de'] as const;
export type Language = (typeof languages)[number];

export interface TextInput {
  availability: Availability;
  flags: readonly PresenceFlag[];
  until: number | null;
  since: number | null;
  note: string | null;
  context: PresenceContext | null;
}

export interface TextOptions {
  lang: Language;
  /** IANA time zone the times are shown in, e.g. `Europe/Berlin`. */
  timeZone: string;
  now: number;
}

const words = {
  en: {
    available: 'available',
    away: 'away',
    busy: 'busy',
    dnd: 'do not disturb',
    offline: 'offline',
    ringing: 'phone ringing',
    onCall: 'on the phone',
    conference: 'in a conference',
    meeting: 'in a meeting',
    oof: 'out of office',
    forwarded: 'calls forwarded',
    mobile: 'mobile',
    until: 'until',
    since: 'since',
    context: {
      office: 'in the office',
      'home-office': 'working from home',
      'business-trip': 'on a business trip',
      vacation: 'on vacation',
      break: 'on a break',
    },
  },
  de: {
    available: 'verfügbar',
    away: 'abwesend',
    busy: 'beschäftigt',
    dnd: 'bitte nicht stören',
    offline: 'offline',
    ringing: 'Telefon klingelt',
    onCall: 'am Telefon',
    conference: 'in einer Konferenz',
    meeting: 'in einer Besprechung',
    oof: 'außer Haus',
    forwarded: 'Anrufe umgeleitet',
    mobile: 'mobil',
    until: 'bis',
    since: 'seit',
    context: {
      office: 'im Büro',
      'home-office': 'im Homeoffice',
      'business-trip': 'auf Dienstreise',
      vacation: 'im Urlaub',
      break: 'in der Pause',
    },
  },
} as const;

const DAY = 86_400_000;
const locale = { en: 'en-GB', de: 'de-DE' } as const;

type Style = 'parts' | 'weekday' | 'date';
const styles: Record<Style, Intl.DateTimeFormatOptions> = {
  parts: { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' },
  weekday: { weekday: 'long' },
  date: { day: 'numeric', month: 'long' },
};
/** Formats by language, zone and style: building one costs far more than formatting with it. */
const formats = new Map<string, Intl.DateTimeFormat>();
/** Zones come from users' settings: the cache starts over rather than grow past this. */
const FORMATS_MAX = 1000;

function formatOf(lang: Language, timeZone: string, style: Style): Intl.DateTimeFormat {
  const k = `${lang} ${style} ${timeZone}`;
  let f = formats.get(k);
  if (!f) {
    if (formats.size >= FORMATS_MAX) formats.clear();
    f = new Intl.DateTimeFormat(locale[lang], { timeZone, ...styles[style] });
    formats.set(k, f);
  }
  return f;
}

function parts(ms: number, lang: Language, timeZone: string) {
  const f = formatOf(lang, timeZone, 'parts').formatToParts(ms);
  const get = (t: string) => f.find((p) => p.type === t)?.value ?? '';
  return { day: `${get('year')}-${get('month')}-${get('day')}`, time: `${get('hour')}:${get('minute')}` };
}

/**
 * A point in time relative to `now`, in the viewer's zone: `14:30` today, `Monday` / `Monday 09:00`
 * within the week, `12 March` / `12. März` (with the time unless it is midnight) beyond.
 */
export function formatWhen(ms: number, o: TextOptions): string {
  const at = parts(ms, o.lang, o.timeZone);
  const today = parts(o.now, o.lang, o.timeZone);
  if (at.day === today.day) return at.time;
  const withTime = (s: string) => (at.time === '00:00' ? s : `${s} ${at.time}`);
  const style = Math.abs(ms - o.now) < 6 * DAY ? 'weekday' : 'date';
  return withTime(formatOf(o.lang, o.timeZone, style).format(ms));
}

/**
 * e.g. "busy – in a meeting until 14:30", "beschäftigt – am Telefon", "away since 10:12",
 * "do not disturb until Monday – working from home – at the dentist", "available – calls forwarded".
 */
export function presenceText(p: TextInput, o: TextOptions): string {
  const w = words[o.lang];
  const has = (f: PresenceFlag) => p.flags.includes(f);
  let head: string = w[p.availability];
  let detail: string | null = null;
  if (has('ringing') && p.availability !== 'offline') detail = w.ringing;
  else if (has('conference') && p.availability !== 'offline') detail = w.conference;
  else if (has('on-call') && p.availability !== 'offline') detail = w.onCall;
  else if (has('out-of-office') && (p.availability === 'away' || p.availability === 'dnd')) detail = w.oof;
  else if (has('meeting') && (p.availability === 'busy' || p.availability === 'dnd')) detail = w.meeting;
  const time =
    p.until !== null && p.availability !== 'offline'
      ? `${w.until} ${formatWhen(p.until, o)}`
      : p.since !== null && p.availability === 'away'
        ? `${w.since} ${formatWhen(p.since, o)}`
        : null;
  if (detail) detail = time ? `${detail} ${time}` : detail;
  else if (time) head = `${head} ${time}`;
  if (has('mobile') && p.availability !== 'offline') head = `${head} (${w.mobile})`;
  const forwarded = has('forwarded') && p.availability !== 'offline' ? w.forwarded : null;
  const tail = [detail, forwarded, p.context ? w.context[p.context] : null, p.note].filter((s): s is string => !!s);
  return [head, ...tail].join(' – ');
}

/** The best supported language of an Accept-Language header; English by default. */
export function pickLanguage(header: string | null | undefined): Language {
  if (!header) return 'en';
  const ranked = header
    .split(',')
    .map((part, i) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = params.map((s) => /^\s*q=([0-9.]+)\s*$/.exec(s)?.[1]).find((v) => v !== undefined);
      return { lang: tag.trim().toLowerCase().split('-')[0] ?? '', q: q === undefined ? 1 : Number(q), i };
    })
    .filter((x) => x.q > 0)
    .sort((a, b) => b.q - a.q || a.i - b.i);
  for (const { lang } of ranked) if ((languages as readonly string[]).includes(lang)) return lang as Language;
  return 'en';
}

/** Whether `tz` is a time zone this runtime knows. */
export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}
