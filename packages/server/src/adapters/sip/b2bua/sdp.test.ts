import assert from 'node:assert/strict';
import { test } from 'node:test';
import { holdingAnswer, holds, refusingAnswer } from './sdp.js';

const sdp = (rest: string) =>
  Buffer.from(`v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n${rest}`);

test('hold in an SDP offer: sendonly or inactive (RFC 3264 §8.4)', () => {
  const rows: [string, boolean][] = [
    ['a=sendonly\r\n', true],
    ['a=inactive\r\n', true],
    ['a=sendrecv\r\n', false],
    ['a=recvonly\r\n', false],
    ['', false],
    ['a=sendonlyx\r\n', false],
  ];
  for (const [attr, expected] of rows) assert.equal(holds(sdp(`m=audio 4000 RTP/AVP 0\r\n${attr}`)), expected, attr);
});

test('an answer refusing every offered stream: one m-line each, port 0 (RFC 3264 §6)', () => {
  const head = 'v=0\r\no=parley 0 0 IN IP4 0.0.0.0\r\ns=-\r\nc=IN IP4 0.0.0.0\r\nt=0 0\r\n';
  const rows: [string, string | undefined][] = [
    ['m=audio 4000 RTP/AVP 0 8\r\na=rtpmap:0 PCMU/8000\r\n', `${head}m=audio 0 RTP/AVP 0\r\n`],
    [
      'm=audio 4000 RTP/AVP 8\r\nm=video 4002 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n',
      `${head}m=audio 0 RTP/AVP 8\r\nm=video 0 RTP/AVP 96\r\n`,
    ],
    ['m=audio 4000 RTP/AVP 0\n', `${head}m=audio 0 RTP/AVP 0\r\n`],
    ['', undefined],
  ];
  for (const [media, expected] of rows) assert.equal(refusingAnswer(sdp(media))?.toString(), expected, media);
  assert.equal(refusingAnswer(Buffer.alloc(0)), undefined, 'no body');
});

test('an answer holding every offered stream: first format, port 9, inactive (RFC 3725 Flow IV)', () => {
  const head = (v: number) => `v=0\r\no=parley 1 ${v} IN IP4 0.0.0.0\r\ns=-\r\nc=IN IP4 0.0.0.0\r\nt=0 0\r\n`;
  const rows: [string, number, string | undefined][] = [
    [
      'm=audio 4000 RTP/AVP 8 0 101\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:101 telephone-event/8000\r\n',
      1,
      `${head(1)}m=audio 9 RTP/AVP 8\r\na=rtpmap:8 PCMA/8000\r\na=inactive\r\n`,
    ],
    [
      'm=audio 4000 RTP/AVP 0\r\nm=video 4002 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n',
      7,
      `${head(7)}m=audio 9 RTP/AVP 0\r\na=inactive\r\nm=video 9 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\na=inactive\r\n`,
    ],
    ['', 1, undefined],
  ];
  for (const [media, version, expected] of rows)
    assert.equal(holdingAnswer(sdp(media), version)?.toString(), expected, media);
});
