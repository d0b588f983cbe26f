// Waiting for a connection we open (to a federated peer, to a trunk) to be up, with a bound.
import type { Socket } from 'node:net';

/**
 * Resolves once `socket` emits `event` (`connect`, or `secureConnect` for TLS); rejects on its
 * error or after `timeoutMs`, the socket destroyed.
 */
export function connected(socket: Socket, event: 'connect' | 'secureConnect', timeoutMs: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`${event === 'secureConnect' ? 'TLS ' : ''}connection timed out`));
    }, timeoutMs);
    socket.once(event, () => {
      clearTimeout(timer);
      resolve();
    });
    socket.once('error', (err) => {
      clearTimeout(timer);
      socket.destroy();
      reject(err);
    });
  });
}
