/**
 * Traces that survive the process: a JSON-lines trace file, rotated by size
 * and bounded in count, written in batches off the hot path.
 * @module
 */
import { closeSync, existsSync, fstatSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { InMemoryTraceLogger, type TraceEntry, type TraceLogger } from '../core/trace.js';

/**
 * Options for {@link FileTraceLogger}.
 *
 * @example
 * ```ts
 * new FileTraceLogger('traces.jsonl', { maxFileBytes: 8 * 1024 * 1024, maxFiles: 3 });
 * ```
 */
export interface FileTraceLoggerOptions {
  /** Rotate when the file passes this size: `f` → `f.1` → … → `f.<maxFiles-1>`. Default 16 MiB. */
  maxFileBytes?: number;
  /** Files kept, the current one included (the oldest is deleted). Default 4. */
  maxFiles?: number;
  /** Entries waiting to be written; past it, new entries are dropped and counted (never blocking the runner). Default 100,000. */
  maxBuffered?: number;
  /** Also keep entries here, for `getTrace` (default: a bounded {@link InMemoryTraceLogger}). */
  memory?: TraceLogger;
  /** Called once when entries start being dropped (the writer cannot keep up). */
  onDrop?: (dropped: number) => void;
}

/**
 * A {@link TraceLogger} that appends every entry to a JSON-lines file (in
 * batches, once per event-loop turn) and keeps the recent ones in memory for
 * `dumpTrace`. Rotated by size, bounded in files; entries it could not write
 * are counted in {@link FileTraceLogger.dropped}.
 *
 * @example
 * ```ts
 * const traces = new FileTraceLogger('.agentflow/traces.jsonl');
 * const runner = createRunner({ traceLogger: traces });
 * // ... later, in another process:
 * readTraceFile('.agentflow/traces.jsonl', 'session-1');
 * ```
 */
export class FileTraceLogger implements TraceLogger {
  private readonly maxFileBytes: number;
  private readonly maxFiles: number;
  private readonly maxBuffered: number;
  private readonly memory: TraceLogger;
  private readonly onDrop: ((n: number) => void) | undefined;
  private buffer: string[] = [];
  private scheduled = false;
  private size = -1;
  /** Entries not written because the buffer was full or the file could not be written. */
  dropped = 0;

  constructor(
    readonly path: string,
    options: FileTraceLoggerOptions = {},
  ) {
    this.maxFileBytes = options.maxFileBytes ?? 16 * 1024 * 1024;
    this.maxFiles = Math.max(1, options.maxFiles ?? 4);
    this.maxBuffered = options.maxBuffered ?? 100_000;
    this.memory = options.memory ?? new InMemoryTraceLogger();
    this.onDrop = options.onDrop;
    mkdirSync(dirname(path), { recursive: true });
  }

  log(entry: TraceEntry): void {
    this.memory.log(entry);
    if (this.buffer.length >= this.maxBuffered) {
      if (this.dropped++ === 0) this.onDrop?.(1);
      return;
    }
    this.buffer.push(JSON.stringify(entry));
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  getTrace(sessionId: string): TraceEntry[] {
    return this.memory.getTrace(sessionId);
  }

  /** Writes what is buffered now (also called once per event-loop turn). */
  flush(): void {
    this.scheduled = false;
    if (this.buffer.length === 0) return;
    const lines = this.buffer;
    this.buffer = [];
    try {
      const fd = openSync(this.path, 'a', 0o600);
      try {
        if (this.size < 0) this.size = fstatSync(fd).size;
        const chunk = `${lines.join('\n')}\n`;
        writeSync(fd, chunk);
        this.size += Buffer.byteLength(chunk);
      } finally {
        closeSync(fd);
      }
      if (this.size > this.maxFileBytes) this.rotate();
    } catch {
      if (this.dropped === 0) this.onDrop?.(lines.length);
      this.dropped += lines.length;
    }
  }

  private rotate(): void {
    const last = `${this.path}.${this.maxFiles - 1}`;
    if (this.maxFiles === 1) rmSync(this.path, { force: true });
    else {
      rmSync(last, { force: true });
      for (let i = this.maxFiles - 2; i >= 1; i--) if (existsSync(`${this.path}.${i}`)) renameSync(`${this.path}.${i}`, `${this.path}.${i + 1}`);
      renameSync(this.path, `${this.path}.1`);
    }
    this.size = 0;
  }
}

/**
 * Reads a trace file and its rotated predecessors (oldest first), keeping
 * the entries of `sessionId` (all sessions when omitted). Unreadable lines
 * are skipped and counted.
 *
 * @example
 * ```ts
 * const { entries, skipped } = readTraceFile('.agentflow/traces.jsonl', 'run-1');
 * ```
 */
export function readTraceFile(path: string, sessionId?: string): { entries: TraceEntry[]; skipped: number } {
  const files: string[] = [];
  for (let i = 64; i >= 1; i--) if (existsSync(`${path}.${i}`)) files.push(`${path}.${i}`);
  if (existsSync(path)) files.push(path);
  const entries: TraceEntry[] = [];
  let skipped = 0;
  for (const f of files) {
    for (const line of readFileSync(f, 'utf8').split('\n')) {
      if (line === '') continue;
      try {
        const e = JSON.parse(line) as TraceEntry;
        if (typeof e !== 'object' || e === null || typeof e.eventId !== 'string') throw new Error('not an entry');
        if (sessionId === undefined || e.sessionId === sessionId) entries.push(e);
      } catch {
        skipped++;
      }
    }
  }
  return { entries, skipped };
}
