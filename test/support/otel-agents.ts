// Code agents for the cross-process tracing test: `fan` emits one `leaf`
// per session (so leaves spread over the workers' partitions); `leaf`
// stamps its worker's pid on the active span (the user's own OTel call,
// which must land on agentflow's invoke_agent span).
import { trace } from '@opentelemetry/api';
import { newEvent, type AgentContext, type Event, type State } from '../../src/index.js';

export function fan(ctx: AgentContext, _event: Event, state: State): State {
  for (let i = 0; i < 8; i++) ctx.emit(newEvent('leaf', { i }, { session_id: `leaf-${i}` }));
  return state;
}

export async function leaf(_ctx: AgentContext, _event: Event, state: State): Promise<State> {
  trace.getActiveSpan()?.setAttribute('worker.pid', process.pid);
  await new Promise((r) => setTimeout(r, 10));
  return state;
}
