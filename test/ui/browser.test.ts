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
const shots = resolve(new URL('../../test-output/ui', import.meta.url).pathname);

test('ui in chromium: sessions fill, a live bar grows, a failed event shows its code, replay from the dead-letter page', async () => {
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
  const ui = await attachUi(r, { port: 0, deadLetters: dlq, write: true });
  let browser: Browser | undefined;
  try {
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
    const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
    await page.goto(ui.url);
    await r.run(newEvent('plan', { topic: 'otters' }, { session_id: 'story-1' }));
    await r.drain();
    await r.run(newEvent('charge', { amount: 12 }, { session_id: 'order-9' })).catch(() => undefined);
    await page.waitForSelector('.session[data-session="order-9"]');
    await page.waitForSelector('.session[data-session="story-1"]');
    assert.equal(await page.locator('.session').count(), 2);

    // A live session: a finished event, then one still running whose bar grows.
    await r.run(newEvent('plan', {}, { session_id: 'live-1' }));
    await r.drain();
    r.emit(newEvent('slow', {}, { session_id: 'live-1' }));
    await page.click('.session[data-session="live-1"]');
    const liveBar = page.locator('.row[data-status="running"] .bar.live');
    await liveBar.waitFor();
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
