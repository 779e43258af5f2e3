/**
 * The namespace's dead-letter stream (`af:{ns}:dlq`): list, claim (delete
 * one entry, answering whether this caller deleted it) and restore, for
 * `agentflow dlq … --redis`.
 * @module
 */
import type { DeadLetterRecord } from '../../core/outcome.js';
import { parseEntries } from './wire.js';

interface Commands {
  sendCommand(args: string[]): Promise<unknown>;
}

/**
 * One entry of the dead-letter stream: its stream id and the record
 * (a {@link DeadLetterRecord} with the partition, stream entry, deliveries and
 * last consumer; an unreadable entry has `reason: 'invalid_event'` and the
 * raw text instead of `event`).
 *
 * @example
 * ```ts
 * for (const e of await transport.deadLetterStream.list()) console.log(e.streamId, e.record.reason);
 * ```
 */
export interface RedisDeadLetterEntry {
  streamId: string;
  record: Partial<DeadLetterRecord> & Record<string, unknown>;
}

/**
 * The dead-letter stream of a namespace.
 *
 * @example
 * ```ts
 * const dl = transport.deadLetterStream;
 * const [first] = await dl.list(1);
 * if (first && (await dl.claim(first.streamId))) console.log('removed', first.record.id);
 * ```
 */
export class RedisDeadLetters {
  constructor(
    private readonly command: () => Promise<Commands>,
    readonly key: string,
  ) {}

  /** Entries, oldest first (at most `count`). */
  async list(count = 10_000): Promise<RedisDeadLetterEntry[]> {
    const reply = (await (await this.command()).sendCommand(['XRANGE', this.key, '-', '+', 'COUNT', String(count)])) as unknown[];
    return parseEntries(this.key, reply).map((e) => {
      let record: RedisDeadLetterEntry['record'];
      try {
        record = JSON.parse(e.fields.r ?? '{}') as RedisDeadLetterEntry['record'];
      } catch {
        record = { reason: 'invalid_event', raw: (e.fields.r ?? '').slice(0, 1000) } as RedisDeadLetterEntry['record'];
      }
      return { streamId: e.id, record };
    });
  }

  /** Deletes the entry; true when this caller deleted it (so two replayers never both take it). */
  async claim(streamId: string): Promise<boolean> {
    return Number(await (await this.command()).sendCommand(['XDEL', this.key, streamId])) === 1;
  }

  /** Writes a record back (a replay that could not be published). */
  async restore(record: RedisDeadLetterEntry['record']): Promise<void> {
    await (await this.command()).sendCommand(['XADD', this.key, '*', 'r', JSON.stringify(record)]);
  }
}
