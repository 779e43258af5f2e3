/**
 * The viewer over a Redis namespace: trace entries from the namespace's
 * trace stream (written by every worker), events in flight with their input
 * and output from the outcome stream, dead letters from the dead-letter
 * stream (replayed onto the workers with write access).
 * @module
 */
import { EventFailedError } from '../core/errors.js';
import { Event } from '../core/event.js';
import { silentLogger } from '../core/logger.js';
import { replayMetadata } from '../core/meta.js';
import type { DeadLetterRecord } from '../core/outcome.js';
import { Runner } from '../runner/runner.js';
import type { RedisTransport } from '../transport/redis/index.js';
import type { RedisTransportOptions } from '../transport/redis/options.js';
import { feedStore, startUi, type UiOptions, type UiServer } from './index.js';
import { UiStore } from './store.js';

/**
 * Options for {@link uiFromRedis}.
 *
 * @example
 * ```ts
 * await uiFromRedis({ url: 'redis://127.0.0.1:6379', namespace: 'orders', port: 4400, write: true });
 * ```
 */
export interface RedisUiOptions extends Omit<UiOptions, 'source' | 'deadLetters' | 'droppedUpstream'>, Pick<RedisTransportOptions, 'url' | 'namespace' | 'onError'> {
  /** Trace entries loaded from the stream at start (the most recent). Default 20,000. */
  history?: number;
  /** A producer-role transport to use instead of `url`/`namespace` (closed with the viewer). */
  transport?: RedisTransport;
}

/**
 * Serves the viewer over a Redis namespace, following it live.
 *
 * @example
 * ```ts
 * const ui = await uiFromRedis({ url: process.env.REDIS_URL, namespace: 'orders' });
 * console.log(ui.url);
 * ```
 */
export async function uiFromRedis(options: RedisUiOptions = {}): Promise<UiServer> {
  const transport = options.transport ?? new (await import('../transport/redis/index.js')).RedisTransport({ url: options.url, namespace: options.namespace, role: 'producer', onError: options.onError });
  await transport.connect();
  const store = new UiStore();
  // A producer runner: it follows the namespace's outcome stream and publishes replays onto the workers.
  const runner = new Runner({ transport, logger: silentLogger() });
  runner.getOutcomeBus().subscribe((m) => feedStore(store, m));
  let skipped = 0;
  let stopFollow: () => void = () => undefined;
  try {
    await runner.start();
    // The history, then everything written after it: each entry once (the Agents page counts them).
    const history = await transport.traces.read({ count: options.history ?? 20_000 });
    skipped += history.skipped;
    for (const e of history.entries) store.add(e);
    stopFollow = transport.traces.follow(
      (entries) => entries.forEach((e) => store.add(e)),
      (n) => (skipped += n),
      history.lastId,
    );
  } catch (err) {
    stopFollow();
    await runner.stop();
    throw err;
  }
  const dls = transport.deadLetterStream;
  const list = async (): Promise<DeadLetterRecord[]> => (await dls.list()).map((e) => ({ ...(e.record as DeadLetterRecord), id: String(e.record.id ?? e.streamId) }));
  const replay = async (id: string): Promise<boolean> => {
    const entry = (await dls.list()).find((e) => String(e.record.id ?? e.streamId) === id);
    if (entry === undefined || typeof entry.record.event !== 'object' || entry.record.event === null) return false;
    if (!(await dls.claim(entry.streamId))) return false; // another replayer took it
    const ev = Event.fromJSON(entry.record.event);
    ev._meta = replayMetadata(ev._meta);
    // Its outcome comes from a worker (and shows in the trace); one that was never published goes back to the stream.
    runner.run(ev).catch(async (err: unknown) => {
      if (!(err instanceof EventFailedError) || err.reason === 'transport_error') await dls.restore(entry.record).catch(() => undefined);
    });
    return true;
  };
  const ui = await startUi(
    { ...options, source: `redis ${transport.url} namespace "${transport.namespace}"`, deadLetters: { list, replay }, droppedUpstream: () => skipped },
    store,
  );
  return {
    ...ui,
    close: async () => {
      stopFollow();
      await ui.close();
      await runner.stop();
    },
  };
}
