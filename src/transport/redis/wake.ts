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
 * One blocking client's reads. A wake that finds no read blocked (one not
 * sent yet, or between reads) makes the next read not block at all.
 *
 * @example
 * ```ts
 * const reading = new WakeableRead((err) => console.warn(err));
 * reading.attach(blockingClient); // before connect: learns its id on every (re)connect
 * const reply = await reading.read(blockingClient, 'worker-1', 64, 100, ['af:{ns}:p0']);
 * reading.wake(commandClient); // from elsewhere: the read returns now
 * ```
 */
export class WakeableRead {
  private id: string | undefined;
  private seq = 0;
  /** The sequence number of the read in progress (0: none). */
  private current = 0;
  private woken = 0;
  private missed = false;
  private reported = false;

  /** `onError` hears once that waking failed (e.g. an ACL without `CLIENT UNBLOCK`, which is in `@admin`). */
  constructor(private readonly onError: (err: unknown) => void = () => undefined) {}

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

  /** `XREADGROUP` of new entries (`>`) for `consumer` on `streams`, waiting up to `blockMs` (not at all after a missed wake). */
  async read(c: Client, consumer: string, count: number, blockMs: number, streams: readonly string[]): Promise<unknown> {
    const s = (this.current = ++this.seq);
    const block = this.missed ? [] : ['BLOCK', String(blockMs)];
    this.missed = false;
    try {
      return await c.sendCommand(['XREADGROUP', 'GROUP', 'workers', consumer, 'COUNT', String(count), ...block, 'STREAMS', ...streams, ...streams.map(() => '>')]);
    } finally {
      if (this.current === s) this.current = 0;
    }
  }

  /** Cuts the current read short (it returns as if its block time had passed), or makes the next one not block. */
  wake(cmd: Client | undefined): void {
    if (this.current === 0 || this.id === undefined || cmd === undefined || !cmd.isReady) {
      this.missed = true;
      return;
    }
    if (this.woken === this.current) return;
    this.woken = this.current;
    this.unblock(cmd, this.current, 3);
  }

  /** UNBLOCK may reach Redis before the read it targets (sent on another connection): tried again while that read is on. */
  private unblock(cmd: Client, s: number, tries: number): void {
    cmd.sendCommand(['CLIENT', 'UNBLOCK', this.id!]).then(
      (r) => {
        if (Number(r) === 0 && this.current === s && tries > 1) setTimeout(() => this.current === s && this.unblock(cmd, s, tries - 1), 1).unref();
      },
      (err: unknown) => {
        if (this.reported) return;
        this.reported = true;
        this.onError(err);
      },
    );
  }
}
