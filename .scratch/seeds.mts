import { createRunnerFromConfig } from '../src/config/index.ts';
import { newEvent, silentLogger } from '../src/index.ts';
import * as mod from '../examples/tools/agents.ts';
for (const [temp, seed] of [[0.8, 1], [0.8, 2], [0.8, 3], [0.8, 4], [0.8, 5], [0.8, 6]]) {
  const runner = await createRunnerFromConfig({
    llm: { provider: 'llama-cpp', model_path: '/work/shared/models/stories260K.gguf', model: 's', temperature: temp, seed, max_tokens: 48, context_size: 2048 },
    agents: { assistant: { system_prompt: 'You answer weather questions. Use the tools; hand off to booking for trips.', tools: ['weather', 'to_fahrenheit'], handoffs: ['booking'], tool_choice: 'required', max_tool_rounds: 4 }, booking: { description: 'Books trips.' } },
  }, { agents: { booking: mod.booking }, tools: mod.tools as never, logger: silentLogger() });
  await runner.start();
  const parts: string[] = [];
  try {
    for await (const p of runner.stream(newEvent('assistant', { input: 'What is the weather in Oslo, in Fahrenheit?' }))) {
      if (p.kind === 'tool_call') parts.push(`${p.tool}${p.arguments}`);
      if (p.kind === 'handoff') parts.push(`handoff:${p.to}`);
      if (p.kind === 'done') parts.push(`done:${JSON.stringify(p.result.state.get('response'))}`);
    }
  } catch (e) { parts.push(`ERR ${(e as Error).message}`); }
  console.log(temp, seed, parts.join(' | '));
  await runner.stop();
}
