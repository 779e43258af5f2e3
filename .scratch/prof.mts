import { createRunner, newEvent, silentLogger } from '../src/index.ts';
const r = createRunner({ logger: silentLogger(), queueSize: 300000, traceLogger: null });
r.registerAgent('noop', (_c, _e, s) => s);
await r.start();
for (let round = 0; round < 10; round++) {
  for (let i = 0; i < 100000; i++) r.emit(newEvent('noop', { i }));
  await r.drain();
}
await r.stop();
