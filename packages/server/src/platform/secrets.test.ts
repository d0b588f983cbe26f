import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { lazySecretBox, loadOrCreateKey, SecretBox, SecretError } from './secrets.js';

const dir = mkdtempSync(join(tmpdir(), 'parley-secrets-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('SecretBox (AES-256-GCM)', () => {
  const box = new SecretBox(randomBytes(32));

  test('round trip; every seal differs (random IV); plaintext does not appear', () => {
    const a = box.seal('hunter2 ✓', 'cal/t1/u1');
    const b = box.seal('hunter2 ✓', 'cal/t1/u1');
    assert.notEqual(a, b);
    assert.match(a, /^v1:/);
    assert.ok(!a.includes('hunter2'));
    assert.equal(box.open(a, 'cal/t1/u1'), 'hunter2 ✓');
  });

  test('tampering is detected', () => {
    const sealed = box.seal('secret', 'ctx');
    const raw = Buffer.from(sealed.slice(3), 'base64');
    raw[raw.length - 1] = (raw[raw.length - 1] ?? 0) ^ 1;
    assert.throws(() => box.open(`v1:${raw.toString('base64')}`, 'ctx'), SecretError);
    assert.throws(() => box.open('v2:abc', 'ctx'), /unknown secret format/);
    assert.throws(() => box.open('v1:YWJj', 'ctx'), /too short/);
  });

  test('a secret moved to another record (context) does not open', () => {
    assert.throws(() => box.open(box.seal('secret', 'cal/t1/u1'), 'cal/t1/u2'), SecretError);
  });

  test('the wrong key does not open', () => {
    assert.throws(() => new SecretBox(randomBytes(32)).open(box.seal('secret', 'ctx'), 'ctx'), /cannot be decrypted/);
    assert.throws(() => new SecretBox(randomBytes(16)), /32 bytes/);
  });
});

describe('key file', () => {
  test('created on first use with mode 0600, then reused', () => {
    const path = join(dir, 'sub', 'secret.key');
    const box = lazySecretBox(path);
    const sealed = box.seal('x', 'c');
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.equal(readFileSync(path, 'utf8').trim().length, 44);
    assert.equal(lazySecretBox(path).open(sealed, 'c'), 'x');
  });

  test('a key file readable by others or of the wrong size is refused', () => {
    const open = join(dir, 'open.key');
    writeFileSync(open, randomBytes(32).toString('base64'), { mode: 0o644 });
    chmodSync(open, 0o644);
    assert.throws(() => loadOrCreateKey(open), /readable by others/);
    const short = join(dir, 'short.key');
    writeFileSync(short, randomBytes(8).toString('base64'), { mode: 0o600 });
    assert.throws(() => loadOrCreateKey(short), /32 bytes/);
  });
});
