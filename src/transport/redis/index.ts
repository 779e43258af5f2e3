/**
 * `agentflow/redis`: the Redis Streams transport. Events of a session hash
 * onto one of P partition streams; each partition has one owner at a time
 * (a lease with a fencing epoch), so a session's events run in order across
 * processes and crashes. An entry is acknowledged only when its event is
 * settled, in the same Lua script that checks the lease and publishes the
 * children; a dead consumer's unsettled entries are claimed by the next
 * owner. Requires the `redis` package (node-redis, an optional peer).
 * @module
 */
import { createClient } from 'redis';
import { InvalidOptionError, QueueFullError, TransportError } from '../../core/errors.js';
import { Event } from '../../core/event.js';
import type { Delivery, PublishOptions, Settlement, Transport, TransportCapabilities, TransportMetrics } from '../types.js';
import { busToWire, RedisOutcomeChannel } from './outcomes.js';
import { RedisStepStore } from './steps.js';
import { RedisDeadLetters } from './dead-letters.js';
import { RedisTraceStream } from './trace.js';
import { retryConnection } from './retry.js';
import { fromEntry, OwnerState, RedisDelivery, SettleBatcher } from './local.js';
import { ACQUIRE, PUBLISH, RELEASE, RENEW, SEEN_TTL_MS, SETTLE, SETTLE_MANY } from './scripts.js';
import { hashPartition, parseEntries, streamsOf, type Entry } from './wire.js';

type Client = ReturnType<typeof createClient>;

export type { RedisTransportOptions } from './options.js';
import { resolveOptions, type RedisTransportOptions } from './options.js';
import { namespaceMetrics } from './metrics.js';
import { claimPartition, pendingOf } from './claim.js';
import { WakeableRead } from './wake.js';


/**
 * The Redis Streams transport (see the module docs for the design, and
 * `docs/distributed.md`).
 *
 * @example
 * ```ts
 * import { RedisTransport } from 'agentflow/redis';
 * const runner = createRunner({ transport: new RedisTransport({ url: process.env.REDIS_URL }) });
 * ```
 */
export class RedisTransport implements Transport {
  readonly name = 'redis';
  readonly capabilities: TransportCapabilities = { ordering: 'session', delayed: true, local: false, priority: false };
  readonly capacity: number;
  /** The namespace's partition count (a producer given none adopts the namespace's on connect). */ partitions: number;
  private readonly partitionsGiven: boolean;
  readonly consumer: string;
  readonly namespace: string;
  /** The URL with any password replaced by `***`. */
  readonly url: string;
  private readonly o: Required<Omit<RedisTransportOptions, 'url' | 'consumer' | 'onError' | 'namespace' | 'partitions' | 'capacity' | 'traceEntries'>>;
  private readonly rawUrl: string;
  private readonly onError: (err: Error) => void;
  private cmd: Client | undefined;
  /** The blocking reader and its reads (which a ready local delivery cuts short). */ private blk: Client | undefined; private readonly reading = new WakeableRead((err) => this.onError(new TransportError(this.name, `wake a blocked read with CLIENT UNBLOCK (ACL category @admin) on ${this.url}; a busy session's next event waits for the block time`, err)));
  private ready: Promise<void> | undefined;
  /** partition → lease token (`consumer:epoch`). */
  private readonly owned = new Map<number, string>();
  /** partition → when our lease surely ends (from the time we asked to renew it). */
  private readonly validUntil = new Map<number, number>();
  private readonly toRelease = new Set<number>();
  private readonly scan = new Set<number>();
  /** A read failed: its reply (entries Redis handed us) may be lost; see recoverLostRead. */ private lostRead = false;
  private readonly local = new OwnerState();
  /** Settles of one event-loop turn go to Redis in one script call (one round trip for many events). */
  private readonly batch = new SettleBatcher((keys, args) => retryConnection(async () => (this.outcomes.flushTo(this.cmd!) /* queued messages (activity) go before the outcomes */, await this.cmd!.sendCommand(['EVAL', SETTLE_MANY, String(keys.length + 4), this.key('dlq'), this.key('due'), ...keys, this.key('outcomes'), this.key('readers'), 'workers', this.key('seen:'), String(SEEN_TTL_MS), this.consumer, ...args])) as unknown[], () => this.closed), (n) => (this.readers = { count: Number(n), at: Date.now() }));
  /** Processes reading the outcome stream, as of the last settle (their registration precedes what they wait for). */ private readers = { count: -1, at: 0 };
  private tick: NodeJS.Timeout | undefined;
  private available: (() => void) | undefined = undefined;
  /** Local work became ready: the worker is told, and a blocking read is cut short. */ private readonly wake = (): void => (this.available?.(), this.reading.wake(this.cmd));
  private closed = false; // set by close(): nothing reconnects after it
  /** Client errors seen (connection drops, …). */ errors = 0;
  /** Leases lost since start (renewal refused, expired, a settle refused); partitions given back are not counted. */ leaseLosses = 0;
  /** Deliveries that were redeliveries (an entry claimed again after its consumer died or lost its lease). */ redeliveries = 0;
  /** Outcome-bus messages between the processes of the namespace (stream `af:{ns}:outcomes`, capped). */ readonly outcomes: RedisOutcomeChannel;
  /** `ctx.once` results, shared by the namespace's processes (`af:{ns}:once:*`). */ readonly steps: RedisStepStore;
  /** The namespace's dead-letter stream (`af:{ns}:dlq`): list, claim, restore. */ readonly deadLetterStream: RedisDeadLetters;
  /** The namespace's trace stream (`af:{ns}:trace`, capped): workers' entries for `agentflow trace/ui --redis`. */ readonly traces: RedisTraceStream;
  private readonly subs = new Set<Client>();

  constructor(options: RedisTransportOptions = {}) {
    const r = resolveOptions(options);
    ({ partitions: this.partitions, namespace: this.namespace, capacity: this.capacity, rawUrl: this.rawUrl, url: this.url, consumer: this.consumer, onError: this.onError } = r);
    this.partitionsGiven = options.partitions !== undefined;
    this.o = { ...r.tuning };
    this.steps = new RedisStepStore(async () => (await this.connect(), this.cmd!), this.key('once:'));
    this.deadLetterStream = new RedisDeadLetters(async () => (await this.connect(), this.cmd!), this.key('dlq'));
    const host = (what: string) => ({ key: this.key(what), consumer: this.consumer, command: async () => (await this.connect(), this.cmd!), closed: () => this.closed, track: (c: Client) => this.subs.add(c), onError: (err: unknown) => this.onError(new TransportError(this.name, `${what} stream on ${this.url}`, err)) });
    this.outcomes = new RedisOutcomeChannel({ ...host('outcomes'), controlKey: this.key('control'), readersKey: this.key('readers'), readAll: this.o.role === 'producer', unread: () => this.readers.count === 0 && Date.now() - this.readers.at < 1000 });
    this.traces = new RedisTraceStream(host('trace'), options.traceEntries);
  }

  /** Workers registered as alive in the namespace (heartbeat within the lease). */
  async liveWorkers(): Promise<number> {
    await this.connect();
    return Number(await this.cmd!.sendCommand(['ZCOUNT', this.key('workers'), String(Date.now() - this.o.leaseMs), '+inf']));
  }

  private key(suffix: string): string { return `af:{${this.namespace}}:${suffix}`; }
  private stream(p: number): string { return this.key(`p${p}`); }
  private lease(p: number): string { return this.key(`p${p}:lease`); }

  /** The runner's `start()` connects the transport (a worker registers and takes its partitions). */
  open(): Promise<void> {
    return this.connect();
  }

  /** Connects (once): two clients, the namespace's partition count, consumer groups. */
  connect(): Promise<void> {
    this.ready ??= this.doConnect();
    return this.ready;
  }

  private async doConnect(): Promise<void> {
    const listen = (c: Client): Client => {
      c.on('error', (err: Error) => {
        this.errors++;
        this.onError(new TransportError(this.name, `stay connected to ${this.url}`, err));
      });
      return c;
    };
    try {
      // The first connection fails fast (typed error); after that, a dropped connection is retried with backoff.
      let up = false;
      this.cmd = listen(
        createClient({
          url: this.rawUrl,
          socket: { connectTimeout: 2000, reconnectStrategy: (n: number, cause: Error) => (up ? Math.min(50 * 2 ** n, 2000) : cause) },
        }),
      );
      await this.cmd.connect();
      up = true;
      const meta = this.key('meta');
      await this.cmd.sendCommand(['HSETNX', meta, 'partitions', String(this.partitions)]);
      const declared = Number(await this.cmd.sendCommand(['HGET', meta, 'partitions']));
      if (declared !== this.partitions && !this.partitionsGiven && this.o.role === 'producer' && declared > 0) this.partitions = declared;
      if (declared !== this.partitions) {
        throw new InvalidOptionError('partitions', `namespace "${this.namespace}" at ${this.url} was created with ${declared} partitions, not ${this.partitions}`);
      }
      for (let p = 0; p < this.partitions; p++) {
        try {
          await this.cmd.sendCommand(['XGROUP', 'CREATE', this.stream(p), 'workers', '0', 'MKSTREAM']);
        } catch (err) {
          if (!String((err as Error).message).includes('BUSYGROUP')) throw err;
        }
      }
      if (this.o.role === 'worker') {
        this.blk = listen(this.cmd.duplicate());
        this.reading.attach(this.blk);
        await this.blk.connect();
        await this.leases();
        this.tick = setInterval(() => void this.leases().catch((err: unknown) => this.onError(err as Error)), Math.max(50, Math.floor(this.o.leaseMs / 3)));
        this.tick.unref();
      }
    } catch (err) {
      if (this.tick !== undefined) clearInterval(this.tick);
      await this.disconnect();
      this.ready = undefined;
      if (err instanceof InvalidOptionError) throw err;
      throw new TransportError(this.name, `connect to ${this.url}`, err);
    }
  }

  /** Renews owned leases, registers as live, and takes free partitions up to a fair share. */
  private async leases(): Promise<void> {
    const c = this.cmd;
    if (c === undefined || this.closed) return;
    const now = Date.now();
    const reg = this.key('workers');
    await c.sendCommand(['ZADD', reg, String(now), this.consumer]);
    await c.sendCommand(['ZREMRANGEBYSCORE', reg, '-inf', String(now - this.o.leaseMs)]);
    const live = Math.max(1, Number(await c.sendCommand(['ZCARD', reg])));
    for (const [p, token] of [...this.owned]) {
      const asked = Date.now();
      const ok = Number(await c.sendCommand(['EVAL', RENEW, '1', this.lease(p), token, String(this.o.leaseMs)]));
      if (ok !== 1) this.lose(p);
      else this.validUntil.set(p, asked + this.o.leaseMs);
    }
    const share = Math.ceil(this.partitions / live);
    // Over the fair share: partitions to give back, so new workers get some. A busy one drains first (no new
    // entries are read from it; what it holds finishes), then the reading path releases it: never while a read
    // of it is in flight, or entries read for a released partition would be stranded in this consumer's pending list.
    const draining = new Set(this.toRelease);
    const rank = (p: number) => (draining.has(p) ? 0 : this.local.holds(p) ? 2 : 1);
    this.toRelease.clear();
    let keep = this.owned.size;
    for (const p of [...this.owned.keys()].sort((a, b) => rank(a) - rank(b))) {
      if (keep <= share) break;
      this.toRelease.add(p);
      keep--;
    }
    for (let i = 0; i < this.partitions && this.owned.size < share; i++) {
      const p = (i + hashPartition(this.consumer, this.partitions)) % this.partitions;
      if (this.owned.has(p)) continue;
      const epoch = Number(await c.sendCommand(['EVAL', ACQUIRE, '2', this.lease(p), this.key(`p${p}:epoch`), this.consumer, String(this.o.leaseMs)]));
      if (epoch > 0) {
        this.owned.set(p, `${this.consumer}:${epoch}`);
        this.validUntil.set(p, now + this.o.leaseMs);
        this.scan.add(p);
        this.available?.();
      }
    }
  }

  /** A worker paused past its lease may be replaced: nothing of a partition starts without a safe margin of lease left. */
  private expireStale(): void {
    const now = Date.now();
    const margin = Math.min(1000, this.o.leaseMs / 4);
    for (const [p, until] of this.validUntil) if (now > until - margin) this.lose(p);
  }

  /** A lease was lost or given back: every local delivery of the partition is forgotten (it can no longer be settled here). */
  private lose(p: number, lost = true): void {
    if (lost && this.owned.has(p)) this.leaseLosses++;
    this.owned.delete(p);
    this.validUntil.delete(p);
    this.scan.delete(p);
    this.local.forget(p);
  }

  async publish(events: readonly Event[], options?: PublishOptions): Promise<void> {
    if (events.length === 0) return;
    await this.connect();
    const keys = events.map((e) => this.stream(hashPartition(e._meta.session_id ?? e._id, this.partitions)));
    const r = Number(await retryConnection(() => this.cmd!.sendCommand(['EVAL', PUBLISH, String(keys.length), ...keys, options?.force === true ? '0' : String(this.capacity), ...events.map((e) => JSON.stringify(e.toJSON()))]), () => this.closed));
    if (r < 0) throw new QueueFullError(this.capacity, events[-r - 1]?._id ?? '');
  }

  async receive(max: number): Promise<Delivery[]> {
    if (this.closed) return [];
    await this.connect();
    const out: Delivery[] = [];
    this.expireStale();
    // Entries that were in flight when a consumer died run one at a time, alone (a poison event takes no other event down with it).
    if (!this.local.isolate(out)) {
      const d = out[0] as RedisDelivery | undefined;
      // Counted before it runs: a crash while it runs alone is its own.
      if (d !== undefined) await this.cmd!.sendCommand(['HINCRBY', this.key('due'), `${this.stream(d.partition)}|${d.entryId}|c`, '1']);
      else if (!this.closed) await new Promise((r) => setTimeout(r, Math.min(this.o.blockMs, 20)).unref());
      return out;
    }
    while (out.length < max && this.local.first.length !== 0) this.local.admit(this.local.first.shift()!, out);
    if (out.length >= max || this.o.role !== 'worker') return out;
    for (const p of [...this.scan]) {
      // A new owner first takes the partition's unsettled entries, in stream order (again on the next call if a command fails).
      this.scan.delete(p);
      const claimed = await claimPartition(this.cmd!, this.stream(p), this.key('due'), this.consumer).catch((err: unknown) => (this.owned.has(p) && this.scan.add(p), Promise.reject(err)));
      for (const c of claimed) await this.take(p, c.entry, c.count, out, c.due, c.crashes);
    }
    if (out.length >= max || this.owned.size === 0) {
      // Nothing owned yet: wait a little (never keeping the process alive, never after close).
      if (out.length === 0 && !this.closed) await new Promise((r) => setTimeout(r, Math.min(this.o.blockMs, 50)).unref());
      return out;
    }
    for (const p of [...this.toRelease]) {
      const token = this.owned.get(p);
      if (token !== undefined && this.local.holds(p)) continue; // still draining
      this.toRelease.delete(p);
      if (token === undefined) continue;
      await this.cmd!.sendCommand(['EVAL', RELEASE, '1', this.lease(p), token]);
      this.lose(p, false);
    }
    // A partition acquired while this call ran is read only after its pending entries were claimed (next call); one being given back is not read.
    const owned = [...this.owned.keys()].filter((p) => !this.scan.has(p) && !this.toRelease.has(p));
    if (owned.length === 0) {
      if (out.length === 0 && !this.closed) await new Promise((r) => setTimeout(r, Math.min(this.o.blockMs, 20)).unref());
      return out;
    }
    if (this.lostRead) await this.recoverLostRead(owned, out);
    const reply = await this.reading.read(this.blk!, this.consumer, max - out.length, this.o.blockMs, owned.map((p) => this.stream(p))).catch((err: unknown) => ((this.lostRead = true), Promise.reject(err)));
    this.expireStale();
    for (const [streamKey, list] of streamsOf(reply)) {
      const p = owned.find((x) => this.stream(x) === String(streamKey));
      // Read while the partition was given back: leave the entries pending for its new owner to claim.
      if (p === undefined || !this.owned.has(p)) continue;
      for (const e of parseEntries(String(streamKey), list)) await this.take(p, e, 1, out);
    }
    while (out.length < max && this.local.first.length !== 0) this.local.admit(this.local.first.shift()!, out); // ready while we read
    return out;
  }

  /**
   * A read whose reply was lost (a dropped connection) may have handed this
   * consumer entries it never received: before reading anything newer, the
   * pending entries it does not hold are taken (in stream order; session order holds).
   */
  private async recoverLostRead(owned: number[], out: Delivery[]): Promise<void> {
    const before = this.local.receipts(); // an entry held before the history read is not one of them, even if settled meanwhile
    const found = await pendingOf(this.blk!, owned.map((p) => this.stream(p)), this.consumer);
    this.lostRead = false;
    this.expireStale(); // a partition lost meanwhile is not ours to run
    const now = this.local.receipts();
    for (const [i, entries] of found.entries()) for (const e of entries) if (this.owned.has(owned[i]!) && !before.has(`${owned[i]}:${e.id}`) && !now.has(`${owned[i]}:${e.id}`)) await this.take(owned[i]!, e, 1, out);
  }

  /** Turns an entry into a delivery: corrupt entries and poison events go to the dead-letter stream. */
  private async take(p: number, e: Entry, count: number, out: Delivery[], due?: string, crashes = 0): Promise<void> {
    if (count > 1) this.redeliveries++;
    const r = fromEntry(e, p, count, this.o.maxDeliveries, this.consumer, crashes);
    if (!(r instanceof RedisDelivery)) return this.deadEntry(p, e.id, r);
    // A retry settled by an earlier owner: its attempt number, and its delay if not over yet (crash deliveries still count toward poison).
    const [at, attempt] = (due ?? '').split(':').map(Number);
    if (attempt !== undefined && attempt > 0) r.deliveryCount = attempt + 1;
    if (at !== undefined && at > Date.now()) this.local.hold(r, at - Date.now(), this.wake);
    else if (count > 1 && !(attempt! > 0)) this.local.addSuspect(r);
    else this.local.admit(r, out);
  }

  private async deadEntry(p: number, id: string, record: object): Promise<void> {
    const token = this.owned.get(p);
    if (token === undefined) return;
    await this.cmd!.sendCommand(['EVAL', SETTLE, '3', this.lease(p), this.stream(p), this.key('dlq'), token, 'workers', id, 'dead', JSON.stringify(record)]);
    this.readers.at = 0; // readers unknown until the next batch: outcomes are written meanwhile
    await this.cmd!.sendCommand(['HDEL', this.key('due'), `${this.stream(p)}|${id}`, `${this.stream(p)}|${id}|c`]);
  }

  async settle(delivery: Delivery, s: Settlement): Promise<boolean> {
    const d = delivery as RedisDelivery;
    if (!this.local.holdsDelivery(d)) return false;
    const token = this.owned.get(d.partition);
    if (token === undefined) return false;
    const children = s.children ?? [];
    const childKeys = children.map((c) => this.stream(hashPartition(c._meta.session_id ?? c._id, this.partitions)));
    const record = s.kind === 'dead' ? JSON.stringify({ ...s.record, partition: d.partition, entryId: d.entryId, deliveries: d.deliveryCount, lastConsumer: this.consumer }) : s.kind === 'retry' ? `${Date.now() + s.delayMs}:${d.deliveryCount}` : '';
    const outcome /* announced with the settle, atomically, when someone reads; skipped when we know freshly nobody does */ = s.outcome !== undefined && !this.outcomes.unread() ? busToWire({ type: 'outcome', outcome: s.outcome() }) : '';
    const ok = await this.batch.settle([this.lease(d.partition), this.stream(d.partition), ...childKeys], [token, d.entryId, s.kind, record, String(children.length), (s.kind === 'retry' ? 'r' : '') + (d.deliveryCount > 1 ? 'd' : ''), outcome, `{"t":"p","parent":${JSON.stringify(d.event._id)},"events":[`, ...children.flatMap((c) => [c._id, JSON.stringify(c.toJSON())])]);
    if (Array.isArray(ok)) s.suppressed = ok.slice(1).map((i) => children[Number(i) - 1]!._id);
    s.announced = Number(Array.isArray(ok) ? ok[0] : ok) === 2;
    if (!Array.isArray(ok) && Number(ok) !== 1 && Number(ok) !== 2) {
      this.lose(d.partition);
      return false;
    }
    if (s.kind === 'retry') {
      // The entry stays pending (a crash redelivers it in order) and its due time is in Redis (another owner waits for it too).
      d.deliveryCount++;
      this.local.hold(d, s.delayMs, this.wake);
      return true;
    }
    if (this.local.done(d)) this.wake();
    return true;
  }

  /** What this worker owns and what waits in it: partitions, pending deliveries and consumer-group lag (Redis 7), redeliveries, lease losses. */
  async metrics(): Promise<TransportMetrics> {
    return this.cmd?.isOpen ? namespaceMetrics(this.cmd, [...this.owned.keys()].map((p) => this.stream(p)), this) : { partitionsOwned: 0, redeliveries: this.redeliveries, leaseLosses: this.leaseLosses };
  }

  /** Leases are renewed on a timer independent of agent work; nothing to do per delivery. */ async extend(): Promise<void> {}

  onAvailable(fn: () => void): void { this.available = fn; }

  /** Records in the namespace's dead-letter stream, oldest first (see {@link RedisTransport.deadLetterStream}). */
  async deadLetters(count = 100): Promise<Record<string, unknown>[]> {
    return (await this.deadLetterStream.list(count)).map((e) => e.record);
  }

  /** Forgets every local delivery without settling, as a crash would (tests): the entries are claimed again. */
  simulateCrash(): void {
    this.local.clear();
    for (const p of this.owned.keys()) this.scan.add(p);
  }

  /** Dies as a SIGKILL would (tests): nothing is released; leases expire and another worker takes over. */
  kill(): void { this.stopLocal(); for (const c of [...this.subs, this.blk, this.cmd]) if (c?.isOpen) c.destroy(); }

  private stopLocal(): void {
    this.closed = true;
    clearInterval(this.tick), this.reading.wake(this.cmd); // a blocked read returns now
    this.local.clear();
  }

  /** Stops reading, releases leases (unsettled entries stay pending for the next owner) and disconnects. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.traces.flushAll(); // the last trace entries, before the clients go
    this.stopLocal();
    try {
      if (this.cmd?.isOpen) {
        for (const [p, token] of this.owned) await this.cmd.sendCommand(['EVAL', RELEASE, '1', this.lease(p), token]);
        for (const set of ['workers', 'readers']) await this.cmd.sendCommand(['ZREM', this.key(set), this.consumer]);
      }
    } catch {
      // Leases expire on their own.
    }
    this.owned.clear();
    await this.disconnect();
  }

  private async disconnect(): Promise<void> {
    for (const c of this.subs) if (c.isOpen) c.destroy(); // blocking readers, maybe still connecting: nothing to flush
    for (const c of [this.blk, this.cmd]) if (c?.isOpen) await c.close().catch(() => c.destroy());
  }
}

export { redactUrl, hashPartition } from './wire.js';
export { RedisDeadLetters, type RedisDeadLetterEntry } from './dead-letters.js';
export { RedisStepStore } from './steps.js';
export { RedisTraceStream, type RedisTraceLogger, type RedisTraceLoggerOptions } from './trace.js';
