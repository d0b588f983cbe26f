import { type HttpLimits, httpRequest, statusError } from '../../lib/http-client.js';

export type IcsFetch =
  | { changed: false }
  | { changed: true; data: string; etag: string | null; lastModified: string | null };

/**
 * GETs an ICS URL with If-None-Match / If-Modified-Since: an unchanged feed answers 304 with no
 * body, so it costs one small round trip.
 */
export async function fetchIcs(
  url: string,
  prev: { etag: string | null; lastModified: string | null },
  limits: HttpLimits,
): Promise<IcsFetch> {
  const headers: Record<string, string> = { accept: 'text/calendar, */*;q=0.5' };
  if (prev.etag) headers['if-none-match'] = prev.etag;
  if (prev.lastModified) headers['if-modified-since'] = prev.lastModified;
  const res = await httpRequest(url, { headers }, limits);
  if (res.status === 304) return { changed: false };
  if (res.status !== 200) throw statusError(res.status, 'calendar URL');
  return {
    changed: true,
    data: res.body,
    etag: res.headers.get('etag'),
    lastModified: res.headers.get('last-modified'),
  };
}
