const units = ['byte', 'kilobyte', 'megabyte', 'gigabyte'] as const;

/**
 * A file size in the user's language: whole bytes written out ("45 bytes", "45 Byte"), larger
 * sizes in decimal units with one decimal below 10 ("1.2 MB", "1,2 MB", "340 kB").
 * @example formatSize(45, 'en') // '45 bytes'
 * @example formatSize(1_234_567, 'de') // '1,2 MB'
 */
export function formatSize(bytes: number, lang: string): string {
  let n = bytes;
  let u = 0;
  while (n >= 1000 && u < units.length - 1) {
    n /= 1000;
    u++;
  }
  return new Intl.NumberFormat(lang, {
    style: 'unit',
    unit: units[u],
    // The short form of a byte is "byte" in English, for one or many: the long one is "bytes".
    unitDisplay: u === 0 ? 'long' : 'short',
    maximumFractionDigits: n < 10 && u > 0 ? 1 : 0,
  }).format(n);
}
