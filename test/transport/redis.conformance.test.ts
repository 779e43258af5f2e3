import { after, before, test } from 'node:test';
import { RedisTransport } from '../../src/transport/redis/index.js';
import { transportConformance } from '../../src/transport/testing/index.js';
import { startRedis, type RedisServer } from '../support/redis.js';

let server: RedisServer;
before(async () => {
  server = await startRedis();
});
after(async () => {
  await server.stop();
});

let n = 0;
transportConformance(
  {
    name: 'redis',
    create: async () => {
      const t = new RedisTransport({ url: server.url, namespace: `conf${n++}`, partitions: 1, capacity: 8, leaseMs: 1500, blockMs: 20 });
      await t.connect();
      return t;
    },
    crash: (t) => (t as RedisTransport).simulateCrash(),
    redeliveryWaitMs: 1000,
  },
  test,
);
