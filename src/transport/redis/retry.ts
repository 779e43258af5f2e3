/**
 * Riding out a dropped connection: a command that failed because the
 * socket closed under it (a Redis restart, a network blip) is sent again
 * once the client has reconnected, for a bounded time.
 * @module
 */

const CONNECTION = /Socket closed unexpectedly|ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|Connection timeout|socket hang up/i;

/**
 * Whether `err` is a lost connection (worth sending the command again), not
 * an answer from Redis.
 *
 * @example
 * ```ts
 * isConnectionError(new Error('Socket closed unexpectedly')); // true
 * ```
 */
export function isConnectionError(err: unknown): boolean {
  const e = err as { name?: string; message?: string; code?: string } | undefined;
  return e?.name === 'SocketClosedUnexpectedlyError' || e?.name === 'ConnectionTimeoutError' || CONNECTION.test(`${e?.code ?? ''} ${e?.message ?? ''}`);
}

/**
 * Runs `op`, and again (backing off from 50 ms to 1 s) while it fails with a
 * lost connection, for at most `windowMs`; stops at once when `closed()`.
 * A command that reached Redis before the socket closed may run twice:
 * publishing is at-least-once.
 *
 * @example
 * ```ts
 * await retryConnection(() => client.sendCommand(['XADD', key, '*', 'e', json]), () => closed);
 * ```
 */
export async function retryConnection<T>(op: () => Promise<T>, closed: () => boolean, windowMs = 10_000): Promise<T> {
  const until = Date.now() + windowMs;
  for (let delay = 50; ; delay = Math.min(delay * 2, 1000)) {
    try {
      return await op();
    } catch (err) {
      if (closed() || !isConnectionError(err) || Date.now() + delay > until) throw err;
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}
