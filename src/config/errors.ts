/**
 * Configuration errors and warnings: every problem named by file, line,
 * column and dotted key.
 * @module
 */
import { AgentflowError, ErrorCodes, type ErrorCode } from '../core/errors.js';

/**
 * One problem in a configuration. `key` is the dotted path of the offending
 * key as it appears in the file (`agents.writer.llm.temperature`,
 * `orchestration.mode`); `line`/`column` are 1-based and present when the
 * configuration came from TOML text.
 *
 * @example
 * ```ts
 * const issue: ConfigIssue = {
 *   file: 'agentflow.toml', line: 7, column: 1, key: 'llm.temperature',
 *   message: 'expected a number, got string "hot"', expected: 'number', received: 'string "hot"',
 * };
 * ```
 */
export interface ConfigIssue {
  file?: string;
  line?: number;
  column?: number;
  /** Dotted key path, e.g. `agents.writer.temperature`. */
  key: string;
  message: string;
  /** What the schema wanted (`number`, `one of route|sequential`, `>= 0`...). */
  expected?: string;
  /** What the file had (`string "hot"`, `number 9`...). */
  received?: string;
  /**
   * Stable code of this problem: `AF_ERR_CONFIG_INVALID`, or
   * `AF_ERR_UNKNOWN_ORCHESTRATION_MODE` for an unknown `[orchestration] mode`.
   */
  code?: ErrorCode;
}

/**
 * A non-fatal remark about a configuration: an unknown key, an unsupported
 * section, a secret written in the file, a setting that has no effect.
 *
 * @example
 * ```ts
 * const { warnings } = parseConfig(text, { file: 'agentflow.toml' });
 * for (const w of warnings) console.warn(formatIssue(w)); // agentflow.toml:3:1 llm.colour: unknown key "colour" in [llm]; it is ignored
 * ```
 */
export interface ConfigWarning {
  file?: string;
  line?: number;
  column?: number;
  /** Dotted key path of what the warning is about. */
  key: string;
  message: string;
}

/**
 * Renders an issue or warning as `file:line:col key: message`. Parts that are
 * unknown are left out: an issue about a config given as an object renders
 * as `key: message`; TOML text parsed without a file name shows `<toml>`.
 *
 * @example
 * ```ts
 * formatIssue({ file: 'a.toml', line: 3, column: 1, key: 'llm.model', message: 'must not be empty' }); // 'a.toml:3:1 llm.model: must not be empty'
 * formatIssue({ key: 'llm.model', message: 'must not be empty' }); // 'llm.model: must not be empty'
 * ```
 */
export function formatIssue(issue: ConfigIssue | ConfigWarning): string {
  const parts: string[] = [];
  if (issue.file !== undefined || issue.line !== undefined) parts.push(issue.file ?? '<toml>');
  if (issue.line !== undefined) parts.push(String(issue.line));
  if (issue.line !== undefined && issue.column !== undefined) parts.push(String(issue.column));
  const where = parts.join(':');
  // Bounded: a huge value echoed in a message must not make the report huge.
  const key = issue.key.length > 200 ? `${issue.key.slice(0, 200)}…` : issue.key;
  const message = issue.message.length > 600 ? `${issue.message.slice(0, 600)}… (${issue.message.length} characters)` : issue.message;
  return `${where ? `${where} ` : ''}${key}: ${message}`;
}

/**
 * Issues listed in a message or report; the rest are counted.
 *
 * @example
 * ```ts
 * if (err.issues.length > MAX_LISTED_ISSUES) console.error('see err.issues for all of them');
 * ```
 */
export const MAX_LISTED_ISSUES = 100;

/**
 * The first {@link MAX_LISTED_ISSUES} issues formatted (with `prefix`), and a
 * line counting the rest.
 *
 * @example
 * ```ts
 * console.error(formatIssues(err.issues, '  error   '));
 * ```
 */
export function formatIssues(issues: readonly (ConfigIssue | ConfigWarning)[], prefix = ''): string {
  const lines = issues.slice(0, MAX_LISTED_ISSUES).map((i) => `${prefix}${formatIssue(i)}`);
  if (issues.length > MAX_LISTED_ISSUES) lines.push(`${prefix}… and ${issues.length - MAX_LISTED_ISSUES} more`);
  return lines.join('\n');
}

/**
 * A configuration is invalid. `issues` lists every problem found (not only
 * the first), in file order; the message has a heading line, then every
 * issue as `file:line:col key: message`, one per line. `warnings` holds the
 * warnings found along the way. `code` is `AF_ERR_CONFIG_INVALID`.
 *
 * @example
 * ```ts
 * try {
 *   loadConfigSync('agentflow.toml');
 * } catch (err) {
 *   if (err instanceof ConfigError) for (const i of err.issues) console.error(i.line, i.key, i.message);
 * }
 * ```
 */
export class ConfigError extends AgentflowError {
  /** Every problem, each with its key and (from TOML text) its location. */
  readonly issues: ConfigIssue[];
  /** Warnings found along the way (unknown keys, unsupported sections...). */
  readonly warnings: ConfigWarning[];
  /** The file the configuration came from, when there is one. */
  readonly file: string | undefined;

  constructor(issues: ConfigIssue[], file?: string, warnings: ConfigWarning[] = []) {
    const n = issues.length;
    const heading = `invalid configuration${file ? ` in ${file}` : ''} (${n} problem${n === 1 ? '' : 's'}):`;
    super(ErrorCodes.CONFIG_INVALID, `${heading}\n${formatIssues(issues)}`, {
      details: { file, line: issues[0]?.line, column: issues[0]?.column, key: issues[0]?.key, issueCount: n },
    });
    this.issues = issues;
    this.warnings = warnings;
    this.file = file;
  }
}

/**
 * The configuration file does not exist or cannot be read. `code` is
 * `AF_ERR_CONFIG_NOT_FOUND`; `path` and the message name the file.
 *
 * @example
 * ```ts
 * try {
 *   await loadConfig('missing.toml');
 * } catch (err) {
 *   if (err instanceof ConfigNotFoundError) console.error(err.path); // 'missing.toml'
 * }
 * ```
 */
export class ConfigNotFoundError extends AgentflowError {
  /** The path that was asked for. */
  readonly path: string;

  constructor(path: string, cause?: unknown) {
    const code = (cause as NodeJS.ErrnoException | undefined)?.code;
    const message =
      code === undefined || code === 'ENOENT'
        ? `config file not found: ${path} (create one with \`agentflow init\`)`
        : `cannot read config file ${path}: ${(cause as Error).message}`;
    super(ErrorCodes.CONFIG_NOT_FOUND, message, { cause, details: { file: path, path } });
    this.path = path;
  }
}
