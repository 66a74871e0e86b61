/**
 * The engine's dashboard (`GET /`) in a real headless browser (Debian's chromium driven by playwright-core;
 * browser downloads are not reachable here) while records flow: flows and partitions with lag, counts that
 * move between polls, the throughput / latency and lag charts, and an event timeline where the truncation
 * (policy continue) stands out. Saves a screenshot to logs/dashboard.png.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import { EngineProcess } from '../testkit/engine-process.ts';
import { waitFor } from '../testkit/wait-for.ts';
import { LOGS_DIR, getStatus, partitionOf, sourceTopic } from './observability-support.ts';

/** Polls the page made before the screenshot: enough points for the charts to show a line. */
const POLLS_BEFORE_SCREENSHOT = 12;

/** Debian's chromium (the package `chromium`); override with CHROMIUM_PATH. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c().catch(() => undefined);
  cleanup = [];
});

describe.skipIf(!existsSync(CHROMIUM))('dashboard in a headless browser', () => {
  it('shows flows, partitions with lag, moving counts and charts while records flow, and the truncation in the timeline', async () => {
    const f = await sourceTopic('dash', 2);
    cleanup.push(() => f.close());
    const engine = EngineProcess.inTempDir(f.topic, { 'truncation.policy': 'continue', 'heartbeats.replication.enabled': 'false' });
    cleanup.push(() => engine.dispose());
    await engine.start();
    await f.produce(100);
    await waitFor(async () => partitionOf(await getStatus(engine.listenerUrl()!), f.topic, 1)?.recordsMirrored === 100, { message: 'first records mirrored' });
    // A truncation while the engine is stopped: partition 0 loses offsets 100..129 before they were mirrored.
    expect(await engine.stop()).toBe(0);
    await f.produce(50, 0);
    expect(await f.deleteBefore(0, 130)).toBe(130);
    await engine.start();
    const url = engine.listenerUrl()!;

    // Records keep flowing while the browser watches.
    let flowing = true;
    const producing = (async () => {
      while (flowing) {
        await f.produce(20);
        await new Promise((r) => setTimeout(r, 200)); // pacing of the background producer, not a wait for a condition
      }
    })();
    cleanup.push(async () => {
      flowing = false;
      await producing;
    });

    const browser: Browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });
    cleanup.push(() => browser.close());
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('requestfailed', (r) => errors.push(`${r.url()} ${r.failure()?.errorText}`));
    await page.goto(`${url}/`);
    await page.waitForFunction('Number(document.body.dataset.polls ?? 0) >= 2', undefined, { timeout: 30_000 });

    await expect.poll(() => page.textContent('#ready'), { timeout: 30_000 }).toBe('READY');
    expect(await page.textContent('#engine-meta')).toMatch(/^v\d+\.\d+\.\d+ · single-process · pid \d+ · up \d+s · running$/);
    expect(await page.textContent('#flows tbody tr[data-flow="primary->standby"] td.state')).toBe('RUNNING');
    const rows = page.locator('#partitions tbody tr');
    await expect.poll(() => rows.count(), { timeout: 30_000 }).toBe(2);
    const row0 = page.locator(`#partitions tbody tr[data-key="primary->standby/${f.topic}/0"]`);
    expect(await row0.locator('td.topic').textContent()).toBe(`${f.topic}→ ${f.remote}`);
    expect(await row0.getAttribute('class')).toContain('event-truncation');
    expect(await row0.locator('[data-field="log-start"]').textContent()).toBe('130');
    expect(await row0.locator('[data-field="lag-records"]').textContent()).toMatch(/^\d+$/);

    // Counts move between polls while records flow.
    const mirrored = async () => Number((await page.textContent('#total-mirrored'))!.replace(/,/g, ''));
    const before = await mirrored();
    await expect.poll(mirrored, { timeout: 30_000, message: 'the mirrored count to grow on the page' }).toBeGreaterThan(before + 40);
    await expect.poll(async () => Number((await page.textContent('#throughput'))!.replace(/,/g, '')), { timeout: 30_000 }).toBeGreaterThan(0);

    // The truncation stands out in the timeline (critical, with its evidence); the cards count it.
    const critical = page.locator('#events li.severity-critical[data-event="log_truncation_detected"]');
    await expect.poll(() => critical.count(), { timeout: 30_000 }).toBe(1);
    expect(await critical.locator('.msg').textContent()).toBe(`CRITICAL: Log truncation detected for ${f.topic}-0. Expected offset 100, but got 130. Gap of 30 messages detected`);
    expect(await critical.locator('.evidence').textContent()).toContain('gap=30');
    expect(await page.evaluate(`getComputedStyle(document.querySelector('#events li.severity-critical')).borderLeftColor`)).toBe('rgb(197, 48, 48)');
    expect(await page.textContent('#total-truncations')).toBe('1 (30)');
    expect(await page.getAttribute('#total-truncations', 'class')).toContain('bad');

    // Both charts drew (uPlot canvases with data).
    expect(await page.locator('#chart-throughput canvas').count()).toBeGreaterThan(0);
    expect(await page.locator('#chart-lag canvas').count()).toBeGreaterThan(0);
    expect(await page.locator('#chart-throughput .u-legend').textContent()).toContain('records/s');

    await page.waitForFunction(`Number(document.body.dataset.polls ?? 0) >= ${POLLS_BEFORE_SCREENSHOT}`, undefined, { timeout: 30_000 });
    await page.screenshot({ path: join(LOGS_DIR, 'dashboard.png'), fullPage: true });
    flowing = false;
    await producing;
    expect(errors).toEqual([]);
  });
});
