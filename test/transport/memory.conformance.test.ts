import { test } from 'node:test';
import { InMemoryTransport } from '../../src/transport/memory/index.js';
import { transportConformance } from '../../src/transport/testing/index.js';

const crash = (t: unknown): void => void (t as InMemoryTransport).requeueUnsettled();

transportConformance({ name: 'memory', create: () => new InMemoryTransport({ capacity: 8 }), crash }, test);
transportConformance({ name: 'memory (session ordering)', create: () => new InMemoryTransport({ capacity: 8, sessionOrdering: true }), crash }, test);
