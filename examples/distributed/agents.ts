/**
 * The example's code agent: records `session:seq:pid` in a Redis list, the
 * effect the example checks (each event at least once, in order per session).
 */
import { createClient } from 'redis';
import type { AgentContext, Event, State } from '../../src/index.js';

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
  const { seq } = event.getData() as { seq: number };
  await new Promise((r) => setTimeout(r, 15));
  await (await redis()).sendCommand(['RPUSH', `demo:${process.env.DEMO_NS}:log`, `${ctx.sessionId}:${seq}:${process.pid}`]);
  return state.clone().set('done', true);
}
