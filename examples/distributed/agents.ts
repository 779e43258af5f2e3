/**
 * The example's code agent: records `session:seq:pid` in a Redis list, the
 * effect the examples check (each event once, in order per session). The
 * effect is made exactly once with `ctx.idempotencyKey` (stable across
 * retries, takeovers and replays): a set of done keys and the list are
 * written by one script. An event with `poison: true` kills its own worker
 * (the chaos run checks it ends in the dead-letter stream).
 */
import { createClient } from 'redis';
import type { AgentContext, Event, State } from '../../src/index.js';

const ONCE = "if redis.call('SADD', KEYS[1], ARGV[1]) == 1 then redis.call('RPUSH', KEYS[2], ARGV[2]) end return 1";

let client: ReturnType<typeof createClient> | undefined;
async function redis() {
  if (client === undefined) {
    client = createClient({ url: process.env.AGENTFLOW_REDIS_URL });
    client.on('error', () => undefined);
    await client.connect();
  }
  return client;
}

export async function step(ctx: AgentContext, event: Event, state: State): Promise<State> {
  const { seq, poison } = event.getData() as { seq: number; poison?: boolean };
  if (poison) process.kill(process.pid, 'SIGKILL');
  await new Promise((r) => setTimeout(r, 15));
  const ns = process.env.DEMO_NS;
  await (await redis()).sendCommand(['EVAL', ONCE, '2', `demo:${ns}:done`, `demo:${ns}:log`, ctx.idempotencyKey, `${ctx.sessionId}:${seq}:${process.pid}`]);
  return state.clone().set('done', true);
}
