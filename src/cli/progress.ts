/**
 * What `agentflow run` prints while a flow runs: the stream of its chain.
 * @module
 */
import type { StreamPart } from '../runner/stream.js';

/**
 * Prints stream parts as progress lines on stderr: each agent's tokens
 * under its name, tool calls and results, handoffs, and one line per
 * finished event.
 *
 * @example
 * ```ts
 * const show = progressPrinter((s) => process.stderr.write(s));
 * for await (const part of runner.stream(event)) show(part);
 * ```
 */
export function progressPrinter(write: (s: string) => void): (part: StreamPart) => void {
  let lastAgent = '';
  let midLine = false;
  const line = (s: string) => {
    write(`${midLine ? '\n' : ''}${s}\n`);
    midLine = false;
  };
  return (p) => {
    switch (p.kind) {
      case 'token':
        if (p.agentId !== lastAgent || !midLine) write(`${midLine ? '\n' : ''}[${p.agentId}] `);
        lastAgent = p.agentId;
        write(p.text);
        midLine = true;
        return;
      case 'tool_call':
        line(`  ⚙ ${p.agentId} calls ${p.tool} ${clip(p.arguments, 100)}`);
        return;
      case 'tool_result':
        line(`  ⚙ ${p.tool} ${p.ok ? 'returned' : `failed${p.error ? ` (${p.error.code})` : ''}`} in ${p.durationMs} ms: ${clip(p.result ?? p.error?.message ?? '', 100)}`);
        return;
      case 'handoff':
        line(p.accepted ? `  ⇢ ${p.agentId} hands off to ${p.to}` : `  ⇢ ${p.agentId} tried to hand off to ${p.to}: ${p.reason ?? 'refused'}`);
        return;
      case 'outcome': {
        const o = p.outcome;
        line(`· ${o.agentId || '(none)'} ${o.status}${o.reason ? ` (${o.reason})` : ''} in ${o.durationMs} ms`);
        return;
      }
      default:
        return;
    }
  };
}

function clip(s: string, n: number): string {
  const one = s.replace(/\s+/g, ' ');
  return one.length > n ? `${one.slice(0, n)}…` : one;
}
