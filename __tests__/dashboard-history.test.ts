import { copyFileSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createHealth, healthRouter, type Check } from '../lib/index.js';
import { launchChromium } from './helpers/chromium.js';
import { listen } from './helpers/server.js';

// The page's globals used by the functions run inside Chromium (the tsconfig has no DOM lib).
interface PageElement {
  textContent: string | null;
  getAttribute(name: string): string | null;
  querySelector(selector: string): PageElement | null;
  querySelectorAll(selector: string): PageElement[];
  getBoundingClientRect(): { width: number; height: number };
}
declare const document: {
  documentElement: { scrollWidth: number };
  querySelector(selector: string): PageElement | null;
  querySelectorAll(selector: string): PageElement[];
};
declare const window: { innerWidth: number };
declare function getComputedStyle(element: PageElement): {
  color: string;
  backgroundColor: string;
  fill: string;
};

const ARTIFACTS = fileURLToPath(new URL('../artifacts/', import.meta.url));
const DOCS_SCREENSHOT = fileURLToPath(new URL('../docs/dashboard-history.png', import.meta.url));
const XSS = '<img src=x onerror=alert(1)>';
const DOWN_MS = 3000;

let browser: Browser;
beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser.close();
});

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A service whose checks run on request with no cache, so every stream poll (0.2 s) is one
 * run: `database` the test flips, `payments` slower and slower, `cache` flapping.
 */
async function service(extra: Record<string, Check> = {}) {
  const database = { down: false };
  let payments = 0;
  let flip = false;
  const health = createHealth({
    cacheTtlMs: 0,
    version: '2.0.0',
    checks: {
      database: () =>
        database.down ? { status: 'DOWN', message: `connection refused ${XSS}` } : true,
      payments: async () => {
        payments = (payments + 1) % 40;
        await sleep(2 + payments / 4);
        return true;
      },
      cache: {
        critical: false,
        check: () => {
          flip = !flip;
          return flip ? true : { status: 'DOWN', message: 'evicted' };
        },
      },
      ...extra,
    },
  });
  const server = await listen(
    healthRouter(health, {
      dashboard: { streamUrl: 'stream?poll_interval=0.2', title: 'Orders API' },
    }),
  );
  cleanups.push(
    () => server.close(),
    () => health.close(),
  );
  return { health, database, url: `${server.url}/dashboard` };
}

async function open(viewport: { width: number; height: number }) {
  const context = await browser.newContext({ viewport, isMobile: viewport.width < 500 });
  cleanups.push(() => context.close());
  const page = await context.newPage();
  const errors: string[] = [];
  const dialogs: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  return { page, errors, dialogs };
}

/** The database row as drawn: its strip's segments, its sparkline, its uptime figures. */
function databaseRow(page: Page) {
  return page.evaluate(() => {
    const row = document.querySelector('li[data-check="database"]');
    const segments = [...(row?.querySelectorAll('rect.seg') ?? [])].map((rect) => ({
      status: rect.getAttribute('data-status'),
      from: Number(rect.getAttribute('data-from')),
      to: Number(rect.getAttribute('data-to')),
      title: rect.querySelector('title')?.textContent ?? '',
      fill: getComputedStyle(rect).fill,
    }));
    const spark = row?.querySelector('svg.spark');
    const points = (spark?.querySelector('polyline')?.getAttribute('points') ?? '')
      .split(' ')
      .filter((point) => point !== '');
    return {
      segments,
      points: points.length,
      runs: Number(spark?.getAttribute('data-runs')),
      lastRun: Number(spark?.getAttribute('data-last')),
      uptime5m: row?.querySelector('[data-window="5m"]')?.textContent ?? '',
      uptime1h: row?.querySelector('[data-window="1h"]')?.textContent ?? '',
    };
  });
}

describe('the dashboard draws the history', () => {
  it('an outage of 3 s shows as a red DOWN segment of 3 s, one sparkline point per run, the uptime induced', async () => {
    const s = await service();
    const { page, errors, dialogs } = await open({ width: 1280, height: 800 });
    await page.goto(s.url);
    await page.waitForSelector('li[data-check="database"] rect.seg[data-status="UP"]');
    await sleep(2000);
    s.database.down = true;
    await sleep(DOWN_MS);
    s.database.down = false;
    await sleep(2500);
    await page.waitForFunction(
      () =>
        document.querySelectorAll('li[data-check="database"] rect.seg').length === 3 &&
        document.querySelector('li[data-check="cache"] .flap')?.textContent === 'FLAPPING',
      undefined,
      { timeout: 10_000 },
    );
    const row = await databaseRow(page);
    const kept = s.health.history({ check: 'database' })?.checks.database;

    // UP, DOWN, UP; the DOWN segment lasts what the outage lasted (polls are 0.2 s apart).
    expect(row.segments.map((segment) => segment.status)).toEqual(['UP', 'DOWN', 'UP']);
    const down = row.segments[1]!;
    expect(Math.abs(down.to - down.from - DOWN_MS)).toBeLessThan(600);
    expect(down.fill).toBe('rgb(207, 34, 46)');
    // The message is in the segment's title as text: no element was made of it.
    expect(down.title).toContain(`: connection refused ${XSS}`);
    expect(down.title).toMatch(/^DOWN \d\d:\d\d:\d\d - \d\d:\d\d:\d\d \(3 s\)/);
    expect(await page.locator('img').count()).toBe(0);
    expect(dialogs).toEqual([]);

    // One point per run the runner kept, up to the last run the page has.
    expect(row.points).toBe(row.runs);
    expect(row.runs).toBe(kept?.runs.at.filter((at) => at <= row.lastRun).length);
    expect(row.runs).toBeGreaterThan(20);

    // Uptime: 3 s DOWN of what the history covers, as shown (rounded down to 0.1 %).
    const covered = kept?.uptime['5m']?.coveredSeconds ?? 0;
    const induced = 100 * (1 - DOWN_MS / 1000 / covered);
    const shown = Number(/([\d.]+)%$/.exec(row.uptime5m)?.[1]);
    expect(row.uptime5m).toMatch(/^5 min \d+\.\d%$/);
    expect(Math.abs(shown - induced)).toBeLessThan(4);
    expect(row.uptime1h).toBe(row.uptime5m.replace('5 min', '1 h'));

    // The service's own strip on top: DOWN once, with the critical database (the flapping,
    // non-critical cache makes it DEGRADED now and then).
    const serviceDown = await page.evaluate(() =>
      [...document.querySelectorAll('li.service rect.seg[data-status="DOWN"]')].map(
        (r) => Number(r.getAttribute('data-to')) - Number(r.getAttribute('data-from')),
      ),
    );
    expect(serviceDown).toHaveLength(1);
    expect(Math.abs(serviceDown[0]! - DOWN_MS)).toBeLessThan(600);
    expect(errors).toEqual([]);

    await page.screenshot({ path: `${ARTIFACTS}dashboard-history-1280.png` });
    // The README's picture: refreshed on demand only, so a test run leaves the tree clean.
    if (process.env.UPDATE_SCREENSHOTS === '1') {
      copyFileSync(`${ARTIFACTS}dashboard-history-1280.png`, DOCS_SCREENSHOT);
    }
    const phone = await open({ width: 390, height: 844 });
    await phone.page.goto(s.url);
    await phone.page.waitForSelector('li[data-check="database"] rect.seg[data-status="DOWN"]');
    const widths = await phone.page.evaluate(() => ({
      scroll: document.documentElement.scrollWidth,
      inner: window.innerWidth,
      strip:
        document.querySelector('li[data-check="database"] svg.strip')?.getBoundingClientRect()
          .width ?? 0,
    }));
    expect(widths.scroll).toBeLessThanOrEqual(widths.inner);
    expect(widths.strip).toBeGreaterThan(300);
    await phone.page.screenshot({ path: `${ARTIFACTS}dashboard-history-390.png` });
    expect(phone.errors).toEqual([]);
  });

  it('stays readable with 50 checks: one row each, names whole or cut with an ellipsis, no scroll sideways', async () => {
    const extra: Record<string, Check> = {};
    for (let i = 1; i <= 47; i++) {
      extra[
        `dependency-${String(i).padStart(2, '0')}${i === 7 ? '-with-a-really-long-name-for-a-queue' : ''}`
      ] = () => true;
    }
    const s = await service(extra);
    for (const viewport of [
      { width: 1280, height: 800 },
      { width: 390, height: 844 },
    ]) {
      const { page, errors } = await open(viewport);
      await page.goto(s.url);
      await page.waitForFunction(
        () => document.querySelectorAll('li.hrow rect.seg').length >= 51,
        undefined,
        { timeout: 10_000 },
      );
      const layout = await page.evaluate(() => ({
        rows: document.querySelectorAll('li.hrow[data-check]').length,
        heights: [...document.querySelectorAll('li.hrow')].map(
          (r) => r.getBoundingClientRect().height,
        ),
        scroll: document.documentElement.scrollWidth,
        inner: window.innerWidth,
      }));
      expect(layout.rows).toBe(50);
      expect(layout.scroll).toBeLessThanOrEqual(layout.inner);
      // Compact rows: 50 checks fit in a few screens, every row the same height.
      expect(Math.max(...layout.heights)).toBeLessThan(viewport.width < 500 ? 80 : 40);
      expect(new Set(layout.heights.slice(1).map(Math.round)).size).toBe(1);
      expect(errors).toEqual([]);
      await page.screenshot({
        path: `${ARTIFACTS}dashboard-history-50-checks-${viewport.width}.png`,
        fullPage: true,
      });
    }
  });

  it('has WCAG AA contrast for the uptime figures and the flapping badge', async () => {
    const s = await service();
    const { page } = await open({ width: 1280, height: 800 });
    await page.goto(s.url);
    await page.waitForFunction(
      () => document.querySelector('li[data-check="cache"] .flap')?.textContent === 'FLAPPING',
      undefined,
      { timeout: 10_000 },
    );
    const pairs = await page.evaluate(() => {
      const flap = getComputedStyle(document.querySelector('li[data-check="cache"] .flap')!);
      const up = getComputedStyle(document.querySelector('li[data-check="cache"] .hup')!);
      const paper = getComputedStyle(document.querySelector('#history')!);
      return { flap: [flap.color, flap.backgroundColor], up: [up.color, paper.backgroundColor] };
    });
    for (const [name, [foreground, background]] of Object.entries(pairs)) {
      expect(contrast(foreground!, background!), name).toBeGreaterThanOrEqual(4.5);
    }
  });
});

/** WCAG 2.x contrast ratio of two `rgb(...)` colours. */
function contrast(foreground: string, background: string): number {
  const luminance = (color: string) => {
    const [r, g, b] = (color.match(/\d+(\.\d+)?/g) ?? []).slice(0, 3).map((v) => {
      const c = Number(v) / 255;
      return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
  };
  const [light, dark] = [luminance(foreground), luminance(background)].sort((a, b) => b - a);
  return (light! + 0.05) / (dark! + 0.05);
}
