import { LlamaCppProvider } from '/work/main/src/providers/llama-cpp.ts';
const p = new LlamaCppProvider({ model: 's', modelPath: '/work/shared/models/stories260K.gguf' });
const tools = [{ name: 'weather', description: 'Current weather in a city.', parameters: { type: 'object', properties: { city: { type: 'string' }, days: { type: 'integer' } }, required: ['city'] } },
 { name: 'add', description: 'Adds numbers.', parameters: { type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } }, required: ['a','b'] } }];
for (const choice of ['required', 'auto', { name: 'add' }] as const) {
  const t0 = Date.now();
  const r = await p.chat({ messages: [{ role: 'system', content: 'You help.' }, { role: 'user', content: 'What is the weather in Oslo?' }], tools, toolChoice: choice as any, temperature: 0, seed: 1 });
  console.log(JSON.stringify(choice), Date.now() - t0, 'ms', JSON.stringify(r));
}
const r2 = await p.chat({ messages: [{ role: 'user', content: 'Weather?' }, { role: 'assistant', content: '', toolCalls: [{ id: 'c1', name: 'weather', arguments: '{"city":"Oslo"}' }] }, { role: 'tool', content: '{"temp":4}', toolCallId: 'c1', toolName: 'weather' }], tools, toolChoice: 'auto', temperature: 0, seed: 1 });
console.log(JSON.stringify(r2));
await p.close();
