import assert from 'node:assert/strict';
import { test } from 'node:test';
import { anchoredSdp, formatFor, MAX_SDP_BYTES, MediaSdpError, mediaAnswer, mediaOffer, readPeerMedia } from './sdp.js';

const LOCAL = { address: '192.0.2.10', port: 20000, sessionId: 42, version: 1 };
const sdp = (...lines: string[]) => `${lines.join('\r\n')}\r\n`;
const head = (c = 'c=IN IP4 198.51.100.7') => ['v=0', 'o=phone 1 1 IN IP4 198.51.100.7', 's=-', c, 't=0 0'];

test('an offer: audio with PCMU, PCMA and telephone-event 0-15, ptime 20', () => {
  assert.equal(
    mediaOffer(LOCAL),
    sdp(
      'v=0',
      'o=parley 42 1 IN IP4 192.0.2.10',
      's=-',
      'c=IN IP4 192.0.2.10',
      't=0 0',
      'm=audio 20000 RTP/AVP 0 8 101',
      'a=rtpmap:0 PCMU/8000',
      'a=rtpmap:8 PCMA/8000',
      'a=rtpmap:101 telephone-event/8000',
      'a=fmtp:101 0-15',
      'a=ptime:20',
      'a=sendrecv',
    ),
  );
  const held = mediaOffer(
    { ...LOCAL, address: '2001:db8::1', version: 2, direction: 'sendonly' },
    { codecs: ['PCMA'] },
  );
  assert.match(held, /^o=parley 42 2 IN IP6 2001:db8::1\r$/m);
  assert.match(held, /^m=audio 20000 RTP\/AVP 8 101\r$/m);
  assert.match(held, /^a=sendonly\r$/m);
  // Our own offer reads back as what it says.
  assert.deepEqual(readPeerMedia(mediaOffer(LOCAL)), {
    address: '192.0.2.10',
    port: 20000,
    direction: 'sendrecv',
    codecs: [
      { codec: 'PCMU', payloadType: 0 },
      { codec: 'PCMA', payloadType: 8 },
    ],
    eventPayloadType: 101,
  });
});

test('a peer: media-level c= over session-level, static types without rtpmap, dynamic G.711 by name', () => {
  const peer = readPeerMedia(
    sdp(
      ...head(),
      'm=audio 4000 RTP/AVP 18 97 8 96',
      'c=IN IP4 203.0.113.5',
      'a=rtpmap:97 PCMU/8000',
      'a=rtpmap:96 telephone-event/8000',
      'a=recvonly',
    ),
  );
  assert.deepEqual(peer, {
    address: '203.0.113.5',
    port: 4000,
    direction: 'recvonly',
    codecs: [
      { codec: 'PCMU', payloadType: 97 },
      { codec: 'PCMA', payloadType: 8 },
    ],
    eventPayloadType: 96,
  });
  assert.deepEqual(formatFor(peer), { codec: 'PCMU', payloadType: 97, eventPayloadType: 96 });
  // c=0.0.0.0 is the old way to hold (RFC 3264 §8.4).
  assert.equal(readPeerMedia(sdp(...head('c=IN IP4 0.0.0.0'), 'm=audio 4000 RTP/AVP 0')).direction, 'inactive');
});

test('an answer: the first common G.711 codec, the peer’s telephone-event type, other streams refused', () => {
  const offer = sdp(
    ...head(),
    'm=video 5000 RTP/AVP 96',
    'a=rtpmap:96 H264/90000',
    'm=audio 4000 RTP/SAVP 0',
    'm=audio 4002 RTP/AVP 9 8 0 100',
    'a=rtpmap:9 G722/8000',
    'a=rtpmap:100 telephone-event/8000',
    'a=fmtp:100 0-16',
    'a=sendonly',
  );
  const { sdp: answer, format, peer } = mediaAnswer(offer, LOCAL);
  assert.deepEqual(format, { codec: 'PCMA', payloadType: 8, eventPayloadType: 100 });
  assert.equal(peer.port, 4002);
  assert.equal(
    answer,
    sdp(
      'v=0',
      'o=parley 42 1 IN IP4 192.0.2.10',
      's=-',
      'c=IN IP4 192.0.2.10',
      't=0 0',
      'm=video 0 RTP/AVP 96',
      'm=audio 0 RTP/SAVP 0',
      'm=audio 20000 RTP/AVP 8 100',
      'a=rtpmap:8 PCMA/8000',
      'a=rtpmap:100 telephone-event/8000',
      'a=fmtp:100 0-15',
      'a=ptime:20',
      'a=recvonly',
    ),
  );
  // No telephone-event offered: none answered, and no digits can be sent.
  const plain = mediaAnswer(sdp(...head(), 'm=audio 4000 RTP/AVP 0'), LOCAL);
  assert.deepEqual(plain.format, { codec: 'PCMU', payloadType: 0 });
  assert.doesNotMatch(plain.sdp, /telephone-event/);
});

test('answer directions follow RFC 3264 §6.1', () => {
  const table: [string, string | undefined, string][] = [
    ['sendrecv', undefined, 'sendrecv'],
    ['sendonly', undefined, 'recvonly'],
    ['recvonly', undefined, 'sendonly'],
    ['inactive', undefined, 'inactive'],
    ['sendrecv', 'sendonly', 'sendonly'],
    ['sendonly', 'sendonly', 'inactive'],
    ['sendrecv', 'inactive', 'inactive'],
  ];
  for (const [offered, wanted, answered] of table) {
    const offer = sdp(...head(), 'm=audio 4000 RTP/AVP 0', `a=${offered}`);
    const local = wanted ? { ...LOCAL, direction: wanted as 'sendonly' } : LOCAL;
    assert.match(mediaAnswer(offer, local).sdp, new RegExp(`^a=${answered}\\r$`, 'm'), `${offered}/${wanted}`);
  }
});

test('descriptions the engine cannot use are refused with a reason', () => {
  const refused: [string, string, RegExp][] = [
    ['only video', sdp(...head(), 'm=video 5000 RTP/AVP 96'), /no audio stream/],
    ['audio with port 0', sdp(...head(), 'm=audio 0 RTP/AVP 0'), /no audio stream/],
    ['SRTP only', sdp(...head(), 'm=audio 4000 RTP/SAVP 0'), /no audio stream/],
    ['no G.711', sdp(...head(), 'm=audio 4000 RTP/AVP 9 18'), /no G\.711/],
    ['G.711 at another rate', sdp(...head(), 'm=audio 4000 RTP/AVP 96', 'a=rtpmap:96 PCMU/16000'), /no G\.711/],
    ['no connection address', sdp(...head(''), 'm=audio 4000 RTP/AVP 0'), /connection address/],
    ['a host name as address', sdp(...head('c=IN IP4 pbx.example'), 'm=audio 4000 RTP/AVP 0'), /connection address/],
    ['too many m= lines', sdp(...head(), ...Array(17).fill('m=audio 4000 RTP/AVP 0')), /more than 16/],
    ['too long', sdp(...head(), 'm=audio 4000 RTP/AVP 0', `a=x:${'y'.repeat(MAX_SDP_BYTES)}`), /longer than/],
  ];
  for (const [what, description, reason] of refused) {
    for (const read of [readPeerMedia, (d: string) => mediaAnswer(d, LOCAL)]) {
      assert.throws(
        () => read(description),
        (e) => e instanceof MediaSdpError && reason.test(e.message),
        what,
      );
    }
  }
});

test('a description passed through a relay: audio at our address and port, payload types kept, the rest refused', () => {
  const offer = sdp(
    ...head(),
    'm=audio 4000 RTP/AVP 9 0 101',
    'c=IN IP4 203.0.113.5',
    'a=rtpmap:9 G722/8000',
    'a=rtpmap:101 telephone-event/8000',
    'a=fmtp:101 0-15',
    'a=rtcp:4001',
    'a=candidate:1 1 UDP 2130706431 203.0.113.5 4000 typ host',
    'a=sendonly',
    'm=video 5000 RTP/AVP 96',
    'a=rtpmap:96 H264/90000',
  );
  const anchored = anchoredSdp(offer, { address: '192.0.2.10', port: 20002 });
  assert.deepEqual(anchored.peer, {
    address: '203.0.113.5',
    port: 4000,
    direction: 'sendonly',
    codecs: [{ codec: 'PCMU', payloadType: 0 }],
    eventPayloadType: 101,
  });
  assert.equal(
    anchored.sdp,
    sdp(
      'v=0',
      'o=phone 1 1 IN IP4 198.51.100.7',
      's=-',
      'c=IN IP4 192.0.2.10',
      't=0 0',
      'm=audio 20002 RTP/AVP 9 0 101',
      'c=IN IP4 192.0.2.10',
      'a=rtpmap:9 G722/8000',
      'a=rtpmap:101 telephone-event/8000',
      'a=fmtp:101 0-15',
      'a=sendonly',
      'm=video 0 RTP/AVP 96',
    ),
  );
  assert.throws(() => anchoredSdp(sdp(...head(), 'm=video 5000 RTP/AVP 96'), LOCAL), MediaSdpError);
  assert.throws(() => anchoredSdp(sdp(...head(''), 'm=audio 4000 RTP/AVP 0'), LOCAL), /connection address/);
});
