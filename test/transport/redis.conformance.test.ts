import { test } from 'node:test';
import { RedisTransport } from '../../src/transport/redis/index.js';
import { transportConformance } from '../../src/transport/testing/index.js';
import { useRedisServer } from '../support/redis.js';

const redis = useRedisServer();

let n = 0;
transportConformance(
  {
    name: 'redis',
    create: async () => {
      const t = new RedisTransport({ url: redis().url, namespace: `conf${n++}`, partitions: 1, capacity: 8, leaseMs: 1500, blockMs: 20 });
      await t.connect();
      return t;
    },
    crash: (t) => (t as RedisTransport).simulateCrash(),
    redeliveryWaitMs: 1000,
  },
  test,
);
