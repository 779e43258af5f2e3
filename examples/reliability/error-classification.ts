/**
 * The seed's ErrorClassifier and advanced error handler, reduced to the
 * built-ins: `classifyError` (by error code, HTTP status and cause, keywords
 * last) and `errorRouting`, which sends failures to handler agents by
 * category or severity with the original session kept.
 *
 * Run: npx tsx examples/reliability/error-classification.ts
 */
import { pathToFileURL } from 'node:url';
import { createRunner, newEvent, UnrecoverableError, type Logger } from '../../src/index.js';
import { classifyError, errorRouting } from '../../src/reliability/index.js';

export async function runClassificationExample(logger?: Logger) {
  const samples = {
    timeout: new Error('request timeout after 30s'),
    connection: Object.assign(new Error('socket closed'), { code: 'ECONNRESET' }),
    rate_limit: Object.assign(new Error('slow down'), { status: 429 }),
    validation: new UnrecoverableError('validation failed: missing dataset_id'),
    authorization: Object.assign(new Error('nope'), { status: 403 }),
  };
  const verdicts = Object.fromEntries(Object.entries(samples).map(([k, e]) => [k, classifyError(e)]));

  const runner = createRunner({ logger });
  const handled: { handler: string; category: string; severity: string; session: string }[] = [];
  for (const h of ['error_handler', 'security_team']) {
    runner.registerAgent(h, (ctx, event, state) => {
      const d = event.getData();
      handled.push({ handler: h, category: String(d.error_category), severity: String(d.severity), session: event.getSessionId() });
      return state;
    });
  }
  runner.registerAgent('api_client', (ctx, event) => {
    throw samples[event.getData().fail as keyof typeof samples];
  });
  errorRouting(runner, { severityHandlers: { critical: 'security_team' } });
  await runner.start();
  for (const fail of ['connection', 'authorization']) await runner.run(newEvent('api_client', { fail }, { session_id: `cls-${fail}` })).catch(() => undefined);
  await runner.drain();
  await runner.stop();
  return { verdicts, handled };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const r = await runClassificationExample();
  for (const [k, v] of Object.entries(r.verdicts)) console.log(`${k.padEnd(14)} → ${v.category}, ${v.severity}, ${v.retryable ? 'retry' : 'do not retry'}`);
  for (const h of r.handled) console.log(`routed ${h.category}/${h.severity} failure of ${h.session} to ${h.handler}`);
}
