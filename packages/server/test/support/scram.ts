import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';

const BYTES = { sha1: 20, sha256: 32 } as const;

/**
 * The client side of RFC 5802 SCRAM, for tests: `first` is the client-first-message; `final`
 * answers a server-first-message and `verify` checks the server-final-message.
 */
export function scramClient(
  hash: 'sha1' | 'sha256',
  username: string,
  password: string,
  options: {
    gs2Header?: string;
    bindingData?: Buffer;
    nonce?: string;
    /** SaltedPassword by `salt,iterations`, for one password (a load generator logging accounts in again). */
    saltedCache?: Map<string, Buffer>;
  } = {},
) {
  const gs2Header = options.gs2Header ?? 'n,,';
  const bare = `n=${username.replace(/=/g, '=3D').replace(/,/g, '=2C')},r=${options.nonce ?? randomBytes(12).toString('base64')}`;
  let serverSignature = '';
  return {
    first: gs2Header + bare,
    final(serverFirst: string): string {
      const attrs = Object.fromEntries(serverFirst.split(',').map((a) => [a.slice(0, 1), a.slice(2)]));
      const key = `${attrs.s},${attrs.i}`;
      const salted =
        options.saltedCache?.get(key) ??
        pbkdf2Sync(password, Buffer.from(attrs.s as string, 'base64'), Number(attrs.i), BYTES[hash], hash);
      options.saltedCache?.set(key, salted);
      const clientKey = createHmac(hash, salted).update('Client Key').digest();
      const storedKey = createHash(hash).update(clientKey).digest();
      const binding = Buffer.concat([Buffer.from(gs2Header), options.bindingData ?? Buffer.alloc(0)]).toString(
        'base64',
      );
      const withoutProof = `c=${binding},r=${attrs.r}`;
      const authMessage = `${bare},${serverFirst},${withoutProof}`;
      const signature = createHmac(hash, storedKey).update(authMessage).digest();
      const proof = Buffer.from(clientKey.map((b, i) => b ^ (signature[i] as number)));
      const serverKey = createHmac(hash, salted).update('Server Key').digest();
      serverSignature = `v=${createHmac(hash, serverKey).update(authMessage).digest('base64')}`;
      return `${withoutProof},p=${proof.toString('base64')}`;
    },
    verify: (serverFinal: string) => serverFinal === serverSignature,
  };
}
