/**
 * The worker's blocking read of new entries, which another connection can
 * cut short (`CLIENT UNBLOCK`) when local work becomes ready: the next event
 * of a busy session then starts at once instead of after the read's block
 * time (a single hot session ran ~5 events/s before).
 * @module
 */
import type { createClient } from 'redis';

type Client = ReturnType<typeof createClient>;

/**
 * One blocking client's reads.
 *
 * @example
 * ```ts
 * const reading = new WakeableRead();
 * reading.attach(blockingClient); // before connect: learns its id on every (re)connect
 * const reply = await reading.read(blockingClient, 'worker-1', 64, 100, ['af:{ns}:p0']);
 * reading.wake(commandClient); // from elsewhere: the read returns now
 * ```
 */
export class WakeableRead {
  private id: string | undefined;
  private blocked = false;
  private woken = false;

  /** Learns the client's id on each (re)connect (the id changes with the connection). */
  attach(c: Client): void {
    c.on('ready', () => {
      this.id = undefined;
      c.sendCommand(['CLIENT', 'ID']).then(
        (id) => (this.id = String(id)),
        () => undefined,
      );
    });
  }

  /** `XREADGROUP` of new entries (`>`) for `consumer` on `streams`, waiting up to `blockMs`. */
  async read(c: Client, consumer: string, count: number, blockMs: number, streams: readonly string[]): Promise<unknown> {
    this.blocked = true;
    this.woken = false;
    try {
      return await c.sendCommand(['XREADGROUP', 'GROUP', 'workers', consumer, 'COUNT', String(count), 'BLOCK', String(blockMs), 'STREAMS', ...streams, ...streams.map(() => '>')]);
    } finally {
      this.blocked = false;
    }
  }

  /** Cuts the current read short (it returns as if its block time had passed); once per read, nothing when none blocks. */
  wake(cmd: Client | undefined): void {
    if (!this.blocked || this.woken || this.id === undefined || cmd === undefined || !cmd.isReady) return;
    this.woken = true;
    cmd.sendCommand(['CLIENT', 'UNBLOCK', this.id]).catch(() => undefined);
  }
}
