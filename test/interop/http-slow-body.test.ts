import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { tempDir } from '../support/harness.ts';
import { run, serve, type ServeProcess, httpOnly } from '../support/serve.ts';

// Request bodies against the real server, its head deadline at 1 s: a body that stops or
// crawls is cut with 408, on the phones' door and on the admin listener, and a slow but
// steady one is not, however long it takes.

const PHONE = '0021f2000001';
let dir: string;
let server: ServeProcess;
let doors: { http: number; admin: number };
let token: string;

before(async () => {
  dir = tempDir();
  server = await serve([...httpOnly(dir), '--admin', '127.0.0.1:0', '--http-header-timeout', '1']);
  doors = { http: server.ports['http']!, admin: server.ports['admin']! };
  token = readFileSync(join(dir, 'admin-token'), 'utf8').trim();
  const added = run(['device', 'add', PHONE, '--vendor', 'flyingvoice', '--data-dir', dir]);
  assert.equal(added.code, 0, added.err);
});

after(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

interface Exchange {
  socket: Socket;
  /** What the server sent so far. */
  received: () => string;
  /** Everything the server sent until it closed (`closed`), or until `timeoutMs`. */
  answer: Promise<{ text: string; closed: boolean }>;
}

function post(port: number, length: number, timeoutMs: number): Exchange {
  const socket = connect(port, '127.0.0.1');
  let text = '';
  const answer = new Promise<{ text: string; closed: boolean }>((resolve) => {
    const done = (closed: boolean): void => {
      clearTimeout(timer);
      resolve({ text, closed });
    };
    const timer = setTimeout(() => {
      done(false);
      socket.destroy();
    }, timeoutMs);
    socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
    socket.on('close', () => done(true));
    socket.on('error', () => undefined);
  });
  socket.write(
    `POST /api/v1/devices HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${length}\r\n\r\n`,
  );
  return { socket, answer, received: () => text };
}

async function phoneServed(): Promise<void> {
  const response = await fetch(`http://127.0.0.1:${doors.http}/${PHONE}.cfg`);
  assert.equal(response.status, 200);
  await response.text();
}

for (const door of ['http', 'admin'] as const) {
  test(`${door}: a body that stops is cut with 408; the server goes on`, async () => {
    const { socket, answer } = post(doors[door], 100_000, 15_000);
    socket.write('{"mac":');
    const { text, closed } = await answer;
    assert.match(text, /^HTTP\/1\.1 408 /, `the answer: ${JSON.stringify(text.slice(0, 80))}`);
    // Its deadline is its head deadline's (1 s), looked at each second: the server closes it
    // long before the test's own 15 s would.
    assert.ok(closed, 'the connection is closed by the server, before the test gives up');
    await phoneServed();
  });

  test(`${door}: a body that crawls is cut with 408, though it never stops`, async () => {
    const { socket, answer } = post(doors[door], 100_000, 15_000);
    const crawl = setInterval(() => socket.write(' '), 200);
    try {
      const { text, closed } = await answer;
      assert.match(text, /^HTTP\/1\.1 408 /, `the answer: ${JSON.stringify(text.slice(0, 80))}`);
      assert.ok(closed);
    } finally {
      clearInterval(crawl);
    }
  });
}

test('a body cut is a limit-reached event that says why', async () => {
  // One address, one limit: the first cut is recorded at once, later ones are tallied.
  let details: string[] = [];
  for (let waited = 0; waited < 5000 && details.length === 0; waited += 100) {
    const response = await fetch(
      `http://127.0.0.1:${doors.admin}/api/v1/security-events?kind=limit-reached`,
      { headers: { authorization: `Bearer ${token}` } },
    );
    assert.equal(response.status, 200);
    details = ((await response.json()) as { detail: string }[]).map((event) => event.detail);
    if (details.length === 0) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.deepEqual(details, ['http --http-header-timeout: no byte of a request body for 1 s']);
});

test('a slow, steady body is taken whole however long it takes', async () => {
  // 6 KiB at 2 KiB/s: three times the head deadline, above the pace a body must keep.
  const device = JSON.stringify({ mac: '0021f2000002', vendor: 'flyingvoice' });
  const body = Buffer.from(device.padEnd(6 * 1024, ' '));
  const { socket, received } = post(doors.http, body.length, 30_000);
  // In small steps: a test process slowed by its neighbours must not look like a stall
  // (nothing for the 1 s deadline) only because one of its pauses ran long.
  for (let at = 0; at < body.length; at += 256) {
    socket.write(body.subarray(at, at + 256));
    await new Promise((resolve) => setTimeout(resolve, 125));
  }
  // The connection is kept after the answer: read it as soon as it is whole.
  for (let waited = 0; waited < 10_000 && !/\r\n\r\n[\s\S]*\}/.test(received()); waited += 50)
    await new Promise((resolve) => setTimeout(resolve, 50));
  const text = received();
  assert.match(text, /^HTTP\/1\.1 201 /, `the answer: ${JSON.stringify(text.slice(0, 120))}`);
  socket.destroy();
  const shown = run(['device', 'show', '0021f2000002', '--data-dir', dir]);
  assert.equal(shown.code, 0, shown.err);
});
