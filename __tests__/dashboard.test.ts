import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import express from 'express';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createHealth, healthRouter, HealthOptionsError, type Health } from '../lib/index.js';
import { dashboard } from '../lib/middleware/dashboard.js';
import { listen, type TestServer } from './helpers/server.js';

// The page's globals used by the functions run inside Chromium (the tsconfig has no DOM lib).
interface PageElement {
  textContent: string | null;
  className: string;
  setAttribute(name: string, value: string): void;
  getBoundingClientRect(): { width: number };
  appendChild(child: PageElement): void;
}
declare const document: {
  body: PageElement;
  documentElement: { scrollWidth: number };
  getElementById(id: string): PageElement | null;
  querySelector(selector: string): PageElement | null;
  createElement(tag: string): PageElement;
};
declare const window: { innerWidth: number };
declare function getComputedStyle(element: PageElement): { color: string; backgroundColor: string };

const ARTIFACTS = fileURLToPath(new URL('../artifacts/', import.meta.url));
const XSS = '<img src=x onerror=alert(1)>';

let browser: Browser;
beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
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
    expect(await page.title()).toBe('UP - Service health');
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

  it('shows "connection lost, retrying" when the server goes away, and recovers', async () => {
    const s = await service();
    const { page } = await open();
    await page.goto(`${s.server.url}/ops/health/dashboard/`);
    await overall(page, 'UP');

    await s.server.close();
    await page.waitForSelector('#connection[data-state="lost"]', { timeout: 10_000 });
    expect(await page.textContent('#connection')).toMatch(/^Connection lost, retrying/);
    // The last status stays visible, marked as stale.
    expect(await page.textContent('#overall')).toBe('UP');
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
    expect(html).toContain('data-stream="stream"');
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

  it('answers HEAD without a body and other methods with 405', async () => {
    server = await listen(dashboard(health));
    const head = await fetch(server.url, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    const post = await fetch(server.url, { method: 'POST' });
    expect(post.status).toBe(405);
  });
});
