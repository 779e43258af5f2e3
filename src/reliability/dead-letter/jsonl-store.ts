/**
 * The dead-letter file: an append-only JSON-lines log of records and
 * tombstones, safe for several processes at once (runners writing, `agentflow
 * dlq purge|replay` removing), compacted under a lock when it passes its size
 * bound. Why this design, and what it guarantees: `docs/reliability.md#the-dead-letter-file`.
 * @module
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fstatSync, fsyncSync, mkdirSync, openSync, readSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { DeadLetterStoreError } from '../../core/errors.js';
import type { DeadLetterRecord } from '../../runner/types.js';
import { tryLock } from './file-lock.js';
import { parseEntry, scanLines, type CorruptLine, type Tombstone } from './jsonl-format.js';

export type { CorruptLine } from './jsonl-format.js';

/**
 * Durable storage for dead letters.
 *
 * @example
 * ```ts
 * const store: DeadLetterStore = new JsonlDeadLetterStore('.agentflow/dead-letters.jsonl');
 * ```
 */
export interface DeadLetterStore {
  /** Stores one record (its `rev`, when set, tells this write apart from other writes of the same id). */
  append(record: DeadLetterRecord): void;
  /** The stored records, oldest first; at most the newest `limit` when given. */
  load(limit?: number): DeadLetterRecord[];
  /** Removes exactly these records (by id and `rev`): a later write of the same id survives. */
  remove(records: readonly DeadLetterRecord[]): void;
  /**
   * Runs `fn` while no other process can replay from or compact this store,
   * with the records stored now. Replay uses it so two replayers never
   * re-emit the same record.
   */
  exclusive?<T>(fn: (live: DeadLetterRecord[]) => T): T;
}

/**
 * Options for {@link JsonlDeadLetterStore}.
 *
 * @example
 * ```ts
 * new JsonlDeadLetterStore('dlq.jsonl', { maxFileBytes: 16 * 1024 * 1024 });
 * ```
 */
export interface JsonlDeadLetterStoreOptions {
  /**
   * When an append takes the file past this size, the file is compacted
   * (removed records and old tombstones dropped, corrupt lines moved to
   * `<file>.corrupt`); if the live records alone still exceed half of it, the
   * oldest move to `<file>.archive-<time>.jsonl`. Default 64 MiB.
   */
  maxFileBytes?: number;
  /** A line longer than this is never parsed: it counts as corrupt. Default 16 MiB. */
  maxLineBytes?: number;
  /** Mode of files this store creates. Default `0o600`: dead letters hold event payloads. */
  mode?: number;
}

/**
 * What reading the whole dead-letter file found.
 *
 * @example
 * ```ts
 * const { records, corruptCount } = new JsonlDeadLetterStore('dlq.jsonl').inspect();
 * ```
 */
export interface DeadLetterFileReport {
  /** Live records, oldest first. */
  records: DeadLetterRecord[];
  /** The first 20 corrupt lines. */
  corrupt: CorruptLine[];
  corruptCount: number;
  /** Older live records left out to honour the load limit. */
  leftOut: number;
  /** Bytes read (up to the last complete line). */
  bytes: number;
}

/**
 * What one compaction did.
 *
 * @example
 * ```ts
 * const r = store.compact();
 * if (r?.archived) console.log(`moved ${r.archived} old records to ${r.archivePath}`);
 * ```
 */
export interface CompactionReport {
  bytesBefore: number;
  bytesAfter: number;
  records: number;
  corruptMoved: number;
  archived: number;
  archivePath?: string;
}

const CHUNK = 1 << 20;
/** Tombstones younger than this survive compaction (a record re-appended late is still removed). */
const TOMBSTONE_KEEP_MS = 60_000;
const MAX_REPORTED = 20;

function errnoOf(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException | undefined)?.code;
}

/**
 * The dead-letter file. One JSON object per line: a record, or a tombstone
 * `{"af_tombstone": id, "rev": …}` that removes exactly that write of the
 * record. Several processes may append, purge and replay at once and none
 * loses another's records:
 * - appends are single `O_APPEND` writes, and an append that lands in a file
 *   a compaction just replaced is written again to the new file (records are
 *   keyed by id and rev, so a duplicate line is harmless);
 * - removal appends tombstones, so purge and replay never rewrite the file;
 * - only compaction rewrites, under `<file>.lock`, copying lines appended
 *   while it ran; corrupt lines (a torn write, a hand edit) are moved to
 *   `<file>.corrupt`, never dropped;
 * - reading streams in 1 MiB chunks with a per-line bound.
 *
 * @example
 * ```ts
 * const store = new JsonlDeadLetterStore('.agentflow/dead-letters.jsonl');
 * const dlq = new DeadLetterQueue({ store });
 * ```
 */
export class JsonlDeadLetterStore implements DeadLetterStore {
  readonly maxFileBytes: number;
  readonly maxLineBytes: number;
  private readonly mode: number;

  constructor(
    readonly path: string,
    options: JsonlDeadLetterStoreOptions = {},
  ) {
    this.maxFileBytes = options.maxFileBytes ?? 64 * 1024 * 1024;
    this.maxLineBytes = options.maxLineBytes ?? 16 * 1024 * 1024;
    this.mode = options.mode ?? 0o600;
    try {
      mkdirSync(dirname(path), { recursive: true });
    } catch (e) {
      throw new DeadLetterStoreError(path, 'create its directory', e);
    }
  }

  append(record: DeadLetterRecord): void {
    this.appendLine(JSON.stringify(record));
  }

  remove(records: readonly DeadLetterRecord[]): void {
    if (records.length === 0) return;
    const t = Date.now();
    const lines = records.map((r) => JSON.stringify(r.rev === undefined ? { af_tombstone: r.id, t } : { af_tombstone: r.id, rev: r.rev, t }));
    this.appendLine(lines.join('\n'));
  }

  load(limit?: number): DeadLetterRecord[] {
    return this.inspect(limit).records;
  }

  /**
   * Reads the whole file (streamed) and reports live records and corrupt
   * lines. Keeps at most the newest `limit` records in memory.
   */
  inspect(limit = Number.POSITIVE_INFINITY): DeadLetterFileReport {
    let fd: number;
    try {
      fd = openSync(this.path, 'r');
    } catch (e) {
      if (errnoOf(e) === 'ENOENT') return { records: [], corrupt: [], corruptCount: 0, leftOut: 0, bytes: 0 };
      throw new DeadLetterStoreError(this.path, 'open it for reading', e);
    }
    try {
      const r = this.read(fd, limit);
      return { records: [...r.live.values()], corrupt: r.corrupt, corruptCount: r.corruptCount, leftOut: r.leftOut, bytes: r.end };
    } catch (e) {
      throw new DeadLetterStoreError(this.path, 'read it', e);
    } finally {
      closeSync(fd);
    }
  }

  /**
   * Runs `fn` under `<file>.lock` (waiting up to `waitMs` for it, blocking)
   * with the live records as they are now; used by replay, so two replayers
   * never re-emit the same record.
   */
  exclusive<T>(fn: (live: DeadLetterRecord[]) => T, waitMs = 10_000): T {
    const deadline = Date.now() + waitMs;
    const nap = new Int32Array(new SharedArrayBuffer(4));
    let lock = tryLock(this.path);
    while (!lock) {
      if (Date.now() > deadline) throw new DeadLetterStoreError(this.path, 'lock it', new Error(`${this.path}.lock is held by another process (a replay or a compaction) for more than ${waitMs} ms`));
      Atomics.wait(nap, 0, 0, 10);
      lock = tryLock(this.path);
    }
    try {
      return fn(this.load());
    } finally {
      lock.release();
    }
  }

  /**
   * Rewrites the file without removed records and old tombstones, moving
   * corrupt lines to `<file>.corrupt` and, if the live records exceed half of
   * `maxFileBytes`, the oldest to an archive file. Returns `undefined` when
   * another process holds the lock (it is compacting).
   */
  compact(): CompactionReport | undefined {
    const lock = tryLock(this.path);
    if (!lock) return undefined;
    try {
      let fd: number;
      try {
        fd = openSync(this.path, 'r');
      } catch (e) {
        if (errnoOf(e) === 'ENOENT') return undefined;
        throw e;
      }
      try {
        return this.compactFrom(fd, () => lock.held());
      } finally {
        closeSync(fd);
      }
    } catch (e) {
      throw e instanceof DeadLetterStoreError ? e : new DeadLetterStoreError(this.path, 'compact it', e);
    } finally {
      lock.release();
    }
  }

  private compactFrom(fd: number, stillHeld: () => boolean): CompactionReport | undefined {
    const bad: Array<{ offset: number; length: number }> = [];
    const r = this.read(fd, Number.POSITIVE_INFINITY, bad);
    const now = Date.now();
    const live = [...r.live.values()].map((rec) => JSON.stringify(rec));
    let liveBytes = live.reduce((n, l) => n + Buffer.byteLength(l) + 1, 0);
    let archived = 0;
    let archivePath: string | undefined;
    if (liveBytes > this.maxFileBytes / 2) {
      const old: string[] = [];
      while (liveBytes > this.maxFileBytes / 2 && live.length > 0) {
        const l = live.shift()!;
        liveBytes -= Buffer.byteLength(l) + 1;
        old.push(l);
      }
      archivePath = `${this.path}.archive-${new Date(now).toISOString().replace(/[:.]/g, '-')}-${process.pid}.jsonl`;
      this.writeWhole(archivePath, old.join('\n') + '\n');
      archived = old.length;
    }
    if (bad.length > 0) this.moveAside(fd, bad);
    const tombs: string[] = [];
    for (const t of r.tombs) if (now - t.t < TOMBSTONE_KEEP_MS) tombs.push(JSON.stringify(t));
    const body = [...tombs, ...live];
    const tmp = `${this.path}.compact-${process.pid}-${randomBytes(4).toString('hex')}`;
    this.writeWhole(tmp, body.length ? body.join('\n') + '\n' : '');
    if (!stillHeld()) {
      unlinkSync(tmp);
      return undefined;
    }
    renameSync(tmp, this.path);
    // Lines appended to the old file while we read it: copy them over. Appends
    // that land in the old file after this are redone by their writer.
    const buf = Buffer.allocUnsafe(CHUNK);
    let pos = r.end;
    const out = openSync(this.path, 'a', this.mode);
    try {
      for (let n = readSync(fd, buf, 0, CHUNK, pos); n > 0; n = readSync(fd, buf, 0, CHUNK, pos)) {
        writeSync(out, buf, 0, n);
        pos += n;
      }
    } finally {
      closeSync(out);
    }
    return { bytesBefore: pos, bytesAfter: statSync(this.path).size, records: live.length, corruptMoved: bad.length, archived, archivePath };
  }

  private read(fd: number, limit: number, bad?: Array<{ offset: number; length: number }>) {
    const live = new Map<string, DeadLetterRecord>();
    const killed = new Map<string, Tombstone>();
    const tombs: Tombstone[] = [];
    const corrupt: CorruptLine[] = [];
    let corruptCount = 0;
    let leftOut = 0;
    let lineNo = 0;
    const end = scanLines(fd, 0, this.maxLineBytes, (line, offset, length) => {
      lineNo++;
      if (line !== undefined && line.length === 0) return;
      const entry = line === undefined ? `line longer than ${this.maxLineBytes} bytes` : parseEntry(line.toString('utf8'));
      if (typeof entry === 'string') {
        corruptCount++;
        if (corrupt.length < MAX_REPORTED) corrupt.push({ line: lineNo, offset, bytes: length, reason: entry });
        bad?.push({ offset, length });
        return;
      }
      if (entry.tomb) {
        const t = entry.tomb;
        tombs.push(t);
        if (t.rev === undefined) {
          live.delete(t.af_tombstone);
          return;
        }
        killed.set(`${t.af_tombstone}\0${t.rev}`, t);
        if (live.get(t.af_tombstone)?.rev === t.rev) live.delete(t.af_tombstone);
        return;
      }
      const rec = entry.record;
      if (rec.rev !== undefined && killed.has(`${rec.id}\0${rec.rev}`)) return;
      const prev = live.get(rec.id);
      if (prev !== undefined && prev.rev !== undefined && prev.rev === rec.rev) return;
      live.delete(rec.id);
      live.set(rec.id, rec);
      if (live.size > limit) {
        live.delete(live.keys().next().value as string);
        leftOut++;
      }
    });
    return { live, tombs, corrupt, corruptCount, leftOut, end };
  }

  private moveAside(fd: number, bad: ReadonlyArray<{ offset: number; length: number }>): void {
    const out = openSync(`${this.path}.corrupt`, 'a', this.mode);
    try {
      const buf = Buffer.allocUnsafe(CHUNK);
      for (const b of bad) {
        let done = 0;
        while (done < b.length) {
          const n = readSync(fd, buf, 0, Math.min(CHUNK, b.length - done), b.offset + done);
          if (n === 0) break;
          writeSync(out, buf, 0, n);
          done += n;
        }
        writeSync(out, '\n');
      }
      fsyncSync(out);
    } finally {
      closeSync(out);
    }
  }

  private writeWhole(path: string, text: string): void {
    const fd = openSync(path, 'w', this.mode);
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }

  private appendLine(text: string): void {
    const body = Buffer.from(text + '\n');
    const one = Buffer.alloc(1);
    let size = 0;
    for (let attempt = 0; ; attempt++) {
      let fd: number;
      try {
        fd = openSync(this.path, 'a+', this.mode);
      } catch (e) {
        throw new DeadLetterStoreError(this.path, 'open it for appending', e);
      }
      let landed = false;
      try {
        const before = fstatSync(fd);
        // A torn last line (a writer crashed mid-line) must not swallow this record.
        const torn = before.size > 0 && readSync(fd, one, 0, 1, before.size - 1) === 1 && one[0] !== 10;
        writeSync(fd, torn ? Buffer.concat([Buffer.from('\n'), body]) : body);
        const mine = fstatSync(fd);
        size = mine.size;
        try {
          const cur = statSync(this.path);
          landed = cur.ino === mine.ino && cur.dev === mine.dev;
        } catch {
          landed = false;
        }
      } catch (e) {
        throw new DeadLetterStoreError(this.path, 'append to it', e);
      } finally {
        closeSync(fd);
      }
      if (landed) break;
      // A compaction replaced the file under us: write again to the new one.
      if (attempt >= 8) throw new DeadLetterStoreError(this.path, 'append to it', new Error('the file was replaced 8 times in a row'));
    }
    if (size > this.maxFileBytes) this.compact();
  }
}
