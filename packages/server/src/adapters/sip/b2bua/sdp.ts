// What the switch reads in (and, in one case, writes as) a session description (RFC 4566, RFC 3264).

/** Whether an SDP offer puts the media on hold (RFC 3264 §8.4: sendonly or inactive). */
export const holds = (body: Buffer) => /^a=(sendonly|inactive)\r?$/m.test(body.toString('latin1'));

/**
 * An answer refusing every stream of `offer` (RFC 3264 §6: one m-line per offered one, port 0):
 * what an ACK carries when a 2xx brought an offer nobody will answer (RFC 3261 §13.2.2.4: a valid
 * answer, then BYE). Undefined when the offer has no media line.
 */
export function refusingAnswer(offer: Buffer): Buffer | undefined {
  const media = offer
    .toString('latin1')
    .split(/\r?\n/)
    .filter((line) => line.startsWith('m='));
  if (media.length === 0) return undefined;
  const refused = media.map((line) => {
    const [kind, , proto, format] = line.slice(2).split(' ');
    return `m=${kind} 0 ${proto} ${format}`;
  });
  const lines = ['v=0', 'o=parley 0 0 IN IP4 0.0.0.0', 's=-', 'c=IN IP4 0.0.0.0', 't=0 0', ...refused];
  return Buffer.from(`${lines.join('\r\n')}\r\n`);
}

/**
 * An answer to `offer` that holds every stream (RFC 3725 §5, Flow IV: the controller parks a leg
 * it has no media for yet): one m-line per offered one with its first format, a non-zero port on
 * the unspecified address, and `a=inactive` (RFC 3264 §6, §8.4). `version` is the origin's
 * version: it rises with each answer the leg gets from us. Undefined when the offer has no media line.
 */
export function holdingAnswer(offer: Buffer, version: number): Buffer | undefined {
  const lines = offer.toString('latin1').split(/\r?\n/);
  const media: string[] = [];
  for (const line of lines) {
    if (!line.startsWith('m=')) continue;
    const [kind, , proto, format] = line.slice(2).split(' ');
    if (format === undefined) continue;
    media.push(`m=${kind} 9 ${proto} ${format}`);
    const rtpmap = lines.find((l) => l.startsWith(`a=rtpmap:${format} `));
    if (rtpmap) media.push(rtpmap);
    media.push('a=inactive');
  }
  if (media.length === 0) return undefined;
  const head = ['v=0', `o=parley 1 ${version} IN IP4 0.0.0.0`, 's=-', 'c=IN IP4 0.0.0.0', 't=0 0'];
  return Buffer.from(`${[...head, ...media].join('\r\n')}\r\n`);
}
