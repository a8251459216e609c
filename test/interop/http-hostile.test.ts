import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, test } from 'node:test';

import { hugeBody } from '../../bench/support/abusers.ts';
import { tempDir } from '../support/harness.ts';
import { pipelined, type RawResponse } from '../support/raw-http.ts';
import { run, serve, type ServeProcess, httpOnly } from '../support/serve.ts';

// Hostile HTTP clients against the real server: pipelined requests that cross from the lean
// phone reader to node:http, and bodies the server refused before reading them.

const PHONE = '0021f2000001';
let dir: string;
let server: ServeProcess;
let port: number;

before(async () => {
  dir = tempDir();
  server = await serve(httpOnly(dir));
  port = server.ports['http']!;
  const added = run(['device', 'add', PHONE, '--vendor', 'flyingvoice', '--data-dir', dir]);
  assert.equal(added.code, 0, added.err);
});

after(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const CFG = `GET /${PHONE}.cfg HTTP/1.1\r\nHost: x\r\n\r\n`;

function isCfg(response: RawResponse | undefined): boolean {
  return response?.status === 200 && response.headers['content-type']?.startsWith('text/') === true;
}

test('pipelined answers leave in request order whichever reader answers them', async () => {
  const cases: { name: string; second: string; status: number }[] = [
    {
      name: 'healthz',
      second: 'GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
      status: 200,
    },
    {
      name: 'POST',
      second: `POST /${PHONE}.cfg HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`,
      status: 405,
    },
    {
      name: 'api',
      second: 'GET /api/v1/devices HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
      status: 401,
    },
  ];
  for (const { name, second, status } of cases) {
    // Several rounds: the race between the two readers is lost only some of the time.
    for (let round = 0; round < 5; round += 1) {
      const { responses } = await pipelined(port, CFG + second);
      assert.equal(responses.length, 2, `${name}: two answers`);
      assert.ok(isCfg(responses[0]), `${name}, round ${round}: the file's answer first`);
      assert.equal(responses[1]!.status, status, `${name}: then the second one`);
    }
  }
  // A miss first, then healthz.
  const { responses } = await pipelined(
    port,
    'GET /nothing-here.cfg HTTP/1.1\r\nHost: x\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
  );
  assert.deepEqual(
    responses.map((r) => r.status),
    [404, 200],
  );
  assert.match(responses[1]!.body.toString(), /"status"/);
});

test('a connection that must close first sends what it owes', async () => {
  for (let round = 0; round < 5; round += 1) {
    const malformed = await pipelined(
      port,
      `${CFG}GET /x HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n`,
    );
    assert.ok(isCfg(malformed.responses[0]), 'the 200 before the 400');
    assert.equal(malformed.responses[1]?.status, 400);
    const tunnel = await pipelined(
      port,
      `${CFG}CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n`,
    );
    assert.ok(
      isCfg(tunnel.responses[0]),
      'the earlier answer before CONNECT closes the connection',
    );
  }
});

test('a body refused before it is read is not read to its end', async () => {
  const cap = 256 * 1024 * 1024;
  for (const [name, head, status] of [
    [
      'API without a token',
      'POST /api/v1/devices HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2147483648\r\n\r\n',
      401,
    ],
    [
      'phone path, POST',
      `POST /${PHONE}.cfg HTTP/1.1\r\nHost: x\r\nContent-Length: 2147483648\r\n\r\n`,
      405,
    ],
    [
      'phone path, GET with a body',
      `GET /${PHONE}.cfg HTTP/1.1\r\nHost: x\r\nContent-Length: 2147483648\r\n\r\n`,
      200,
    ],
  ] as const) {
    const result = await hugeBody(port, head, { cap });
    assert.equal(result.status, status, `${name}: answered`);
    assert.ok(
      result.closed,
      `${name}: the server closed the connection (${result.written} bytes written)`,
    );
    // What the kernel's buffers hold on loopback, and a little more: far from the 2 GiB.
    assert.ok(
      result.written < 32 * 1024 * 1024,
      `${name}: ${result.written} bytes taken before the close`,
    );
  }
});
