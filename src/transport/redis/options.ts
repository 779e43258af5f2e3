/**
 * Options of the Redis Streams transport.
 * @module
 */
import { hostname } from 'node:os';
import { InvalidOptionError } from '../../core/errors.js';
import { redactUrl } from '../../core/redact.js';

/**
 * Options for {@link RedisTransport}.
 *
 * @example
 * ```ts
 * new RedisTransport({ url: 'redis://127.0.0.1:6379', namespace: 'orders', partitions: 16 });
 * ```
 */
export interface RedisTransportOptions {
  /** Default `redis://127.0.0.1:6379`. A password in it is never printed. */
  url?: string;
  /** Keys live under `af:{<namespace>}:`. Default `agentflow`. */
  namespace?: string;
  /** Partition streams (fixed per namespace, checked against what the namespace was created with). Default 8. */
  partitions?: number;
  /** This consumer's name (unique per process). Default host-pid-random. */
  consumer?: string;
  /** Partition lease; renewed every third of it. Default 15,000 ms. */
  leaseMs?: number;
  /** Backlog per partition stream before `publish` refuses with QueueFullError. Default 10,000. */
  capacity?: number;
  /** Deliveries after which an event that keeps crashing its consumer is dead-lettered. Default 3. */
  maxDeliveries?: number;
  /** How long one read waits for new entries. Default 100 ms. */
  blockMs?: number;
  /** About how many trace entries the namespace's trace stream (`af:{ns}:trace`) keeps. Default 100,000. */
  traceEntries?: number;
  /** `producer` only publishes (owns no partitions). Default `worker`. */
  role?: 'worker' | 'producer';
  /** Where client errors go (every client has an error listener). Default: ignored after counting. */
  onError?: (err: Error) => void;
}

/**
 * The options checked (typed errors naming the option) and defaulted.
 *
 * @example
 * ```ts
 * const o = resolveOptions({ namespace: 'orders' }); // o.partitions === 8
 * ```
 */
export function resolveOptions(options: RedisTransportOptions) {
  const partitions = options.partitions ?? 8;
  if (!(Number.isInteger(partitions) && partitions > 0 && partitions <= 1024)) throw new InvalidOptionError('partitions', `must be an integer from 1 to 1024, got ${partitions}`);
  const namespace = options.namespace ?? 'agentflow';
  if (!/^[A-Za-z0-9_.-]+$/.test(namespace)) throw new InvalidOptionError('namespace', `must be letters, digits, "_", "-" or ".", got "${namespace}"`);
  const rawUrl = options.url ?? 'redis://127.0.0.1:6379';
  return {
    partitions,
    namespace,
    capacity: options.capacity ?? 10_000,
    rawUrl,
    url: redactUrl(rawUrl),
    consumer: options.consumer ?? `${hostname()}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`,
    tuning: { leaseMs: options.leaseMs ?? 15_000, maxDeliveries: options.maxDeliveries ?? 3, blockMs: options.blockMs ?? 100, role: options.role ?? 'worker' } as const,
    onError: options.onError ?? ((): void => undefined),
  };
}
