/**
 * The Redis transport a command uses: flags win over the config's
 * `[transport]` section (when `kind = "redis"`), which wins over
 * `$AGENTFLOW_REDIS_URL` and the defaults.
 * @module
 */
import { existsSync } from 'node:fs';
import { loadConfig } from '../config/load.js';
import { InvalidOptionError } from '../core/errors.js';
import type { RedisTransport } from '../transport/redis/index.js';

/**
 * The Redis flags shared by `worker`, `run` and `dlq`.
 *
 * @example
 * ```ts
 * const flags: RedisFlags = { redis: 'redis://127.0.0.1:6379', namespace: 'orders' };
 * ```
 */
export interface RedisFlags {
  redis?: string;
  namespace?: string;
  partitions?: string;
  lease?: string;
}

function intFlag(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidOptionError(name, `must be a positive integer, got "${v}"`);
  return n;
}

/**
 * Builds (without connecting) the Redis transport for a command.
 *
 * @example
 * ```ts
 * const t = await redisTransportFor('agentflow.toml', { namespace: 'orders' }, 'producer', console.error);
 * await t.connect();
 * ```
 */
export async function redisTransportFor(config: string, flags: RedisFlags, role: 'worker' | 'producer', onError: (err: Error) => void): Promise<RedisTransport> {
  const tc = existsSync(config) ? (await loadConfig(config)).config.transport : undefined;
  const file = tc?.kind === 'redis' ? tc : undefined;
  const { RedisTransport } = await import('../transport/redis/index.js');
  return new RedisTransport({
    url: flags.redis ?? file?.url ?? process.env.AGENTFLOW_REDIS_URL ?? 'redis://127.0.0.1:6379',
    namespace: flags.namespace ?? file?.namespace,
    partitions: intFlag('--partitions', flags.partitions) ?? file?.partitions,
    leaseMs: intFlag('--lease', flags.lease) ?? file?.lease_ms,
    maxDeliveries: file?.max_deliveries,
    capacity: file?.capacity,
    traceEntries: file?.trace_entries,
    role,
    onError,
  });
}
