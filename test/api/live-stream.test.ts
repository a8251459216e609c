import assert from 'node:assert/strict';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';

import Fastify from 'fastify';

import { liveRoutes } from '../../src/api/live-routes.ts';
import type { ProvisioningEvent } from '../../src/model/event.ts';
import { openStore } from '../../src/store/open.ts';
import type { Store } from '../../src/store/store.ts';

const event = (n: number): ProvisioningEvent => ({
  at: new Date(Date.UTC(2026, 0, 1) + n).toISOString(),
  file: `f${n}.cfg`,
  transport: 'http',
  address: '192.0.2.1',
  status: 200,
  bytes: n,
  durationMs: 1,
});

async function serve(store: Store): Promise<{ url: string; close(): Promise<void> }> {
  const app = Fastify({ logger: false });
  await app.register(liveRoutes, { store, pollMs: 50, keepAliveMs: 60_000 });
  await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/events/stream`,
    close: () => app.close(),
  };
}

/** Opens a stream; the text it received so far, and a way to end it. */
function open(url: string): Promise<{ text(): string; end(): void; response: IncomingMessage }> {
  return new Promise((resolve, reject) => {
    const asked = httpRequest(url, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      resolve({ text: () => text, end: () => asked.destroy(), response });
    });
    asked.on('error', reject);
    asked.end();
  });
}

const timers = (): number =>
  process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;

async function until(what: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!what()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('streams opened at once start one poll, and it stops with the last of them', async () => {
  const store = await openStore({ memory: true });
  // A store that takes its time, as one over the network does: the streams' starts overlap.
  const slow = Object.create(store) as Store;
  slow.querySecurityEvents = (query) => store.querySecurityEvents(query);
  let waiting = 0;
  slow.queryEvents = async (query) => {
    waiting += 1;
    await new Promise((r) => setTimeout(r, 100));
    waiting -= 1;
    return store.queryEvents(query);
  };
  const server = await serve(slow);
  try {
    const idle = timers();
    const streams = await Promise.all([open(server.url), open(server.url), open(server.url)]);
    await new Promise((r) => setTimeout(r, 150));
    // One poll timer and one keep-alive timer, whatever the number of streams (the slow
    // store's own waits aside).
    assert.equal(timers() - waiting - idle, 2);
    await store.appendEvents([event(1)]);
    await until(() => streams.every((s) => s.text().includes('"file":"f1.cfg"')));
    for (const stream of streams) stream.end();
    await until(() => waiting === 0 && timers() === idle);
  } finally {
    await server.close();
    await store.close();
  }
});

test('more events in one poll than a stream is sent: the newest are sent and the gap is named', async () => {
  const store = await openStore({ memory: true });
  const server = await serve(store);
  try {
    const stream = await open(server.url);
    await new Promise((r) => setTimeout(r, 150));
    await store.appendEvents(Array.from({ length: 620 }, (_, i) => event(i + 1)));
    await until(() => stream.text().includes('"file":"f620.cfg"'));
    const skipped = /event: skipped\ndata: (.*)\n/.exec(stream.text());
    assert.ok(skipped, 'a skipped event');
    const gap = JSON.parse(skipped[1]!) as { kind: string; afterId: number; beforeId: number };
    assert.equal(gap.kind, 'provisioning');
    assert.equal(gap.beforeId - gap.afterId - 1, 120);
    assert.equal(stream.text().match(/event: provisioning/g)?.length, 500);
    stream.end();
  } finally {
    await server.close();
    await store.close();
  }
});
