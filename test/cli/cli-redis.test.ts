/**
 * The CLI across processes: `agentflow run --namespace` waits for the
 * outcome a worker process produced; `agentflow dlq list|show|replay|purge
 * --namespace` work on the namespace's dead-letter stream; with no worker
 * alive, `run` fails fast with a typed error.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cli } from '../support/cli.js';
import { startEchoWorker } from '../support/echo-worker.js';
import { useRedisServer } from '../support/redis.js';
import { sleep } from '../runner/helpers.js';

const redis = useRedisServer();

test('cli on Redis: run --namespace gets a worker\'s answer; dlq list/show/replay/purge on the dead-letter stream; no worker → typed error', async () => {
  const { cfg, agents, ns, process: worker } = await startEchoWorker(redis().url, 'cli');
  try {
    const ok = await cli(['run', '-c', cfg, '-a', agents, '--namespace', ns, '--input', 'hello', '--quiet']);
    assert.equal(ok.code, 0, ok.err);
    assert.match(ok.out, /^echo: hello \(pid (\d+)\)/);
    assert.equal(ok.out.match(/pid (\d+)/)![1], String(worker.pid), 'the worker process answered');

    const bad = await cli(['run', '-c', cfg, '-a', agents, '--namespace', ns, '--input', 'fail', '--quiet', '--session', 'sess-fail']);
    assert.equal(bad.code, 1, bad.err + bad.out);

    const list = await cli(['dlq', 'list', '-c', cfg, '--namespace', ns, '--json']);
    assert.equal(list.code, 0, list.err);
    const recs = JSON.parse(list.out) as { id: string; reason: string; agentId: string; sessionId: string; streamId: string }[];
    assert.equal(recs.length, 1);
    assert.equal(recs[0]!.agentId, 'echo');
    assert.equal(recs[0]!.sessionId, 'sess-fail');
    const show = await cli(['dlq', 'show', recs[0]!.id, '-c', cfg, '--namespace', ns]);
    assert.equal(show.code, 0);
    assert.match(show.out, /echo refuses/);

    const replay = await cli(['dlq', 'replay', '-c', cfg, '-a', agents, '--namespace', ns]);
    assert.equal(replay.code, 1, replay.err + replay.out);
    assert.match(replay.out, /replayed 1 dead letter; 1 failed again/);
    for (let i = 0; i < 100 && JSON.parse((await cli(['dlq', 'list', '-c', cfg, '--namespace', ns, '--json'])).out).length !== 1; i++) await sleep(20);
    const again = JSON.parse((await cli(['dlq', 'list', '-c', cfg, '--namespace', ns, '--json'])).out) as { id: string }[];
    assert.deepEqual(again.map((r) => r.id), [recs[0]!.id], 'the replayed event failed again and is back, once');

    assert.equal((await cli(['dlq', 'purge', '-c', cfg, '--namespace', ns])).code, 64, 'purge needs --yes');
    const purge = await cli(['dlq', 'purge', '-c', cfg, '--namespace', ns, '--yes']);
    assert.match(purge.out, /purged 1 dead letter/);
    assert.match((await cli(['dlq', 'list', '-c', cfg, '--namespace', ns])).out, /no dead letters/);

    await new Promise((ok2) => (worker.once('exit', ok2), worker.kill('SIGTERM')));
    const none = await cli(['run', '-c', cfg, '-a', agents, '--namespace', ns, '--input', 'anyone?', '--quiet']);
    assert.notEqual(none.code, 0);
    assert.match(none.err, /AF_ERR_TRANSPORT.*no worker is alive|no worker is alive/);
  } finally {
    worker.kill('SIGKILL');
  }
});
