import { McpConnection } from '../src/agents/mcp/index.ts';
import { startMcpHttpServer } from '../test/support/mcp-server.ts';
const c = new McpConnection({ name: 'm', command: process.execPath, args: ['--import', 'tsx', 'test/support/mcp-server.ts', '--stdio'] });
let t = Date.now();
await c.acquire();
console.log('stdio connected', Date.now() - t, c.tools().map((x) => x.name), JSON.stringify(c.tools()[0]));
console.log(await c.call('add', { a: 2, b: 3 }));
try { await c.call('fail', {}); } catch (e) { console.log('fail ->', (e as Error).message); }
await c.release();
const h = await startMcpHttpServer({ token: 'sekret' });
const c2 = new McpConnection({ name: 'h', url: h.url, headers: { Authorization: 'Bearer sekret' } });
t = Date.now();
await c2.acquire();
console.log('http connected', Date.now() - t, c2.tools().length, await c2.call('echo', { text: 'hi' }));
await c2.release();
await h.close();
