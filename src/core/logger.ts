/**
 * Structured logging. agentflow logs through a small pino-compatible
 * interface; the default is a pino logger on stderr at level `info`
 * (override with `AGENTFLOW_LOG_LEVEL`). Nothing is logged or formatted per
 * event at `info`.
 * @module
 */
import { pino } from 'pino';

/**
 * One logging method: an object of fields and an optional message, or a message.
 *
 * @example
 * ```ts
 * logger.info({ agent: 'analyzer', durationMs: 12 }, 'agent finished');
 * ```
 */
export interface LogFn {
  (obj: object, msg?: string): void;
  (msg: string): void;
}

/**
 * The logger interface agentflow uses; a pino logger satisfies it.
 *
 * @example
 * ```ts
 * import { pino } from 'pino';
 * const runner = createRunner({ logger: pino({ level: 'debug' }) });
 * ```
 */
export interface Logger {
  level: string;
  trace: LogFn;
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
  fatal: LogFn;
  child(bindings: Record<string, unknown>): Logger;
  isLevelEnabled(level: string): boolean;
}

/**
 * Log levels, most verbose first.
 *
 * @example
 * ```ts
 * const level: LogLevel = 'debug';
 * ```
 */
export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';

/**
 * Creates agentflow's default logger: pino, JSON lines on stderr.
 *
 * @param level - defaults to `AGENTFLOW_LOG_LEVEL` or `info`
 * @example
 * ```ts
 * const logger = createLogger('debug');
 * logger.debug({ eventId }, 'dispatching');
 * ```
 */
export function createLogger(level?: LogLevel, options: { name?: string; pretty?: boolean; destination?: number | string } = {}): Logger {
  const lvl = level ?? (process.env.AGENTFLOW_LOG_LEVEL as LogLevel | undefined) ?? 'info';
  const dest = pino.destination({ dest: options.destination ?? 2, sync: true });
  const stream = options.pretty ? { write: (line: string) => dest.write(prettyLine(line)) } : dest;
  return pino({ name: options.name ?? 'agentflow', level: lvl }, stream) as unknown as Logger;
}

const LEVEL_NAMES: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO ', 40: 'WARN ', 50: 'ERROR', 60: 'FATAL' };
const SKIP = new Set(['level', 'time', 'pid', 'hostname', 'name', 'msg']);

/**
 * Renders one pino JSON line for people: `12:00:01.234 INFO  message key=value ...`.
 * Lines that are not JSON pass through unchanged.
 *
 * @example
 * ```ts
 * prettyLine('{"level":30,"time":0,"msg":"hi","agent":"a"}'); // '00:00:00.000 INFO  hi agent=a\n'
 * ```
 */
export function prettyLine(line: string): string {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  const time = typeof o.time === 'number' ? new Date(o.time).toISOString().slice(11, 23) : '';
  const fields = Object.entries(o)
    .filter(([k]) => !SKIP.has(k))
    .map(([k, v]) => `${k}=${typeof v === 'string' ? (/\s/.test(v) ? JSON.stringify(v) : v) : JSON.stringify(v)}`)
    .join(' ');
  return `${time} ${LEVEL_NAMES[o.level as number] ?? String(o.level)} ${String(o.msg ?? '')}${fields ? ` ${fields}` : ''}\n`;
}

/**
 * A logger that discards everything (for tests and benchmarks).
 *
 * @example
 * ```ts
 * const runner = createRunner({ logger: silentLogger() });
 * ```
 */
export function silentLogger(): Logger {
  return pino({ level: 'silent' }) as unknown as Logger;
}
