/**
 * Checks a Prometheus exposition with Debian's `promtool check metrics` (a
 * real parser and linter). Never skipped: without promtool this throws.
 */
import { spawnSync } from 'node:child_process';

export function promtoolCheck(exposition: string): { ok: boolean; output: string } {
  const r = spawnSync('promtool', ['check', 'metrics'], { input: exposition, encoding: 'utf8' });
  if (r.error) throw new Error(`promtool is not installed: the metrics tests need it (apt-get install -y prometheus; .ci/run installs it): ${r.error.message}`);
  return { ok: r.status === 0, output: `${r.stdout}${r.stderr}` };
}
