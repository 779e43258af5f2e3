/**
 * MCP: a real MCP server (written with @modelcontextprotocol/sdk) over stdio,
 * started by the runner from agentflow.toml, and over streamable HTTP on
 * 127.0.0.1; the model is the real tiny one behind the protocol server.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { AgentflowError, ErrorCodes, EventFailedError, newEvent } from '../../src/index.js';
import { createRunnerFromConfig, ConfigError } from '../../src/config/index.js';
import { McpConnection } from '../../src/agents/mcp/index.js';
import { startProtocolServer, type ProtocolServer } from '../support/protocol-server.js';
import { startMcpHttpServer } from '../support/mcp-server.js';
import { cli } from '../support/cli.js';
import { silentLogger } from '../../src/core/logger.js';

const ROOT = resolve(new URL('../../', import.meta.url).pathname);
const SERVER = join(ROOT, 'test/support/mcp-server.ts');
const stdio = (name = 'math') => `[[mcp.servers]]\nname = "${name}"\ncommand = "${process.execPath}"\nargs = ["--import", "tsx", "${SERVER}", "--stdio"]\ncwd = "${ROOT}"\n`;

let llm: ProtocolServer;
before(async () => {
  llm = await startProtocolServer();
});
after(async () => {
  await llm.close();
});

function flow(body: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'af-mcp-'));
  const file = join(dir, 'agentflow.toml');
  writeFileSync(file, `[llm]\nprovider = "openai"\nmodel = "gemma3:1b"\nbase_url = "${llm.url}"\ntemperature = 0\nseed = 1\nmax_tokens = 16\n\n${body}`);
  return file;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

test('stdio MCP server from agentflow.toml: start connects, the model calls a server tool, stop closes the server', async () => {
  const file = flow(`[agents.calc]\nsystem_prompt = "You add numbers."\ntools = ["math.add", "math.pid"]\n\n[mcp]\ncall_timeout_seconds = 5\n\n${stdio()}`);
  const runner = await createRunnerFromConfig(file, { logger: silentLogger() });
  await runner.start();
  llm.forceToolCall('math_pid', '{}');
  llm.forceToolCall('math_add', '{"a":2,"b":3}');
  const before = llm.requests.length;
  const { state, sessionId } = await runner.run(newEvent('calc', { input: 'What is 2 + 3?' }));
  const sent = llm.requests.slice(before).map((r) => r.body as { tools?: { function: { name: string } }[]; messages: { role: string; content: string }[] });
  assert.deepEqual(sent[0]!.tools!.map((t) => t.function.name), ['math_add', 'math_pid'], 'only the tools the agent names are offered');
  const results = sent.at(-1)!.messages.filter((m) => m.role === 'tool').map((m) => m.content);
  const pid = Number(results[0]);
  assert.ok(pid > 0 && alive(pid), 'the server process runs while the runner does');
  assert.equal(results[1], '5', 'the server computed the sum');
  assert.equal(typeof state.get('response'), 'string');
  const trace = runner.dumpTrace(sessionId).filter((e) => e.type === 'tool_result');
  assert.deepEqual(trace.map((e) => [e.detail?.tool, e.detail?.ok]), [['math.pid', true], ['math.add', true]]);
  await runner.stop();
  for (let i = 0; i < 50 && alive(pid); i++) await new Promise((r) => setTimeout(r, 20));
  assert.equal(alive(pid), false, 'stop() closed the server process');
});

test('a stdio server that dies mid-call: the call fails typed (retryable), the server is restarted, later calls work', async () => {
  const file = flow(`[agents.calc]\nsystem_prompt = "You add numbers."\ntools = ["math.*"]\n\n${stdio()}`);
  const runner = await createRunnerFromConfig(file, { logger: silentLogger() });
  await runner.start();
  llm.forceToolCall('math_pid', '{}');
  llm.forceToolCall('math_crash', '{}');
  llm.forceAnswer('never used');
  await assert.rejects(runner.run(newEvent('calc', { input: 'crash it' })), (err: unknown) => {
    assert.ok(err instanceof EventFailedError);
    const cause = err.cause as AgentflowError;
    assert.equal(cause.code, ErrorCodes.TOOL_FAILED);
    assert.equal((cause.cause as AgentflowError).code, ErrorCodes.MCP);
    return true;
  });
  llm.clearForced();
  const firstPid = Number((llm.requests.at(-1)!.body as { messages: { role: string; content: string }[] }).messages.find((m) => m.role === 'tool')!.content);
  // Meanwhile (restarting) or after the restart, calls either fail typed or work; wait for the restart.
  let pid = 0;
  for (let i = 0; i < 40 && !(pid > 0 && pid !== firstPid); i++) {
    await new Promise((r) => setTimeout(r, 100));
    llm.forceToolCall('math_pid', '{}');
    llm.forceAnswer('done');
    const r = await runner.run(newEvent('calc', { input: 'pid?' })).catch((e: unknown) => e);
    if (r instanceof EventFailedError) {
      llm.clearForced(); // the scripted answer was not used
      assert.equal(((r.cause as AgentflowError).cause as AgentflowError).code, ErrorCodes.MCP, 'while restarting, calls fail with AF_ERR_MCP');
      continue;
    }
    pid = Number((llm.requests.at(-1)!.body as { messages: { role: string; content: string }[] }).messages.find((m) => m.role === 'tool')!.content);
  }
  assert.ok(pid > 0 && pid !== firstPid, 'a new server process answers');
  await runner.stop();
  assert.equal(runner.stats().emitted, runner.stats().completed + runner.stats().failed + runner.stats().deadLettered);
});

test('streamable HTTP MCP server on 127.0.0.1 with a header from the environment', async () => {
  const http = await startMcpHttpServer({ token: 's3cret' });
  try {
    const file = flow(`[agents.echoer]\nsystem_prompt = "You echo."\ntools = ["web.echo"]\n\n[[mcp.servers]]\nname = "web"\nurl = "${http.url}"\nheaders = { Authorization = "Bearer \${MCP_TOKEN}" }\n`);
    const runner = await createRunnerFromConfig(file, { logger: silentLogger(), env: { ...process.env, MCP_TOKEN: 's3cret' } });
    await runner.start();
    llm.forceToolCall('web_echo', '{"text":"hello"}');
    await runner.run(newEvent('echoer', { input: 'say hello' }));
    const tool = (llm.requests.at(-1)!.body as { messages: { role: string; content: string }[] }).messages.find((m) => m.role === 'tool')!;
    assert.equal(tool.content, 'echo: hello');
    await runner.stop();
    const denied = await createRunnerFromConfig(file, { logger: silentLogger(), env: { ...process.env, MCP_TOKEN: 'wrong' } });
    await assert.rejects(denied.start(), (err: unknown) => {
      const mcp = (err as AgentflowError).cause as AgentflowError;
      assert.equal(mcp.code, ErrorCodes.MCP);
      assert.match(mcp.message, /MCP server "web": cannot connect/);
      assert.ok(!mcp.message.includes('s3cret') && !mcp.message.includes('wrong'), 'no header value in the error');
      return true;
    });
  } finally {
    await http.close();
  }
});

test('bad MCP configuration: typed errors with the line; a tool the server lacks fails start() naming it', async () => {
  const undeclared = flow(`[agents.calc]\nsystem_prompt = "s"\ntools = ["maths.add"]\n\n${stdio()}`);
  await assert.rejects(createRunnerFromConfig(undeclared, { logger: silentLogger() }), (err: unknown) => {
    assert.ok(err instanceof ConfigError);
    const i = err.issues.find((x) => x.key === 'agents.calc.tools');
    assert.ok(i && i.line === 11, JSON.stringify(err.issues));
    assert.match(i.message, /MCP server "maths", which is not declared.*did you mean "math"/);
    return true;
  });
  const both = flow(`[[mcp.servers]]\nname = "x"\ncommand = "node"\nurl = "http://127.0.0.1:1/mcp"\n`);
  await assert.rejects(createRunnerFromConfig(both, { logger: silentLogger() }), (err: unknown) => err instanceof ConfigError && /either stdio \(command\) or HTTP \(url\), not both/.test(err.message));
  const codeTool = flow(`[agents.calc]\nsystem_prompt = "s"\ntools = ["wether"]\n`);
  await assert.rejects(createRunnerFromConfig(codeTool, { logger: silentLogger() }), (err: unknown) => err instanceof ConfigError && err.issues[0]!.code === ErrorCodes.TOOL_INVALID && /names tool "wether"/.test(err.message));
  const missing = flow(`[agents.calc]\nsystem_prompt = "s"\ntools = ["math.multiply"]\n\n${stdio()}`);
  const runner = await createRunnerFromConfig(missing, { logger: silentLogger() });
  await assert.rejects(runner.start(), (err: unknown) => /MCP server "math": has no tool "multiply" \(it has: add, echo/.test(((err as Error).cause as Error)?.message ?? ''));
});

test('agentflow mcp list: servers and their tools as agents name them; an unreachable server exits 1', async () => {
  const file = flow(`${stdio()}\n[[mcp.servers]]\nname = "gone"\nurl = "http://127.0.0.1:9/mcp"\n`);
  const r = await cli(['mcp', 'list', '-c', file]);
  assert.equal(r.code, 1);
  assert.match(r.out, /^math \(stdio: .*mcp-server\.ts --stdio\)\n {2}math\.add {2}Adds two numbers\.\n {2}math\.echo/m);
  assert.match(r.out, /^gone \(http: http:\/\/127\.0\.0\.1:9\/mcp\): MCP server "gone": cannot connect/m);
  const j = await cli(['mcp', 'list', '-c', file, '--json']);
  const parsed = JSON.parse(j.out) as { servers: { name: string; ok: boolean; tools: { name: string }[] }[] };
  assert.deepEqual(parsed.servers.map((s) => [s.name, s.ok, s.tools.length]), [['math', true, 6], ['gone', false, 0]]);
});

test('McpConnection rejects a bad definition typed', () => {
  assert.throws(() => new McpConnection({ name: 'a b', command: 'x' }), (e: unknown) => (e as AgentflowError).code === ErrorCodes.MCP);
  assert.throws(() => new McpConnection({ name: 'a' }), /needs exactly one of command/);
});
