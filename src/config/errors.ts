/**
 * Configuration errors: every problem named by file, line, column and key.
 * @module
 */
import { AgentflowError, ErrorCodes } from '../core/errors.js';

/**
 * One problem in a configuration.
 *
 * @example
 * ```ts
 * const i: ConfigIssue = { file: 'agentflow.toml', line: 7, key: 'llm.temperature', message: 'expected a number', expected: 'number', received: 'string' };
 * ```
 */
export interface ConfigIssue {
  file?: string;
  line?: number;
  column?: number;
  /** Dotted key path, e.g. `agents.writer.temperature`. */
  key: string;
  message: string;
  expected?: string;
  received?: string;
}

/**
 * A non-fatal remark (an unknown key, an unsupported section, a secret in the file).
 *
 * @example
 * ```ts
 * for (const w of loaded.warnings) console.warn(formatIssue(w));
 * ```
 */
export type ConfigWarning = ConfigIssue;

/**
 * Renders an issue as `file:line:col key: message`.
 *
 * @example
 * ```ts
 * formatIssue({ file: 'a.toml', line: 3, key: 'llm.model', message: 'is required' }); // 'a.toml:3 llm.model: is required'
 * ```
 */
export function formatIssue(i: ConfigIssue): string {
  const where = [i.file ?? '(config)', i.line !== undefined ? String(i.line) : undefined, i.column !== undefined ? String(i.column) : undefined].filter(Boolean).join(':');
  return `${where} ${i.key}: ${i.message}`;
}

/**
 * A configuration is invalid. `issues` lists every problem found, each with
 * its location; the message lists them one per line.
 *
 * @example
 * ```ts
 * try { loadConfigSync('agentflow.toml') } catch (e) {
 *   if (e instanceof ConfigError) for (const i of e.issues) console.error(i.line, i.key, i.message);
 * }
 * ```
 */
export class ConfigError extends AgentflowError {
  readonly issues: ConfigIssue[];
  /** Warnings found along the way (unknown keys...). */
  readonly warnings: ConfigWarning[];
  constructor(issues: ConfigIssue[], file?: string, warnings: ConfigWarning[] = []) {
    super(ErrorCodes.CONFIG_INVALID, `invalid configuration${file ? ` ${file}` : ''} (${issues.length} problem${issues.length === 1 ? '' : 's'}):\n${issues.map((i) => `  ${formatIssue(i)}`).join('\n')}`, {
      details: { file, line: issues[0]?.line, key: issues[0]?.key },
    });
    this.issues = issues;
    this.warnings = warnings;
  }
}

/**
 * The configuration file does not exist or cannot be read.
 *
 * @example
 * ```ts
 * await loadConfig('missing.toml'); // throws ConfigNotFoundError naming the path
 * ```
 */
export class ConfigNotFoundError extends AgentflowError {
  constructor(path: string, cause?: unknown) {
    super(ErrorCodes.CONFIG_NOT_FOUND, `cannot read config file ${path}: ${(cause as Error)?.message ?? 'not found'} (create one with \`agentflow init\`)`, { cause, details: { file: path } });
  }
}
