/**
 * The `agentflow` command's exit codes.
 * @module
 */
/**
 * Exit codes of the CLI, for scripts.
 *
 * @example
 * ```ts
 * if (code === ExitCode.InvalidConfig) console.error('fix agentflow.toml');
 * ```
 */
export const ExitCode = {
  Ok: 0,
  /** The flow ran and an event failed. */
  Failed: 1,
  /** The configuration is invalid (validate) or cannot be used. */
  InvalidConfig: 2,
  /** Bad usage, missing file. */
  Usage: 64,
  /** Interrupted (Ctrl-C). */
  Interrupted: 130,
} as const;
