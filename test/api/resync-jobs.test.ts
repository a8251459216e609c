import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import type { SipRequest } from '../../src/sip/message.ts';
import { macOf, startConsoleServer, type ConsoleServer } from '../console/support.ts';
import { TestPhone, header, isRequest } from '../sip/support.ts';

// A bulk resync is a job of the server: it tells the phones at a rate and counts their answers.
let server: ConsoleServer;
let phone: TestPhone;
let answering = true;
const notified: string[] = [];

before(async () => {
  server = await startConsoleServer({ devices: 5, sip: true });
  phone = await TestPhone.open();
  void (async () => {
    while (answering) {
      const notify = (await phone.next(isRequest('NOTIFY'), 200).catch(() => undefined)) as
        SipRequest | undefined;
      if (!notify) continue;
      notified.push(header(notify, 'To') ?? '');
      const from = Number(/:(\d+);branch/.exec(header(notify, 'Via')!)![1]);
      phone.answer(notify, 200, 'OK', from);
    }
  })();
  // Devices 2 and 4 (profile floor1) and 5 answer on the test phone; 1 and 3 have no address.
  for (const n of [2, 4, 5]) {
    await api('PATCH', `/devices/${macOf(n)}`, {
      settings: { 'sip.contact': `sip:${1000 + n}@127.0.0.1:${phone.port}` },
    });
  }
});

after(async () => {
  answering = false;
  await phone.close();
  await server.close();
});

async function api(
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${server.http}/api/v1${path}`, {
    method,
    headers: {
      authorization: `Bearer ${server.token}`,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function finished(id: unknown): Promise<Record<string, unknown>> {
  for (let i = 0; i < 200; i++) {
    const job = (await api('GET', `/resyncs/${String(id)}`)).body;
    if (job['finishedAt']) return job;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('the resync job did not finish in 20 s');
}

test("a profile's phones are resynced as one job; its progress counts their answers", async () => {
  const started = await api('POST', '/resyncs', { profile: 'floor1', rate: 50 });
  assert.equal(started.status, 202, JSON.stringify(started.body));
  assert.equal(started.body['total'], 2);
  const job = await finished(started.body['id']);
  assert.equal(job['done'], 2);
  assert.equal(job['answered'], 2);
  assert.equal(job['failed'], 0);
  const listed = (await api('GET', '/resyncs')).body as unknown as { id: string }[];
  assert.equal(listed[0]!.id, started.body['id']);
});

test('a selection with phones that cannot be told: each one counted, the failures listed', async () => {
  const started = await api('POST', '/resyncs', {
    macs: [macOf(1), '00:21:f2:00:00:05', macOf(3)],
    rate: 50,
  });
  assert.equal(started.status, 202);
  const job = await finished(started.body['id']);
  assert.equal(job['total'], 3);
  assert.equal(job['answered'], 1);
  assert.equal(Number(job['failed']) + Number(job['unreachable']), 2);
  const failures = job['failures'] as { mac: string }[];
  assert.deepEqual(failures.map((f) => f.mac).sort(), [macOf(1), macOf(3)]);
});

test('a resync names its phones one way; an unknown job or profile is the documented 404', async () => {
  assert.equal((await api('POST', '/resyncs', { all: true, profile: 'floor1' })).status, 400);
  assert.equal((await api('POST', '/resyncs', { macs: ['nope'] })).status, 400);
  assert.equal((await api('POST', '/resyncs', { profile: 'nosuch' })).status, 404);
  const missing = await api('GET', '/resyncs/0000');
  assert.equal(missing.status, 404);
  assert.equal(missing.body['code'], 'PND_RESYNC_JOB_NOT_FOUND');
});
