import { runDistributedDemo } from '../examples/distributed/main.ts';
const lines: string[] = [];
const t = Date.now();
const r = await runDistributedDemo({ sessions: 12, perSession: 10, workers: 3, kills: 3, leaseMs: 4000, partitions: 6, log: (s) => lines.push(s) });
console.log(lines.join('\n'), r, Date.now() - t);
