// A process that writes, purges or replays dead letters in a shared JSONL
// file, for the multi-process dead-letter test. Usage:
//   dlq-actor.ts writer   <file> <prefix> <count> <maxFileBytes>
//   dlq-actor.ts purger   <file> <ms>
//   dlq-actor.ts replayer <file> <ms> <log>
import { appendFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { newEvent } from '../../src/core/event.js';
import { DeadLetterQueue, JsonlDeadLetterStore, purgeDeadLetters } from '../../src/reliability/index.js';

const [role, file, ...rest] = process.argv.slice(2);
if (!file) throw new Error('usage: dlq-actor.ts <role> <file> ...');
const agents = ['keep', 'doomed', 'replayme'] as const;

if (role === 'writer') {
  const [prefix, count, maxBytes] = rest;
  const q = new DeadLetterQueue({ maxEntries: 100, store: new JsonlDeadLetterStore(file, { maxFileBytes: Number(maxBytes) }) });
  for (let i = 0; i < Number(count); i++) {
    const agentId = agents[i % 3]!;
    const ev = newEvent(agentId, { pad: 'x'.repeat(400), i }, { session_id: `${prefix}-s` });
    const id = `${prefix}-${agentId}-${i}`;
    q.add({ id, event: { ...ev.toJSON(), id }, reason: 'agent_error', error: { code: 'AF_ERR_AGENT_FAILED', message: 'boom' }, attempts: 1, agentId, sessionId: `${prefix}-s`, at: Date.now() });
    if (i % 2 === 0) await sleep(3);
  }
} else if (role === 'purger') {
  const until = Date.now() + Number(rest[0]);
  let compactions = 0;
  for (let round = 0; Date.now() < until; round++) {
    purgeDeadLetters(file, { agentId: 'doomed' });
    if (round % 3 === 0 && new JsonlDeadLetterStore(file).compact()) compactions++;
    await sleep(5);
  }
  process.stdout.write(`compactions ${compactions}\n`);
} else if (role === 'replayer') {
  const [ms, log] = rest;
  const until = Date.now() + Number(ms);
  for (let round = 0; Date.now() < until; round++) {
    const store = new JsonlDeadLetterStore(file);
    const q = new DeadLetterQueue({ maxEntries: 1_000_000, store });
    q.replay({ emit: (ev) => appendFileSync(log!, `${ev.getId()}\n`) }, { agentId: 'replayme' });
    if (round % 3 === 1) store.compact();
    await sleep(7);
  }
} else {
  throw new Error(`unknown role ${role}`);
}
