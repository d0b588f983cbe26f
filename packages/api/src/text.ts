import { z } from 'zod';

/**
 * The one rule for text people read (message text, names, titles, notes, file names): no control
 * characters and no characters that reorder or hide what is shown. A right-to-left override makes
 * `exe.txt` look like `txt.exe`; NUL and BEL confuse other clients and logs; invisible characters
 * in names let one user pose as another.
 */

type Ranges = readonly (readonly [number, number])[];

/** C0 controls (but tab, line feed and carriage return), DEL and C1 controls. */
const CONTROL: Ranges = [
  [0x00, 0x08],
  [0x0b, 0x0c],
  [0x0e, 0x1f],
  [0x7f, 0x9f],
];
/** Bidirectional embeddings, overrides (U+202A–U+202E) and isolates (U+2066–U+2069). */
const BIDI: Ranges = [
  [0x202a, 0x202e],
  [0x2066, 0x2069],
];
/**
 * In names and other single lines also: tabs and line breaks, zero-width space and direction
 * marks, invisible operators, the byte-order mark, soft hyphen, fillers that render as nothing,
 * and tag characters. Zero-width (non-)joiners stay: scripts and emoji need them.
 */
const INVISIBLE: Ranges = [
  [0x09, 0x0a],
  [0x0d, 0x0d],
  [0xad, 0xad],
  [0x34f, 0x34f],
  [0x61c, 0x61c],
  [0x115f, 0x1160],
  [0x17b4, 0x17b5],
  [0x180e, 0x180e],
  [0x200b, 0x200b],
  [0x200e, 0x200f],
  [0x2028, 0x2029],
  [0x2060, 0x2064],
  [0x206a, 0x206f],
  [0x3164, 0x3164],
  [0xfeff, 0xfeff],
  [0xffa0, 0xffa0],
  [0xfff9, 0xfffb],
  [0xe0000, 0xe007f],
];

/** Where text may break lines: message text, topics; or not: names, titles, notes, file names. */
export type TextKind = 'multiline' | 'line';

const classOf = (ranges: Ranges) =>
  ranges.map(([from, to]) => `\\u{${from.toString(16)}}-\\u{${to.toString(16)}}`).join('');
const UNSAFE: Record<TextKind, RegExp> = {
  multiline: new RegExp(`[${classOf([...CONTROL, ...BIDI])}]`, 'gu'),
  line: new RegExp(`[${classOf([...CONTROL, ...BIDI, ...INVISIBLE])}]`, 'gu'),
};

/** The first character `text` must not contain, as `U+XXXX`, or null when it is clean. */
export function unsafeCharacter(text: string, kind: TextKind): string | null {
  const re = UNSAFE[kind];
  re.lastIndex = 0;
  const found = re.exec(text)?.[0].codePointAt(0);
  return found === undefined ? null : `U+${found.toString(16).toUpperCase().padStart(4, '0')}`;
}

/**
 * `text` without the characters the rule refuses, for text Parley cannot refuse because it comes
 * from elsewhere (a directory source's names): shown to people all the same, so cleaned.
 */
export function withoutUnsafe(text: string, kind: TextKind): string {
  const re = UNSAFE[kind];
  re.lastIndex = 0;
  return re.test(text) ? text.replace(re, '') : text;
}

/**
 * A zod refinement (`.check(safeText('line'))`) that refuses unsafe characters with a message
 * naming the first one; the issue carries the field's path.
 */
export function safeText(kind: TextKind) {
  return (ctx: z.core.ParsePayload<string>) => {
    const bad = unsafeCharacter(ctx.value, kind);
    if (bad) {
      ctx.issues.push({
        code: 'custom',
        input: ctx.value,
        message:
          kind === 'line'
            ? `must not contain control, direction or invisible characters (found ${bad})`
            : `must not contain control or direction-override characters (found ${bad})`,
      });
    }
  };
}

/** One line of safe text of 1 to `max` characters after trimming: names, titles, file names. */
export const SafeLine = (max: number) => z.string().trim().min(1).max(max).check(safeText('line'));

/** Safe text that may span lines: message text, topics. */
export const SafeText = z.string().check(safeText('multiline'));
