import { parseConfig } from '../src/config/index.ts';
try {
  const r = parseConfig('[llm]\nprovider = "openai"\nbase_url = "${URL}"\napi_key = "${OPENAI_API_KEY}"\ntemperature = "${TEMP}"\n', { env: { URL: 'ftp://user:hunter2@x', OPENAI_API_KEY: 'sk-secret123', TEMP: 'hot-SECRET' } });
  console.log('ok', r.warnings);
} catch (e) { console.log(String((e as Error).message)); }
const r2 = parseConfig('[llm]\nprovider = "openai"\napi_key = "${OPENAI_API_KEY}"\n', { env: { OPENAI_API_KEY: 'sk-secret123' } });
console.log(JSON.stringify(r2.warnings));
