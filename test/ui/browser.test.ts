/**
 * The viewer in a real browser: playwright-core driving Debian's chromium
 * against a real runner processing a real flow. The sessions list fills, a
 * live session's bar grows, clicking a failed event shows its code in the
 * inspector, and replay from the dead-letter page runs the event again.
 * Screenshots go to test-output/ui/.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { newEvent, UnrecoverableError } from '../../src/index.js';
import { DeadLetterQueue } from '../../src/reliability/index.js';
import { attachUi } from '../../src/ui/index.js';
import { sleep, testRunner } from '../runner/helpers.js';

const CHROMIUM = '/usr/bin/chromium';
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const shots = resolve(new URL('../../test-output/ui', import.meta.url).pathname);

test('ui in chromium: sessions fill, the event graph and state diff, per-agent figures, a live bar grows, a failed event shows its code, replay from the dead-letter page', async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (.ci/run installs it)`);
  mkdirSync(shots, { recursive: true });
  const dlq = new DeadLetterQueue();
  const r = testRunner({ deadLetter: dlq });
  let broken = true;
  let release: () => void = () => undefined;
  r.registerAgent('plan', (_c, _e, s) => s.clone().set('plan', 'ok').setMeta('route', 'write'));
  r.registerAgent('write', async (_c, _e, s) => (await sleep(15), s.clone().set('text', 'done')));
  r.registerAgent('slow', (_c, _e, s) => new Promise((res) => (release = () => res(s))));
  r.registerAgent('charge', (_c, _e, s) => {
    if (broken) throw new UnrecoverableError('card declined');
    return s.clone().set('charged', true);
  });
  await r.start();
  const ui = await attachUi(r, { port: 0, deadLetters: dlq, write: true, traceLink: 'http://127.0.0.1:16686/trace/{traceId}' });
  let browser: Browser | undefined;
  try {
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
    const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
    await page.goto(ui.url);
    await r.run(newEvent('plan', { topic: 'otters' }, { session_id: 'story-1', traceparent: `00-${TRACE_ID}-00f067aa0ba902b7-01` }));
    await r.drain();
    await r.run(newEvent('charge', { amount: 12 }, { session_id: 'order-9' })).catch(() => undefined);
    await page.waitForSelector('.session[data-session="order-9"]');
    await page.waitForSelector('.session[data-session="story-1"]');
    assert.equal(await page.locator('.session').count(), 2);

    // The event graph: plan → write along the parent link; a node opens the inspector with the input → output diff.
    await page.click('.session[data-session="story-1"]');
    await page.click('#view-graph');
    await page.waitForSelector('#graph .node[data-status="completed"]');
    assert.equal(await page.locator('#graph .node').count(), 2);
    assert.equal(await page.locator('#graph .edge').count(), 1);
    await page.locator('#graph .node', { hasText: 'write' }).click();
    await page.waitForSelector('#inspector table.diff');
    assert.equal(await page.textContent('#inspector table.diff tr.added td.key'), 'text', 'the key the agent added');
    assert.match((await page.textContent('#inspector table.diff tr.same'))!, /plan.*"ok"/, 'the input it received from plan');
    assert.equal(await page.getAttribute('#inspector .trace a', 'href'), `http://127.0.0.1:16686/trace/${TRACE_ID}`, 'the chain keeps its trace id, linked to the backend');
    assert.ok((await page.locator('#inspector ol.timeline li[data-type="event_end"]').count()) === 1);
    await page.screenshot({ path: join(shots, 'graph.png') });
    await page.click('#view-waterfall');

    // The Agents page: per-agent counts, latency percentiles and error rate.
    await page.click('#tab-agents');
    await page.waitForSelector('#agents tr[data-agent="charge"]');
    const charge = await page.locator('#agents tr[data-agent="charge"] td').allTextContents();
    assert.deepEqual(charge.slice(0, 4), ['charge', '1', '1', '100.0%']);
    const write = await page.locator('#agents tr[data-agent="write"] td').allTextContents();
    assert.match(write[4]!, /^\d+(\.\d)? ms$/, `write's p50: ${write[4]}`);
    assert.ok(parseFloat(write[4]!) >= 14, 'write sleeps 15 ms: its median run time shows it');
    await page.screenshot({ path: join(shots, 'agents.png') });
    await page.click('#tab-sessions');

    // A live session: a finished event, then one still running whose bar grows.
    await r.run(newEvent('plan', {}, { session_id: 'live-1' }));
    await r.drain();
    r.emit(newEvent('slow', {}, { session_id: 'live-1' }));
    await page.click('.session[data-session="live-1"]');
    const liveBar = page.locator('.row[data-status="running"] .bar.live');
    await liveBar.waitFor();
    assert.deepEqual(await page.locator('#waterfall .lane').allTextContents(), ['chain 1 · 2 events', 'chain 2 · 1 event'], 'one lane per chain');
    // The waterfall re-renders every 250 ms while an event runs: a measured element may be replaced in between.
    const widthOf = async (): Promise<number> => {
      for (let i = 0; i < 40; i++) {
        const box = await liveBar.boundingBox();
        if (box) return box.width;
        await sleep(25);
      }
      throw new Error('the live bar could not be measured');
    };
    const w1 = await widthOf();
    await sleep(800);
    const w2 = await widthOf();
    assert.ok(w2 > w1, `the in-flight bar grows: ${w1} → ${w2}`);
    await page.screenshot({ path: join(shots, 'live.png') });
    release();
    await page.waitForSelector('.row[data-status="running"]', { state: 'detached' });

    // The failed event: its code in the inspector.
    await page.click('.session[data-session="order-9"]');
    await page.click('.row[data-status="dead_lettered"]');
    await page.waitForSelector('#inspector .code');
    assert.equal(await page.textContent('#inspector .code'), 'AF_ERR_UNRECOVERABLE');
    assert.match((await page.textContent('#inspector'))!, /card declined/);
    await page.screenshot({ path: join(shots, 'inspector.png') });

    // Replay from the dead-letter page, now that the agent works.
    broken = false;
    await page.click('#tab-dead');
    await page.waitForSelector('tr[data-dead-letter] button.replay');
    await page.screenshot({ path: join(shots, 'dead-letters.png') });
    await page.click('tr[data-dead-letter] button.replay');
    await page.waitForSelector('#dead .empty');
    await r.drain();
    assert.equal(dlq.size(), 0);
    await page.click('#tab-sessions');
    await page.click('.session[data-session="order-9"]');
    await page.waitForSelector('.row[data-status="completed"]');
  } finally {
    release(); // a failed assertion must not leave the slow event holding stop() for its timeout
    await browser?.close();
    ui.detach();
    await ui.close();
    await r.stop();
  }
});
