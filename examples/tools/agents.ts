/**
 * The code side of examples/tools: the tools the assistant may call (the
 * `tools` export) and the `booking` agent it may hand off to.
 */
import { z } from 'zod';
import { defineTool } from '../../src/agents/index.js';
import type { AgentContext, Event, State } from '../../src/index.js';

/** A made-up weather service: a deterministic temperature per city. */
export const weather = defineTool({
  name: 'weather',
  description: 'The current temperature in a city, in degrees Celsius.',
  input: z.object({ city: z.string().min(1).describe('City name') }),
  timeoutMs: 2_000,
  run: ({ city }) => {
    const celsius = [...city.toLowerCase()].reduce((n, c) => (n * 31 + c.charCodeAt(0)) % 40, 7) - 5;
    return { city, celsius };
  },
});

export const toFahrenheit = defineTool({
  name: 'to_fahrenheit',
  description: 'Converts degrees Celsius to Fahrenheit.',
  input: z.object({ celsius: z.number() }),
  run: ({ celsius }) => ({ fahrenheit: Math.round((celsius * 9) / 5 + 32) }),
});

export const tools = [weather, toFahrenheit];

/** The handoff target: records that it took over. */
export function booking(ctx: AgentContext, event: Event, state: State): State {
  ctx.logger.info({ from: event.getSourceAgentId() }, 'booking took over');
  return state.clone().set('booked', true).set('handled_by', 'booking');
}
