import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { main, ExitCode } from '../../src/cli/main.js';

const root = resolve(new URL('../../', import.meta.url).pathname);

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(args, { out: (s) => (out += s), err: (s) => (err += s) });
  return { code, out, err };
}

const tmp = () => mkdtempSync(join(tmpdir(), 'af-cli-'));

test('--help and --version', async () => {
  const h = await cli(['--help']);
  assert.equal(h.code, 0);
  assert.match(h.out, /init \[dir\]/);
  assert.match(h.out, /validate/);
  const v = await cli(['--version']);
  assert.equal(v.out.trim(), JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version);
});

test('validate: the seed files pass; a broken file reports every error with file:line and exits 2; a missing file exits 64', async () => {
  for (const f of ['examples/config/message-passing-demo.toml', 'examples/config/message-passing-system.toml', 'examples/config/offline-llama.toml']) {
    const r = await cli(['validate', join(root, f)]);
    assert.equal(r.code, ExitCode.Ok, `${f}: ${r.err}`);
    assert.match(r.out, /valid/);
  }
  const dir = tmp();
  const bad = join(dir, 'agentflow.toml');
  writeFileSync(bad, '[llm]\ntemperature = "hot"\n\n[orchestration]\nmode = "paralel"\n\n[agents.a]\nrole = "x"\nflavour = "mint"\n');
  const r = await cli(['validate', bad]);
  assert.equal(r.code, ExitCode.InvalidConfig);
  assert.match(r.err, new RegExp(`${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:2 llm\\.temperature: expected number`));
  assert.match(r.err, /:5 orchestration\.mode: unknown orchestration mode "paralel"/);
  assert.match(r.err, /:9 agents\.a\.flavour: unknown key "flavour" in \[agents\.a\]/);
  const lenient = await cli(['validate', bad, '--lenient']);
  assert.match(lenient.err, /warning .*:9 agents\.a\.flavour: unknown key/);
  const noPrompt = join(dir, 'np.toml');
  writeFileSync(noPrompt, '[agents.writer]\nrole = "w"\n');
  const np = await cli(['validate', noPrompt]);
  assert.equal(np.code, ExitCode.InvalidConfig);
  assert.match(np.err, /agents\.writer\.system_prompt/);
  const missing = await cli(['validate', join(dir, 'nope.toml')]);
  assert.equal(missing.code, ExitCode.Usage);
});

test('agents lists declared agents with kind and provider', async () => {
  const r = await cli(['agents', '-c', join(root, 'examples/config/offline-llama.toml'), '--json']);
  assert.equal(r.code, 0);
  const rows = JSON.parse(r.out) as { name: string; kind: string; provider: string }[];
  assert.deepEqual(rows.map((x) => [x.name, x.kind, x.provider]), [
    ['processor', 'llm', 'llama-cpp/stories260K'],
    ['analyzer', 'llm', 'llama-cpp/stories260K'],
  ]);
});

test('run: the seed config with provider llama-cpp runs offline and prints the result and trace; --json', async () => {
  const r = await cli(['run', '-c', join(root, 'examples/config/offline-llama.toml'), '--input', 'Once upon a time', '--session', 'cli-s']);
  assert.equal(r.code, 0, r.err);
  assert.ok(r.out.trim().length > 10);
  assert.match(r.err, /\[processor\] /, 'progress: streamed tokens');
  assert.match(r.err, /trace \(session cli-s\)/);
  const j = await cli(['run', '-c', join(root, 'examples/config/offline-llama.toml'), '--input', 'Tom', '--json']);
  assert.equal(j.code, 0);
  const parsed = JSON.parse(j.out) as { status: string; state: { response: string; usage: Record<string, unknown> }; trace: unknown[]; metadata: Record<string, string>; outcomes: { agentId: string; status: string }[] };
  assert.equal(parsed.status, 'completed');
  const ends = (parsed.trace as { type: string; agentId: string; status: string }[]).filter((e) => e.type === 'event_end');
  assert.deepEqual(parsed.outcomes.map((o) => [o.agentId, o.status]), ends.map((e) => [e.agentId, e.status]), 'one outcome per finished event, with the names the text prints');
  assert.equal(typeof parsed.metadata.session_id, 'string', 'the output metadata');
  assert.ok(!Object.keys(parsed.metadata).some((k) => k.startsWith('af_')), 'no internal marks');
  assert.equal(typeof parsed.state.response, 'string');
  assert.ok(parsed.state.usage.processor && parsed.state.usage.analyzer);
  assert.ok(parsed.trace.length >= 1);
  const q = await cli(['run', '-c', join(root, 'examples/config/offline-llama.toml'), '--input', 'Tom', '-q']);
  assert.equal(q.code, 0);
  assert.equal(q.err, '', '-q: no progress, no trace summary, no warnings');
  assert.equal(q.out.trim(), parsed.state.response.trim(), 'only the result');
});

test('init scaffolds a project that runs as created (run, its own npm test); a failing flow exits 1 and lands in the dead-letter file; dlq list/show/replay/purge', async () => {
  const dir = join(tmp(), 'my-flow');
  const init = await cli(['init', dir]);
  assert.equal(init.code, 0);
  for (const f of ['agentflow.toml', 'agents.mjs', 'test/flow.test.mjs', 'README.md', 'package.json']) assert.ok(existsSync(join(dir, f)), f);
  const dep = (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { dependencies: { agentflow: string } }).dependencies.agentflow;
  assert.match(dep, /^file:\.\.?\//, `a relative file: dependency, not an absolute path (${dep})`);
  assert.match(readFileSync(join(dir, 'README.md'), 'utf8'), /installed from `\.\.?\/[^`]*`/, 'the README names the relative path, no absolute one');
  const cfg = join(dir, 'agentflow.toml');
  assert.equal((await cli(['validate', cfg])).code, 0);
  const run = await cli(['run', '-c', cfg, '--input', 'Ada']);
  assert.equal(run.code, 0, run.err);
  assert.equal(run.out.trim(), 'Hello, Ada! Welcome to agentflow.');
  // Its own test passes against this agentflow (installed from the local path, offline).
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--offline'], { cwd: dir, stdio: 'pipe' });
  const env = { ...process.env };
  delete env.NODE_TEST_CONTEXT; // run it as a top-level test run, not as our child
  const t = spawnSync(process.execPath, ['--test', 'test/flow.test.mjs'], { cwd: dir, encoding: 'utf8', env });
  assert.equal(t.status, 0, t.stdout + t.stderr);
  assert.match(t.stdout, /# pass 1/);

  // Break the formatter: the run fails (exit 1) and the event is dead-lettered to the file.
  writeFileSync(join(dir, 'agents.mjs'), `export function greeter(ctx, event, state) { return state.clone().set('greeting', 'hi'); }\nexport function formatter() { throw new Error('formatter is broken'); }\n`);
  const failed = await cli(['run', '-c', cfg, '--input', 'Ada', '--session', 'broken']);
  assert.equal(failed.code, ExitCode.Failed);
  assert.match(failed.out, /^failed \(agent_error, agent formatter, event [0-9a-f]{8}\): formatter is broken \[AF_ERR_AGENT_FAILED\]$/m, 'one line, the event id once');
  assert.ok(!/event [0-9a-f-]{36}/.test(failed.out), failed.out);
  const list = await cli(['dlq', 'list', '-c', cfg, '--json']);
  const recs = JSON.parse(list.out) as { id: string; reason: string; sessionId: string }[];
  assert.equal(recs.length, 1);
  assert.equal(recs[0]!.sessionId, 'broken');
  const show = await cli(['dlq', 'show', recs[0]!.id, '-c', cfg]);
  assert.match(show.out, /formatter is broken/);
  const short = await cli(['dlq', 'show', recs[0]!.id.slice(0, 8), '-c', cfg]);
  assert.equal(short.out, show.out, 'the short id a trace prints finds the record');
  assert.equal((await cli(['dlq', 'show', 'zz', '-c', cfg])).code, ExitCode.Failed, 'too short to be a prefix');
  // Replayed while still broken: it fails again, counted by id, exit 1 (it used to report "0 failed again" and exit 0).
  const again = await cli(['dlq', 'replay', '-c', cfg]);
  assert.equal(again.code, ExitCode.Failed, again.err + again.out);
  assert.match(again.out, /replayed 1 dead letter; 1 failed again/);
  // Fix it, replay from the file: accepted, removed.
  writeFileSync(join(dir, 'agents.mjs'), `export function greeter(ctx, event, state) { return state.clone().set('greeting', 'hi'); }\nexport function formatter(ctx, event, state) { return state.clone().set('response', 'fixed'); }\n`);
  const replay = await cli(['dlq', 'replay', '-c', cfg]);
  assert.equal(replay.code, 0, replay.err + replay.out);
  assert.match(replay.out, /replayed 1 dead letter; 0 failed again/);
  assert.match((await cli(['dlq', 'list', '-c', cfg])).out, /no dead letters/);
  // Purge.
  writeFileSync(join(dir, 'agents.mjs'), `export function greeter() { throw new Error('down'); }\nexport function formatter(ctx, e, s) { return s; }\n`);
  await cli(['run', '-c', cfg, '--input', 'x']);
  await cli(['run', '-c', cfg, '--input', 'y']);
  // Purge asks for --yes; --reason is checked; validate takes -c like every command; list keeps the whole cause.
  const dry = await cli(['dlq', 'purge', '-c', cfg, '--reason', 'agent_error']);
  assert.equal(dry.code, ExitCode.Usage);
  assert.match(dry.err, /would purge 2 dead letters; nothing deleted: pass --yes/);
  const typo = await cli(['dlq', 'list', '-c', cfg, '--reason', 'agent_eror']);
  assert.equal(typo.code, ExitCode.Usage);
  assert.match(typo.err, /"agent_eror" is not a failure reason/);
  assert.equal((await cli(['validate', '-c', cfg])).code, 0);
  assert.match((await cli(['dlq', 'purge', '-c', cfg, '--reason', 'agent_error', '--yes'])).out, /purged 2 dead letters/);
});

test('the installed bin works: node bin/agentflow.mjs --help', () => {
  const r = spawnSync(process.execPath, [join(root, 'bin/agentflow.mjs'), '--help'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /Usage: agentflow/);
});

test('run: Ctrl-C (SIGINT) stops gracefully, ends the running event as shutdown, exits 130', async () => {
  const dir = tmp();
  writeFileSync(join(dir, 'agentflow.toml'), '[runtime]\nstop_timeout_seconds = 0.2\n\n[agents.slow]\nrole = "slow"\n');
  writeFileSync(
    join(dir, 'agents.mjs'),
    `export function slow(ctx, event, state) {\n  process.stderr.write('slow agent started\\n');\n  return new Promise((resolve, reject) => {\n    const t = setTimeout(() => resolve(state), 20000);\n    ctx.signal.addEventListener('abort', () => { clearTimeout(t); reject(ctx.signal.reason); });\n  });\n}\n`,
  );
  const { spawn } = await import('node:child_process');
  const child = spawn(process.execPath, [join(root, 'bin/agentflow.mjs'), 'run', '-c', join(dir, 'agentflow.toml'), '--input', 'x'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => {
    err += d;
    if (err.includes('slow agent started') && !child.killed) child.kill('SIGINT');
  });
  const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
  assert.equal(code, ExitCode.Interrupted, err);
  assert.match(err, /interrupted: stopping gracefully/);
  assert.match(out + err, /shutdown/);
});
