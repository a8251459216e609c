import assert from 'node:assert/strict';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';

import Fastify from 'fastify';

import { liveRoutes, type Intervals } from '../../src/api/live-routes.ts';
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

async function serve(
  store: Store,
  intervals?: Intervals,
): Promise<{ url: string; close(): Promise<void> }> {
  const app = Fastify({ logger: false });
  await app.register(liveRoutes, {
    store,
    pollMs: 50,
    keepAliveMs: 60_000,
    ...(intervals ? { intervals } : {}),
  });
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

/** The process's intervals, counting those running: the routes' own, no one else's. */
function countedIntervals(): Intervals & { running(): number } {
  const running = new Set<NodeJS.Timeout>();
  return {
    set(run, ms) {
      const timer = setInterval(run, ms);
      running.add(timer);
      return timer;
    },
    clear(timer) {
      clearInterval(timer);
      if (timer) running.delete(timer);
    },
    running: () => running.size,
  };
}

async function until(what: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!what()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('streams opened at once start one poll, and it stops with the last of them', async () => {
  const store = await openStore({ memory: true });
  // A store that takes its time to answer, as one over the network does: the streams' starts
  // overlap. It reads when asked and answers later, so a loaded machine that runs the timer
  // late cannot move the read past the event the test records.
  const slow = Object.create(store) as Store;
  slow.querySecurityEvents = (query) => store.querySecurityEvents(query);
  let waiting = 0;
  slow.queryEvents = async (query) => {
    waiting += 1;
    const read = store.queryEvents(query);
    await new Promise((r) => setTimeout(r, 100));
    waiting -= 1;
    return read;
  };
  const intervals = countedIntervals();
  const server = await serve(slow, intervals);
  try {
    const streams = await Promise.all([open(server.url), open(server.url), open(server.url)]);
    await new Promise((r) => setTimeout(r, 150));
    // One poll timer and one keep-alive timer, whatever the number of streams.
    assert.equal(intervals.running(), 2);
    await store.appendEvents([event(1)]);
    await until(() => streams.every((s) => s.text().includes('"file":"f1.cfg"')));
    for (const stream of streams) stream.end();
    await until(() => waiting === 0 && intervals.running() === 0);
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

test("a gap in a storm: a stream of one device gets that device's events of it and no notice", async () => {
  const store = await openStore({ memory: true });
  const server = await serve(store);
  const phone = '0015657a0001';
  try {
    const mine = await open(`${server.url}?mac=${phone}`);
    const all = await open(server.url);
    await new Promise((r) => setTimeout(r, 150));
    // 620 events in one poll; the phone's three are among the 120 that a batch leaves out.
    await store.appendEvents(
      Array.from({ length: 620 }, (_, i) => ({
        ...event(i + 1),
        ...(i === 10 || i === 50 || i === 610 ? { mac: phone } : {}),
      })),
    );
    await until(() => all.text().includes('"file":"f620.cfg"'));
    await until(() => mine.text().includes('"file":"f611.cfg"'));
    assert.match(all.text(), /event: skipped/);
    assert.doesNotMatch(mine.text(), /event: skipped/);
    const files = [...mine.text().matchAll(/"file":"(f\d+\.cfg)"/g)].map((m) => m[1]);
    assert.deepEqual(files, ['f11.cfg', 'f51.cfg', 'f611.cfg']);
    mine.end();
    all.end();
  } finally {
    await server.close();
    await store.close();
  }
});

test('a device that alone had more than a batch: its stream is told of its own gap', async () => {
  const store = await openStore({ memory: true });
  const server = await serve(store);
  const phone = '0015657a0002';
  try {
    const mine = await open(`${server.url}?mac=${phone}`);
    await new Promise((r) => setTimeout(r, 150));
    await store.appendEvents(
      Array.from({ length: 1200 }, (_, i) => ({
        ...event(i + 1),
        ...(i % 2 ? { mac: phone } : {}),
      })),
    );
    await until(() => mine.text().includes('"file":"f1200.cfg"'));
    const skipped = /event: skipped\ndata: (.*)\n/.exec(mine.text());
    assert.ok(skipped, 'a skipped event');
    const gap = JSON.parse(skipped[1]!) as { afterId: number; beforeId: number };
    // The phone's 600 events: its newest 500 are sent, the 100 before them named as the gap.
    assert.equal(mine.text().match(/event: provisioning/g)?.length, 500);
    assert.equal(gap.beforeId, 202);
    mine.end();
  } finally {
    await server.close();
    await store.close();
  }
});
