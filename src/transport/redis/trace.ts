/**
 * The namespace's trace stream (`af:{ns}:trace`): trace entries of every
 * worker, so that `agentflow trace --redis` and `agentflow ui --redis` see
 * what happened on any machine. Writes are batched (one XADD per flush,
 * holding up to `batch` entries) and the stream is capped (MAXLEN ~), so it
 * stays bounded and costs one round trip per flush, not per entry.
 * @module
 */
import type { TraceEntry, TraceLogger } from '../../core/trace.js';
import type { RedisOutcomeChannelHost } from './outcomes.js';
import { parseEntries, streamsOf } from './wire.js';

type Client = Awaited<ReturnType<RedisOutcomeChannelHost['command']>>;

/**
 * Options for {@link RedisTraceStream.logger}.
 *
 * @example
 * ```ts
 * runner.setTraceLogger(transport.traces.logger(runner.getTraceLogger(), { flushMs: 100 }));
 * ```
 */
export interface RedisTraceLoggerOptions {
  /** How often buffered entries are written. Default 50 ms. */
  flushMs?: number;
  /** Entries waiting to be written; past it new entries are dropped and counted (Redis unreachable). Default 20,000. */
  maxBuffered?: number;
}

/**
 * A trace logger that keeps entries locally (for `dumpTrace`) and writes
 * them to the namespace's trace stream.
 *
 * @example
 * ```ts
 * const logger = transport.traces.logger(runner.getTraceLogger());
 * runner.setTraceLogger(logger);
 * await logger.flush();
 * ```
 */
export interface RedisTraceLogger extends TraceLogger {
  /** Writes what is buffered now. */
  flush(): Promise<void>;
  /** Entries dropped because Redis could not keep up or was unreachable. */
  readonly dropped: number;
}

/**
 * Reads and writes the trace stream of a namespace.
 *
 * @example
 * ```ts
 * const { entries } = await transport.traces.read({ session: 'order-7' });
 * const stop = transport.traces.follow((batch) => batch.forEach(show));
 * ```
 */
export class RedisTraceStream {
  /** Entries per stream entry (one XADD). */
  readonly batch = 256;
  /** The stream keeps about this many trace entries (more when batches are full, fewer when they are small). */
  readonly maxEntries: number;

  private readonly flushers = new Set<() => Promise<void>>();

  constructor(
    private readonly h: RedisOutcomeChannelHost,
    maxEntries = 100_000,
  ) {
    this.maxEntries = Math.max(this.batch, maxEntries);
  }

  /** Writes every logger's buffer, waiting at most `timeoutMs` (the transport calls it when closing). */
  async flushAll(timeoutMs = 2000): Promise<void> {
    if (this.flushers.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all([...this.flushers].map((f) => f())), new Promise<void>((ok) => (timer = setTimeout(ok, timeoutMs)))]);
    clearTimeout(timer);
  }

  /** A logger writing to the stream (and to `local`, which answers `getTrace`). */
  logger(local: TraceLogger | null | undefined, options: RedisTraceLoggerOptions = {}): RedisTraceLogger {
    const flushMs = options.flushMs ?? 50;
    const maxBuffered = options.maxBuffered ?? 20_000;
    let buffer: TraceEntry[] = [];
    let timer: NodeJS.Timeout | undefined;
    let dropped = 0;
    let writing: Promise<void> = Promise.resolve();
    const maxLen = String(Math.ceil(this.maxEntries / this.batch));
    const write = async (entries: TraceEntry[]): Promise<void> => {
      const c = await this.h.command();
      if (this.h.closed()) return; // a command queued on a closing client would hold its close() forever
      const sends: Promise<unknown>[] = [];
      for (let i = 0; i < entries.length; i += this.batch) {
        sends.push(c.sendCommand(['XADD', this.h.key, 'MAXLEN', '~', maxLen, '*', 'b', JSON.stringify(entries.slice(i, i + this.batch)), 'o', this.h.consumer]));
      }
      await Promise.all(sends); // pipelined by the client
    };
    const flush = (): Promise<void> => {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      if (buffer.length === 0 || this.h.closed()) return writing;
      const taken = buffer;
      buffer = [];
      writing = writing.then(() =>
        write(taken).catch((err: unknown) => {
          dropped += taken.length;
          this.h.onError(err);
        }),
      );
      return writing;
    };
    this.flushers.add(flush);
    return {
      log: (e: TraceEntry) => {
        local?.log(e);
        if (buffer.length >= maxBuffered) {
          dropped++;
          return;
        }
        buffer.push(e);
        if (timer === undefined) {
          timer = setTimeout(() => void flush(), flushMs);
          timer.unref();
        }
      },
      getTrace: (session: string) => local?.getTrace(session) ?? [],
      flush,
      get dropped() {
        return dropped;
      },
    };
  }

  /**
   * The entries held, oldest first: of one session when `session` is given,
   * the last `count` when given. Unreadable batches are counted in `skipped`.
   */
  async read(options: { session?: string; count?: number } = {}): Promise<{ entries: TraceEntry[]; skipped: number; lastId: string }> {
    const c = await this.h.command();
    const reply = (await c.sendCommand(['XRANGE', this.h.key, '-', '+'])) as unknown;
    const batches = parseEntries(this.h.key, reply);
    const { entries, skipped } = decode(batches.map((e) => e.fields.b ?? ''));
    const lastId = batches.length > 0 ? batches[batches.length - 1]!.id : '0-0';
    const mine = options.session === undefined ? entries : entries.filter((e) => e.sessionId === options.session);
    mine.sort((a, b) => a.timestamp - b.timestamp);
    return { entries: options.count === undefined ? mine : mine.slice(-options.count), skipped, lastId };
  }

  /**
   * Calls `fn` with each batch written from now on (by any process), or
   * after stream id `from` (a {@link RedisTraceStream.read}'s `lastId`: no
   * gap and no overlap with what it read), until the returned function is
   * called or the transport closes. `onSkipped` counts unreadable batches.
   */
  follow(fn: (entries: TraceEntry[]) => void, onSkipped: (n: number) => void = () => undefined, from?: string): () => void {
    let stopped = false;
    void (async () => {
      let sub: Client | undefined;
      try {
        const cmd = await this.h.command();
        const last = from === undefined ? ((await cmd.sendCommand(['XREVRANGE', this.h.key, '+', '-', 'COUNT', '1'])) as [string, unknown][] | null) : null;
        let after = from ?? (last && last.length > 0 ? String(last[0]![0]) : '0-0');
        sub = cmd.duplicate();
        sub.on('error', () => undefined);
        this.h.track(sub);
        await sub.connect();
        while (!stopped && !this.h.closed()) {
          const reply = (await sub.sendCommand(['XREAD', 'COUNT', '100', 'BLOCK', '200', 'STREAMS', this.h.key, after])) as unknown;
          for (const [, list] of streamsOf(reply)) {
            const got = parseEntries(this.h.key, list);
            if (got.length === 0) continue;
            after = got[got.length - 1]!.id;
            const { entries, skipped } = decode(got.map((e) => e.fields.b ?? ''));
            if (skipped > 0) onSkipped(skipped);
            if (entries.length > 0) fn(entries);
          }
        }
      } catch (err) {
        if (!this.h.closed() && !stopped) this.h.onError(err);
      } finally {
        if (sub?.isOpen) sub.destroy();
      }
    })();
    return () => {
      stopped = true;
    };
  }
}

function decode(batches: string[]): { entries: TraceEntry[]; skipped: number } {
  const entries: TraceEntry[] = [];
  let skipped = 0;
  for (const b of batches) {
    try {
      const list = JSON.parse(b) as unknown;
      if (!Array.isArray(list)) throw new Error('not a list');
      for (const e of list as TraceEntry[]) {
        if (e !== null && typeof e === 'object' && typeof e.type === 'string' && typeof e.eventId === 'string' && typeof e.timestamp === 'number') entries.push(e);
        else skipped++;
      }
    } catch {
      skipped++;
    }
  }
  return { entries, skipped };
}
