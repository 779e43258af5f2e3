// Code agents for the `agentflow run|dlq --redis` test: `echo` answers,
// and fails for good on the input "fail" (so it lands in the dead-letter stream).
import { UnrecoverableError, type AgentContext, type Event, type State } from '../../src/index.js';

export function echo(_ctx: AgentContext, event: Event, state: State): State {
  const input = String(event.getData().input ?? '');
  if (input === 'fail') throw new UnrecoverableError('echo refuses "fail"');
  return state.clone().set('response', `echo: ${input} (pid ${process.pid})`);
}
