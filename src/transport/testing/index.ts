/**
 * The transport conformance suite (`agentflow/transport/testing`): every
 * transport runs it. It is framework-neutral: pass your test runner's `test`
 * function (node:test, vitest and jest all fit).
 * @module
 */
import assert from 'node:assert/strict';
import { newEvent, type Event } from '../../core/event.js';
import type { Delivery, Transport } from '../types.js';

/**
 * How the suite makes and breaks a transport.
 *
 * @example
 * ```ts
 * const harness: TransportHarness = {
 *   name: 'memory',
 *   create: () => new InMemoryTransport({ capacity: 8 }),
 *   crash: (t) => void (t as InMemoryTransport).requeueUnsettled(),
 * };
 * ```
 */
export interface TransportHarness {
  readonly name: string;
  /** A fresh, empty transport (its own namespace) with a capacity of at least 4. */
  create(): Transport | Promise<Transport>;
  /** The consumer holding unsettled deliveries goes away without settling them (a crash). */
  crash(t: Transport): void | Promise<void>;
  /** How long redelivery after a crash may take (lease plus a tick). Default 1,000 ms. */
  readonly redeliveryWaitMs?: number;
  /** Releases the transport after a test. Default: `close()`. */
  dispose?(t: Transport): void | Promise<void>;
}

/**
 * A test function: `(name, fn)`, such as node:test's `test`.
 *
 * @example
 * ```ts
 * import { test } from 'node:test';
 * const fn: TestFn = test;
 * ```
 */
export type TestFn = (name: string, fn: () => Promise<void>) => unknown;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Receives until `n` deliveries arrived or `waitMs` passed.
 *
 * @example
 * ```ts
 * const ds = await receiveN(transport, 2, 500);
 * ```
 */
export async function receiveN(t: Transport, n: number, waitMs = 500): Promise<Delivery[]> {
  const out: Delivery[] = [];
  const until = Date.now() + waitMs;
  for (;;) {
    out.push(...(await t.receive(n - out.length)));
    if (out.length >= n || Date.now() >= until) return out;
    await sleep(5);
  }
}

const ids = (ds: readonly Delivery[]): string[] => ds.map((d) => d.event.getId());
const ev = (n: number, session = 's'): Event => newEvent('agent', { n }, { session_id: session });

/**
 * Registers the conformance tests for one transport.
 *
 * @example
 * ```ts
 * import { test } from 'node:test';
 * transportConformance({ name: 'memory', create: () => new InMemoryTransport(), crash: (t) => void (t as InMemoryTransport).requeueUnsettled() }, test);
 * ```
 */
export function transportConformance(h: TransportHarness, test: TestFn): void {
  const wait = h.redeliveryWaitMs ?? 1000;
  const use = async (fn: (t: Transport) => Promise<void>): Promise<void> => {
    const t = await h.create();
    try {
      await fn(t);
    } finally {
      await (h.dispose ? h.dispose(t) : t.close());
    }
  };

  test(`${h.name}: publish, receive in order, ack; a first delivery has count 1 and a receipt`, () =>
    use(async (t) => {
      const es = [ev(1, 'a'), ev(2, 'b'), ev(3, 'c')];
      await t.publish(es);
      const ds = await receiveN(t, 3);
      assert.deepEqual(ids(ds), ids(es.map((e) => ({ event: e, receipt: '', deliveryCount: 0 }))));
      for (const d of ds) {
        assert.equal(d.deliveryCount, 1);
        assert.equal(typeof d.receipt, 'string');
        assert.deepEqual(d.event.getData(), es.find((e) => e.getId() === d.event.getId())!.getData());
        await t.settle(d, { kind: 'ack' });
      }
      assert.equal((await receiveN(t, 1, 50)).length, 0);
    }));

  test(`${h.name}: retry after a delay comes again with count + 1, not before`, () =>
    use(async (t) => {
      await t.publish([ev(1)]);
      const [d] = await receiveN(t, 1);
      assert.ok(d);
      const settledAt = Date.now();
      await t.settle(d, { kind: 'retry', delayMs: 80 });
      // A receive may wait (block) past the due time and return the retry then: only a delivery before it is early.
      const early = await receiveN(t, 1, 20);
      assert.ok(early.length === 0 || Date.now() - settledAt >= 80, 'delivered before its delay');
      const [again] = early.length !== 0 ? early : await receiveN(t, 1, 80 + wait);
      assert.ok(again, 'retry never delivered');
      assert.equal(again.event.getId(), d.event.getId());
      assert.equal(again.deliveryCount, 2);
      await t.settle(again, { kind: 'ack' });
    }));

  test(`${h.name}: a dead delivery is never delivered again; a second settle is ignored`, () =>
    use(async (t) => {
      const e = ev(1);
      await t.publish([e]);
      const [d] = await receiveN(t, 1);
      assert.ok(d);
      const record = { id: e.getId(), event: e.toJSON(), reason: 'agent_error' as const, error: { code: 'AF_ERR_AGENT_FAILED', message: 'x' }, attempts: 1, agentId: 'agent', sessionId: 's', at: Date.now() };
      assert.equal(await t.settle(d, { kind: 'dead', record }), true);
      assert.equal(await t.settle(d, { kind: 'retry', delayMs: 0 }), false);
      assert.equal((await receiveN(t, 1, 100)).length, 0);
    }));

  test(`${h.name}: children are published with the ack, and only once`, () =>
    use(async (t) => {
      await t.publish([ev(1)]);
      const [d] = await receiveN(t, 1);
      assert.ok(d);
      const children = [ev(10, 'k1'), ev(11, 'k2')];
      await t.settle(d, { kind: 'ack', children });
      const ds = await receiveN(t, 3, 200);
      assert.deepEqual(ids(ds).sort(), children.map((c) => c.getId()).sort());
      for (const x of ds) await t.settle(x, { kind: 'ack' });
    }));

  test(`${h.name}: an unsettled delivery comes again after its consumer goes away`, () =>
    use(async (t) => {
      await t.publish([ev(1)]);
      const [d] = await receiveN(t, 1);
      assert.ok(d);
      await h.crash(t);
      const [again] = await receiveN(t, 1, wait);
      assert.ok(again, 'not redelivered after the consumer went away');
      assert.equal(again.event.getId(), d.event.getId());
      assert.ok(again.deliveryCount >= 2);
      await t.settle(again, { kind: 'ack' });
    }));

  test(`${h.name}: a late settle of a delivery that was redelivered is refused`, () =>
    use(async (t) => {
      await t.publish([ev(1)]);
      const [d] = await receiveN(t, 1);
      assert.ok(d);
      await h.crash(t);
      const [again] = await receiveN(t, 1, wait);
      assert.ok(again);
      assert.equal(await t.settle(d, { kind: 'retry', delayMs: 0 }), false, 'the stale delivery was settled');
      assert.equal(await t.settle(again, { kind: 'ack' }), true);
      assert.equal((await receiveN(t, 1, 100)).length, 0, 'delivered again after the ack');
    }));

  test(`${h.name}: publish past capacity is refused with QueueFullError and publishes nothing; forced publish is accepted`, () =>
    use(async (t) => {
      const many = Array.from({ length: t.capacity + 1 }, (_, i) => ev(i, `c${i}`));
      await assert.rejects(Promise.resolve().then(() => t.publish(many)), (e: { code?: string }) => e.code === 'AF_ERR_QUEUE_FULL');
      assert.equal((await receiveN(t, 1, 50)).length, 0);
      await t.publish(many, { force: true });
      const ds = await receiveN(t, many.length);
      assert.equal(ds.length, many.length);
      for (const d of ds) await t.settle(d, { kind: 'ack' });
    }));

  test(`${h.name}: the declared ordering guarantee holds`, () =>
    use(async (t) => {
      if (t.capabilities.ordering !== 'session') {
        assert.equal(t.capabilities.ordering, 'none');
        return;
      }
      const a1 = ev(1, 'A');
      const a2 = ev(2, 'A');
      const b1 = ev(1, 'B');
      await t.publish([a1, a2, b1]);
      const first = await receiveN(t, 3, 100);
      assert.deepEqual(ids(first), [a1.getId(), b1.getId()], 'a session’s second event was delivered while its first was unsettled');
      const d1 = first[0]!;
      const settledAt = Date.now();
      await t.settle(d1, { kind: 'retry', delayMs: 30 });
      const during = await receiveN(t, 1, 10);
      assert.ok(during.every((d) => d.event.getId() === a1.getId()), 'a retry lost its session’s turn');
      assert.ok(during.length === 0 || Date.now() - settledAt >= 30, 'the retry came before its delay');
      const again = during.length !== 0 ? during : await receiveN(t, 1, 30 + wait);
      assert.equal(again[0]?.event.getId(), a1.getId());
      await t.settle(again[0]!, { kind: 'ack' });
      const next = await receiveN(t, 1, wait);
      assert.equal(next[0]?.event.getId(), a2.getId());
      await t.settle(next[0]!, { kind: 'ack' });
      await t.settle(first[1]!, { kind: 'ack' });
    }));

  test(`${h.name}: close resolves`, async () => {
    const t = await h.create();
    await t.close();
  });
}
