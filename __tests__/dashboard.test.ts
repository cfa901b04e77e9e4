import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { hostname } from 'node:os';
import { fileURLToPath } from 'node:url';
import express from 'express';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createHealth, healthRouter, HealthOptionsError, type Health } from '../lib/index.js';
import { dashboard } from '../lib/middleware/dashboard.js';
import { launchChromium } from './helpers/chromium.js';
import { listen, type TestServer } from './helpers/server.js';

// The page's globals used by the functions run inside Chromium (the tsconfig has no DOM lib).
interface PageElement {
  textContent: string | null;
  scope: string;
  className: string;
  setAttribute(name: string, value: string): void;
  getBoundingClientRect(): { width: number; height: number };
  appendChild(child: PageElement): void;
}
declare const document: {
  body: PageElement;
  documentElement: { scrollWidth: number };
  getElementById(id: string): PageElement | null;
  querySelector(selector: string): PageElement | null;
  querySelectorAll(selector: string): PageElement[];
  createRange(): {
    selectNodeContents(node: PageElement): void;
    getClientRects(): { length: number };
  };
  createElement(tag: string): PageElement;
};
declare const window: { innerWidth: number };
declare function getComputedStyle(element: PageElement): { color: string; backgroundColor: string };

const ARTIFACTS = fileURLToPath(new URL('../artifacts/', import.meta.url));
const XSS = '<img src=x onerror=alert(1)>';

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

/** A service with a switchable critical check, the router mounted under a prefix. */
async function service() {
  const database = { status: 'UP' as 'UP' | 'DOWN', message: undefined as string | undefined };
  const queue = { status: 'UP' as 'UP' | 'DOWN' };
  const health = createHealth({
    cacheTtlMs: 0,
    version: '1.4.2',
    checks: {
      database: () => ({
        status: database.status,
        ...(database.message === undefined ? {} : { message: database.message }),
      }),
      queue: {
        check: () => ({ status: queue.status, message: 'backlog 12 jobs' }),
        critical: false,
      },
    },
  });
  const app = express().use('/ops/health', healthRouter(health));
  const server = await listen(app);
  cleanups.push(
    () => server.close(),
    () => health.close(),
  );
  return { health, database, queue, app, server };
}

/** A page that records dialogs, console errors and every URL it requests. */
async function open(viewport = { width: 1024, height: 720 }) {
  const context = await browser.newContext({ viewport, isMobile: viewport.width < 500 });
  cleanups.push(() => context.close());
  const page = await context.newPage();
  const dialogs: string[] = [];
  const errors: string[] = [];
  const requests: string[] = [];
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('request', (request) => requests.push(request.url()));
  return { page, dialogs, errors, requests };
}

async function overall(page: Page, status: string) {
  await page.waitForFunction(
    (expected) => document.getElementById('overall')?.textContent === expected,
    status,
    { timeout: 10_000 },
  );
}

/** The computed background colour of the first element matching `selector`. */
function background(page: Page, selector: string) {
  return page.evaluate(
    (query) => getComputedStyle(document.querySelector(query)!).backgroundColor,
    selector,
  );
}

function componentCell(page: Page, name: string, label: string) {
  return page.locator(`tr[data-component="${name}"] td[data-label="${label}"]`);
}

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

describe('dashboard() in headless Chromium', () => {
  it('shows UP, then DOWN when the check fails, then UP again; a check message stays text', async () => {
    const s = await service();
    const { page, dialogs, errors, requests } = await open();
    const response = await page.goto(`${s.server.url}/ops/health/dashboard`);
    expect(response?.status()).toBe(200);

    await overall(page, 'UP');
    await page.waitForSelector('#connection[data-state="live"]');
    expect(await componentCell(page, 'database', 'Status').textContent()).toBe('UP');
    expect(await componentCell(page, 'queue', 'Message').textContent()).toBe('backlog 12 jobs');
    expect(await componentCell(page, 'queue', 'Critical').textContent()).toBe('no');
    expect(await page.textContent('#version')).toBe('1.4.2');
    expect(await page.textContent('#last-event')).toMatch(/\d/);
    expect(await page.title()).toBe(`UP - Service health @ ${hostname()}`);
    expect(await page.textContent('#instance')).toBe(hostname());
    await page.screenshot({ path: `${ARTIFACTS}dashboard-up.png`, fullPage: true });

    s.database.status = 'DOWN';
    s.database.message = XSS;
    await overall(page, 'DOWN');
    expect(await componentCell(page, 'database', 'Message').textContent()).toBe(XSS);
    expect(await page.locator('img').count()).toBe(0);
    expect(await componentCell(page, 'database', 'Duration').textContent()).toMatch(
      /^\d+(\.\d)? ms$/,
    );
    expect(await componentCell(page, 'database', 'Last check').textContent()).toMatch(/\d/);
    await page.screenshot({ path: `${ARTIFACTS}dashboard-down.png`, fullPage: true });

    s.database.status = 'UP';
    s.database.message = undefined;
    await overall(page, 'UP');
    expect(await componentCell(page, 'database', 'Message').textContent()).toBe('');

    expect(dialogs).toEqual([]);
    // No CSP violation (the hashes match) and no script error.
    expect(errors).toEqual([]);
    // Self-contained: nothing but the page and its stream was fetched.
    expect(requests.every((url) => url.startsWith(`${s.server.url}/ops/health/`))).toBe(true);
    expect(requests.some((url) => url.startsWith(`${s.server.url}/ops/health/stream`))).toBe(true);
  });

  it('shows the last status as stale, not current, when the connection is lost, and recovers', async () => {
    const s = await service();
    const { page } = await open();
    await page.goto(`${s.server.url}/ops/health/dashboard/`);
    await overall(page, 'UP');

    await s.server.close();
    await page.waitForSelector('#connection[data-state="lost"]', { timeout: 10_000 });
    expect(await page.textContent('#connection')).toMatch(
      /^Connection lost, retrying… Last report received at \d\d:\d\d:\d\d: the status is unknown\.$/,
    );
    // Not a big green UP: grey UNKNOWN, with the time and the last status seen.
    expect(await page.textContent('#overall')).toBe('UNKNOWN');
    expect(await page.textContent('#overall-note')).toMatch(
      /^unknown since \d\d:\d\d:\d\d, last seen UP$/,
    );
    expect(await page.title()).toMatch(/^UNKNOWN - /);
    const grey = 'rgb(87, 96, 106)';
    expect(await background(page, '#overall')).toBe(grey);
    // The components keep their last status text, greyed.
    const badge = componentCell(page, 'database', 'Status').locator('.badge');
    expect(await badge.textContent()).toBe('UP');
    expect(await background(page, 'tr[data-component="database"] .badge')).toBe(grey);
    expect(await page.locator('main.stale').count()).toBe(1);
    await page.screenshot({ path: `${ARTIFACTS}dashboard-lost.png`, fullPage: true });

    s.database.status = 'DOWN';
    const again: Server = createServer(s.app);
    await new Promise<void>((resolve) => again.listen(s.server.port, '127.0.0.1', resolve));
    cleanups.push(
      () =>
        new Promise<void>((resolve) => {
          again.closeAllConnections();
          again.close(() => resolve());
        }),
    );
    // EventSource reconnects by itself after the stream's retry delay (3 s).
    await overall(page, 'DOWN');
    await page.waitForSelector('#connection[data-state="live"]');
    expect(await page.locator('main.stale').count()).toBe(0);
    expect(await page.textContent('#overall-note')).toBe('');
    expect(await page.title()).toMatch(/^DOWN - /);
  });

  it('shows a deliberate shutdown as stopped, not as a red outage, also once the server is gone', async () => {
    const s = await service();
    const { page } = await open();
    await page.goto(`${s.server.url}/ops/health/dashboard`);
    await overall(page, 'UP');

    s.health.close();
    await overall(page, 'STOPPED');
    await page.waitForSelector('#connection[data-state="stopped"]');
    expect(await page.textContent('#overall-note')).toMatch(
      /^stopped at \d\d:\d\d:\d\d \(deliberate shutdown\)$/,
    );
    expect(await page.textContent('#connection')).toMatch(/deliberate stop, not a failure/);
    expect(await page.title()).toMatch(/^STOPPED - /);
    const red = 'rgb(179, 38, 30)';
    expect(await background(page, '#overall')).not.toBe(red);
    await page.screenshot({ path: `${ARTIFACTS}dashboard-stopped.png`, fullPage: true });

    // The process exits: the stream cannot reconnect. Still a stop, not a lost connection.
    await s.server.close();
    await page.waitForTimeout(500);
    expect(await page.textContent('#overall')).toBe('STOPPED');
    expect(await page.getAttribute('#connection', 'data-state')).toBe('stopped');
  });

  it('says why when DEGRADED or DOWN, instead of "-"', async () => {
    const s = await service();
    const { page } = await open();
    await page.goto(`${s.server.url}/ops/health/dashboard`);
    await overall(page, 'UP');
    expect(await page.textContent('#overall-message')).toBe('-');

    s.queue.status = 'DOWN';
    await overall(page, 'DEGRADED');
    expect(await page.textContent('#overall-message')).toBe('queue DOWN: backlog 12 jobs');

    s.database.status = 'DOWN';
    s.database.message = 'connect ECONNREFUSED 127.0.0.1:5432';
    await overall(page, 'DOWN');
    expect(await page.textContent('#overall-message')).toBe(
      'database DOWN: connect ECONNREFUSED 127.0.0.1:5432; queue DOWN: backlog 12 jobs',
    );
    await page.screenshot({ path: `${ARTIFACTS}dashboard-down-reason.png`, fullPage: true });
  });

  it('shows the title and instance given to healthRouter, with the version', async () => {
    const health = createHealth({ version: '2.0.1', checks: { database: () => true } });
    const server = await listen(
      healthRouter(health, { dashboard: { title: 'Orders API', instance: 'orders-7f9c' } }),
    );
    cleanups.push(
      () => server.close(),
      () => health.close(),
    );
    const { page } = await open();
    await page.goto(`${server.url}/dashboard`);
    await overall(page, 'UP');
    expect(await page.textContent('h1')).toBe('Orders API orders-7f9c');
    expect(await page.textContent('#instance-name')).toBe('orders-7f9c');
    expect(await page.textContent('#version')).toBe('2.0.1');
    expect(await page.title()).toBe('UP - Orders API @ orders-7f9c');
    expect(() => healthRouter(health, { dashboard: { instance: '' } })).toThrow(
      /^healthRouter\(\): invalid option `dashboard.instance`/,
    );
  });

  it('keeps component names on one line at desktop width, beside a long message', async () => {
    const names = ['postgres-primary-eu-west-1', 'redis-session-cache', 'payments.gateway_v2'];
    const health = createHealth({
      checks: Object.fromEntries(
        names.map((name) => [
          name,
          () => ({ status: 'DEGRADED' as const, message: 'timeout after 2000 ms '.repeat(12) }),
        ]),
      ),
    });
    const server = await listen(healthRouter(health));
    cleanups.push(
      () => server.close(),
      () => health.close(),
    );
    const { page } = await open({ width: 1280, height: 800 });
    await page.goto(`${server.url}/dashboard`);
    await overall(page, 'DEGRADED');
    // The line boxes of each name's text (the cell itself is as tall as its row).
    const lines = await page.evaluate(() => {
      const counts: Record<string, number> = {};
      for (const cell of document.querySelectorAll('tbody th')) {
        const range = document.createRange();
        range.selectNodeContents(cell);
        counts[cell.textContent ?? ''] = range.getClientRects().length;
      }
      return counts;
    });
    for (const name of names) expect(lines[name], name).toBe(1);
    // The reason names each component, its message shortened (the table has it whole).
    const reason = (await page.textContent('#overall-message')) ?? '';
    expect(reason.startsWith('postgres-primary-eu-west-1 DEGRADED: timeout after 2000 ms')).toBe(
      true,
    );
    expect(reason.length).toBeLessThan(3 * 120);
    const scroll = await page.evaluate(() => ({
      scroll: document.documentElement.scrollWidth,
      inner: window.innerWidth,
    }));
    expect(scroll.scroll).toBeLessThanOrEqual(scroll.inner);
    await page.screenshot({ path: `${ARTIFACTS}dashboard-desktop-names.png`, fullPage: true });
  });

  it('with format servicekit on the router, shows the real status and every check', async () => {
    const health = createHealth({
      checks: { database: () => true, cache: { check: () => false, critical: false } },
    });
    const server = await listen(healthRouter(health, { format: 'servicekit' }));
    cleanups.push(
      () => server.close(),
      () => health.close(),
    );
    const { page, errors } = await open();
    await page.goto(`${server.url}/dashboard`);
    await overall(page, 'DEGRADED');
    expect(await componentCell(page, 'database', 'Status').textContent()).toBe('UP');
    expect(await componentCell(page, 'cache', 'Status').textContent()).toBe('DOWN');
    expect(await page.locator('td.empty').count()).toBe(0);
    expect(errors).toEqual([]);
  });

  it('reads every body the stream speaks: servicekit and health+json as well as components', async () => {
    const health = createHealth({
      version: '3.1.0',
      checks: {
        database: () => true,
        cache: { check: () => ({ status: 'DOWN', message: 'check failed' }), critical: false },
      },
    });
    const app = express()
      .use('/sk', healthRouter(health, { dashboard: { streamUrl: 'stream?format=servicekit' } }))
      .use(
        '/ietf',
        healthRouter(health, { dashboard: { streamUrl: 'stream?format=health+json' } }),
      );
    const server = await listen(app);
    cleanups.push(
      () => server.close(),
      () => health.close(),
    );
    for (const prefix of ['/sk', '/ietf']) {
      const { page, errors } = await open();
      await page.goto(`${server.url}${prefix}/dashboard`);
      await overall(page, 'DEGRADED');
      expect(await componentCell(page, 'database', 'Status').textContent(), prefix).toBe('UP');
      expect(await componentCell(page, 'cache', 'Status').textContent(), prefix).toBe('DOWN');
      expect(await page.textContent('#overall-message'), prefix).toBe('cache DOWN: check failed');
      expect(errors, prefix).toEqual([]);
    }
  });

  it('is readable at phone width: no horizontal scroll, components as cards', async () => {
    const s = await service();
    s.queue.status = 'DOWN';
    const { page } = await open({ width: 390, height: 844 });
    await page.goto(`${s.server.url}/ops/health/dashboard`);
    await overall(page, 'DEGRADED');
    const widths = await page.evaluate(() => ({
      scroll: document.documentElement.scrollWidth,
      inner: window.innerWidth,
      cell: document.querySelector('td[data-label="Message"]')?.getBoundingClientRect().width ?? 0,
    }));
    expect(widths.scroll).toBeLessThanOrEqual(widths.inner);
    expect(widths.cell).toBeGreaterThan(300);
    await page.screenshot({ path: `${ARTIFACTS}dashboard-phone.png`, fullPage: true });
  });

  it('has WCAG AA contrast (4.5:1) for every status colour and the lost state', async () => {
    const s = await service();
    const { page } = await open();
    await page.goto(`${s.server.url}/ops/health/dashboard`);
    await overall(page, 'UP');
    const pairs = await page.evaluate(() => {
      const result: Record<string, [string, string]> = {};
      const probe = document.createElement('span');
      probe.className = 'badge overall';
      document.body.appendChild(probe);
      for (const status of ['UP', 'DEGRADED', 'DOWN', 'UNKNOWN']) {
        probe.setAttribute('data-status', status);
        const style = getComputedStyle(probe);
        result[status] = [style.color, style.backgroundColor];
      }
      const connection = document.getElementById('connection')!;
      connection.setAttribute('data-state', 'lost');
      const lost = getComputedStyle(connection);
      result.lost = [lost.color, lost.backgroundColor];
      const muted = getComputedStyle(document.querySelector('.facts dt')!);
      result.muted = [muted.color, getComputedStyle(document.body).backgroundColor];
      return result;
    });
    expect(Object.keys(pairs)).toHaveLength(6);
    for (const [name, [foreground, background]] of Object.entries(pairs)) {
      expect(contrast(foreground, background), name).toBeGreaterThanOrEqual(4.5);
    }
    // Green, amber and red, not one colour for all.
    expect(new Set([pairs.UP![1], pairs.DEGRADED![1], pairs.DOWN![1]]).size).toBe(3);
  });
});

describe('dashboard() over HTTP', () => {
  let health: Health;
  let server: TestServer | undefined;
  beforeAll(() => {
    health = createHealth();
  });
  afterAll(() => health.close());
  afterEach(async () => {
    await server?.close();
  });

  it('serves one self-contained page with a strict, hash-based CSP', async () => {
    server = await listen(dashboard(health, { title: `<b>Orders</b> & "co"` }));
    const response = await fetch(server.url);
    const html = await response.text();

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toMatch(
      /^default-src 'none'; script-src 'sha256-[A-Za-z0-9+/]+=*'; style-src 'sha256-/,
    );
    expect(csp).toContain("connect-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe');
    expect(html).toContain('&lt;b&gt;Orders&lt;/b&gt; &amp; &quot;co&quot;');
    expect(html).not.toContain('<b>');
    expect(html).not.toMatch(/\b(src|href)="https?:/);
    // The page asks for the one format it renders best.
    expect(html).toContain('data-stream="stream?format=components"');
  });

  it('allows the origin of an absolute streamUrl in connect-src, and refuses other schemes', async () => {
    server = await listen(
      dashboard(health, { streamUrl: 'https://status.example.com/health/stream' }),
    );
    const csp = (await fetch(server.url)).headers.get('content-security-policy');
    expect(csp).toContain("connect-src 'self' https://status.example.com;");
    expect(() => dashboard(health, { streamUrl: 'javascript:alert(1)' })).toThrow(
      /^dashboard\(\): invalid option `streamUrl`: expected a path or an http\(s\) URL/,
    );
    expect(() => dashboard(health, { titel: 'x' } as never)).toThrow(HealthOptionsError);
  });

  it('a streamUrl that is no URL is a HealthOptionsError naming the option, not a bare Invalid URL', () => {
    for (const streamUrl of ['http://[', 'https://exa mple.com/stream', 'http://']) {
      let error: unknown;
      try {
        dashboard(health, { streamUrl });
      } catch (caught) {
        error = caught;
      }
      expect(error, streamUrl).toBeInstanceOf(HealthOptionsError);
      expect((error as HealthOptionsError).option).toBe('streamUrl');
      expect((error as Error).message).toMatch(
        /^dashboard\(\): invalid option `streamUrl`: not a valid URL/,
      );
    }
  });

  it('adds format=components to the stream URL unless it names a format', async () => {
    const cases: [string, string][] = [
      ['stream', 'stream?format=components'],
      ['stream?poll_interval=5', 'stream?poll_interval=5&amp;format=components'],
      ['/health/stream?format=servicekit', '/health/stream?format=servicekit'],
      ['https://a.example/health/$stream', 'https://a.example/health/$stream?format=components'],
    ];
    for (const [streamUrl, attribute] of cases) {
      const page = await listen(dashboard(health, { streamUrl }));
      const html = await (await fetch(page.url)).text();
      await page.close();
      expect(html, streamUrl).toContain(`data-stream="${attribute}"`);
    }
  });

  it('answers HEAD without a body and other methods with 405', async () => {
    server = await listen(dashboard(health));
    const head = await fetch(server.url, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    const post = await fetch(server.url, { method: 'POST' });
    expect(post.status).toBe(405);
  });
});
