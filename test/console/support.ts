import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, type TestContext } from 'node:test';

import {
  chromium,
  type Browser,
  type BrowserContext,
  type Page,
  type Request,
} from 'playwright-core';

import type { Device } from '../../src/model/device.ts';
import type { Mac } from '../../src/model/mac.ts';
import { silentLogger } from '../../src/log.ts';
import { startServer, type RunningDoors } from '../../src/server.ts';
import { tempDir } from '../support/harness.ts';
import { requirePeer } from '../support/peer.ts';

/** Debian's Chromium; playwright-core drives it, no browser of its own is downloaded. */
export const CHROMIUM = '/usr/bin/chromium';

export interface ConsoleServer {
  server: RunningDoors;
  dir: string;
  token: string;
  /** The admin listener: http://127.0.0.1:port */
  admin: string;
  /** The phones' HTTP door. */
  http: string;
  close(): Promise<void>;
}

/** The n-th test MAC: 0021f2 followed by n in hex. */
export function macOf(n: number): Mac {
  return `0021f2${n.toString(16).padStart(6, '0')}` as Mac;
}

/** A fleet of n Flyingvoice phones, user 1000+n, half on profile floor1, a few seen. */
export function fleet(n: number, at = new Date()): Device[] {
  const devices: Device[] = [];
  for (let i = 1; i <= n; i++) {
    devices.push({
      mac: macOf(i),
      vendor: 'flyingvoice',
      model: i % 3 === 0 ? 'FIP16' : 'FIP14G',
      profiles: i % 2 === 0 ? ['floor1'] : [],
      settings: { 'accounts.1.user': String(1000 + i), 'accounts.1.label': `Phone ${i}` },
      createdAt: at.toISOString(),
      updatedAt: at.toISOString(),
    });
  }
  return devices;
}

/** A server in this process on loopback ports: HTTP door, SIP door, the admin listener. */
export async function startConsoleServer(
  options: { devices?: number; sip?: boolean } = {},
): Promise<ConsoleServer> {
  const dir = tempDir('pnd-console-');
  const server = await startServer(
    {
      dataDir: dir,
      doors: {
        http: { host: '127.0.0.1', port: 0 },
        ...(options.sip ? { sip: { host: '127.0.0.1', port: 0 } } : {}),
      },
      admin: { host: '127.0.0.1', port: 0 },
      events: { retentionDays: 30, maxEvents: 100_000 },
      sip: { interfaces: 'none', unknown: 'pending-answer' },
    },
    silentLogger,
  );
  const store = server.runtime.store;
  const now = new Date().toISOString();
  await store.insertProfile({ name: 'floor1', settings: {}, createdAt: now, updatedAt: now });
  const devices = fleet(options.devices ?? 0);
  for (let i = 0; i < devices.length; i += 5000)
    await store.insertDevices(devices.slice(i, i + 5000));
  return {
    server,
    dir,
    token: readFileSync(join(dir, 'admin-token'), 'utf8').trim(),
    admin: `http://127.0.0.1:${server.admin!.port}`,
    http: `http://127.0.0.1:${server.addresses.http!.port}`,
    async close() {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Chromium, or undefined when it is missing outside CI (the test is skipped then). */
export async function launchChromium(t: TestContext): Promise<Browser | undefined> {
  if (!requirePeer(t, 'chromium', 'chromium')) return undefined;
  return chromium.launch({
    executablePath: CHROMIUM,
    // Root in a container has no user namespace for Chromium's sandbox.
    args: ['--no-sandbox', '--disable-dev-shm-usage'],
  });
}

/**
 * Follows a page's requests, so a test can wait until a screen has drawn what it fetched.
 * Not Playwright's `networkidle`: a screen with a live tail holds an event stream open, so its
 * network is never idle and that wait always ran to its 30-second timeout.
 */
export function followFetches(page: Page): { settled(quietMs?: number): Promise<void> } {
  const open = new Map<Request, number>();
  let moved = Date.now();
  page.on('request', (request) => {
    if (request.resourceType() === 'eventsource') return;
    open.set(request, Date.now());
    moved = Date.now();
  });
  const done = (request: Request): void => {
    if (open.delete(request)) moved = Date.now();
  };
  page.on('requestfinished', done);
  page.on('requestfailed', done);
  // A request open this long is no screen's data: the browser may never report the end of
  // one its page no longer waits for (the session check before sign-in is one).
  const stale = 5_000;
  const waiting = (): boolean => [...open.values()].some((at) => Date.now() - at < stale);
  return {
    async settled(quietMs = 300) {
      // Bounded: a screen that keeps fetching is measured as it stands after ten seconds.
      const end = Date.now() + 10_000;
      while ((waiting() || Date.now() - moved < quietMs) && Date.now() < end)
        await page.waitForTimeout(50);
    },
  };
}

/** Signs in through the console's own form and waits for the overview. */
export async function signIn(page: Page, server: ConsoleServer): Promise<void> {
  await page.goto(`${server.admin}/console/`);
  await page.getByLabel('Admin token').fill(server.token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Overview', level: 1 }).waitFor();
}

/**
 * A test file's console: one server for all its tests, and the signed-in page they share.
 * The first test that asks for the page starts Chromium (without it, the test skips, or fails
 * under CI).
 */
export class ConsoleUnderTest {
  server!: ConsoleServer;
  browser: Browser | undefined;
  context!: BrowserContext;
  #page: Page | undefined;

  constructor(options: Parameters<typeof startConsoleServer>[0]) {
    before(async () => {
      this.server = await startConsoleServer(options);
    });
    after(async () => {
      await this.browser?.close();
      await this.server.close();
    });
  }

  async page(t: TestContext): Promise<Page | undefined> {
    if (this.#page) return this.#page;
    this.browser = await launchChromium(t);
    if (!this.browser) return undefined;
    this.context = await this.browser.newContext({ viewport: { width: 1280, height: 900 } });
    this.#page = await this.context.newPage();
    await signIn(this.#page, this.server);
    return this.#page;
  }
}
