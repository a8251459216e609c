import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, test } from 'node:test';
import { Readable } from 'node:stream';

import { FLYINGVOICE_PHONE, startHarness, type Harness } from '../../support/harness.ts';

let h: Harness;
before(async () => {
  h = await startHarness([FLYINGVOICE_PHONE]);
});
after(() => h.close());

/** Sends bytes exactly as given (no client-side URL normalisation) and returns the status line. */
function rawRequest(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let data = '';
    socket.setTimeout(5000, () => socket.destroy(new Error('timeout')));
    socket.on('data', (chunk) => (data += chunk.toString('latin1')));
    socket.on('end', () => resolve(data));
    socket.on('close', () => resolve(data));
    socket.on('error', reject);
    socket.write(request);
  });
}

test('a device file is served at the root and under any prefix, with the MAC in any case', async () => {
  const root = await fetch(`${h.url}/0021f2000001.cfg`);
  assert.equal(root.status, 200);
  assert.equal(root.headers.get('content-type'), 'text/plain; charset=utf-8');
  const body = await root.text();
  assert.match(body, /^account\.1\.user_name=1001$/m);
  for (const path of ['/prov/0021f2000001.cfg', '/a/b/c/0021F2000001.cfg']) {
    const other = await fetch(`${h.url}${path}`);
    assert.equal(other.status, 200, path);
    assert.equal(await other.text(), body);
  }
});

test('the MAC boot file includes the common cfg, then the MAC cfg', async () => {
  const boot = await (await fetch(`${h.url}/0021f2000001.boot`)).text();
  const includes = [...boot.matchAll(/^include:config "(.+)"$/gm)].map((m) => m[1]);
  assert.deepEqual(includes, ['y000000000000.cfg', '0021f2000001.cfg']);
  const common = await (await fetch(`${h.url}/y000000000000.boot`)).text();
  assert.deepEqual(
    [...common.matchAll(/^include:config "(.+)"$/gm)].map((m) => m[1]),
    ['y000000000000.cfg'],
  );
});

test('ETag and If-None-Match give 304; HEAD gives headers and no body', async () => {
  const first = await fetch(`${h.url}/0021f2000001.cfg`);
  const etag = first.headers.get('etag');
  assert.ok(etag);
  const length = (await first.arrayBuffer()).byteLength;
  const again = await fetch(`${h.url}/0021f2000001.cfg`, { headers: { 'if-none-match': etag } });
  assert.equal(again.status, 304);
  const head = await fetch(`${h.url}/0021f2000001.cfg`, { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.equal(head.headers.get('content-length'), String(length));
  assert.equal(head.headers.get('etag'), etag);
  assert.equal((await head.arrayBuffer()).byteLength, 0);
});

test('a change to the device changes the file and its ETag', async () => {
  const before = await fetch(`${h.url}/0021f2000001.cfg`);
  const etag = before.headers.get('etag');
  await before.text();
  const patched = await h.api('PATCH', '/devices/0021f2000001', {
    settings: { 'accounts.1.label': 'Reception' },
  });
  assert.equal(patched.status, 200);
  const after = await fetch(`${h.url}/0021f2000001.cfg`);
  assert.notEqual(after.headers.get('etag'), etag);
  assert.match(await after.text(), /^account\.1\.label=Reception$/m);
});

test('an unknown MAC gets exactly the 404 of a missing file', async () => {
  const unknown = await fetch(`${h.url}/0021f2999999.cfg`);
  const missing = await fetch(`${h.url}/no-such-file.bin`);
  assert.equal(unknown.status, 404);
  assert.equal(missing.status, 404);
  assert.deepEqual(
    [unknown.headers.get('content-type'), await unknown.text()],
    [missing.headers.get('content-type'), await missing.text()],
  );
});

test('traversal, encoded dots, backslashes and NUL never escape and get 404', async () => {
  for (const path of [
    '/../etc/passwd',
    '/%2e%2e/%2e%2e/etc/passwd',
    '/prov/%2E%2E/0021f2000001.cfg',
    '/..%2f..%2fetc%2fpasswd',
    '/a%5c..%5c0021f2000001.cfg',
    '/0021f2000001.cfg%00',
    '/%ff%fe',
  ]) {
    const response = await rawRequest(
      h.port,
      `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
    );
    assert.match(response, /^HTTP\/1\.1 404 /, path);
  }
  const backslash = await rawRequest(
    h.port,
    'GET /prov\\0021f2000001.cfg HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
  );
  assert.match(backslash, /^HTTP\/1\.1 (400|404) /);
});

test('oversized URLs and headers get 4xx and the server keeps serving', async () => {
  const longUrl = await rawRequest(
    h.port,
    `GET /${'a'.repeat(70_000)} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
  );
  assert.match(longUrl, /^HTTP\/1\.1 4\d\d /);
  const bigHeader = await rawRequest(
    h.port,
    `GET /0021f2000001.cfg HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(70_000)}\r\nConnection: close\r\n\r\n`,
  );
  assert.match(bigHeader, /^HTTP\/1\.1 4\d\d /);
  const garbage = await rawRequest(h.port, 'NONSENSE\r\n\r\n');
  assert.match(garbage, /^HTTP\/1\.1 400 /);
  assert.equal((await fetch(`${h.url}/0021f2000001.cfg`)).status, 200);
});

test('overlay files are streamed with ranges; /healthz answers', async () => {
  const bytes = Buffer.alloc(600_000, 7);
  bytes.write('plugndial', 300_000);
  await h.runtime.store.putFile(
    'firmware/fip14g.rom',
    Readable.from([bytes]),
    'application/octet-stream',
  );
  const whole = await fetch(`${h.url}/prov/firmware/fip14g.rom`);
  assert.equal(whole.status, 200);
  assert.ok(Buffer.from(await whole.arrayBuffer()).equals(bytes));
  const part = await fetch(`${h.url}/firmware/fip14g.rom`, {
    headers: { range: 'bytes=300000-300008' },
  });
  assert.equal(part.status, 206);
  assert.equal(await part.text(), 'plugndial');
  assert.equal((await fetch(`${h.url}/healthz`)).status, 200);
});

test('a small overlay file, kept whole by the store, answers as a stored file does', async () => {
  const logo = Buffer.alloc(5_000, 3);
  logo.write('logo', 4_000);
  await h.runtime.store.putFile('logo.bmp', Readable.from([logo]), 'image/bmp');
  for (let i = 0; i < 2; i++) {
    const whole = await fetch(`${h.url}/logo.bmp`);
    assert.equal(whole.status, 200);
    assert.equal(whole.headers.get('accept-ranges'), 'bytes');
    assert.ok(Buffer.from(await whole.arrayBuffer()).equals(logo));
  }
  const part = await fetch(`${h.url}/logo.bmp`, { headers: { range: 'bytes=4000-4003' } });
  assert.equal(part.status, 206);
  assert.equal(part.headers.get('content-range'), 'bytes 4000-4003/5000');
  assert.equal(await part.text(), 'logo');
  const beyond = await fetch(`${h.url}/logo.bmp`, { headers: { range: 'bytes=9000-' } });
  assert.equal(beyond.status, 416);
  // A last byte before the first is no range: the whole file (RFC 9110 §14.1.1).
  const backwards = await fetch(`${h.url}/logo.bmp`, { headers: { range: 'bytes=5-3' } });
  assert.equal(backwards.status, 200);
  assert.equal((await backwards.arrayBuffer()).byteLength, 5_000);
  // If-Range: the part only while the file is the one the phone began with.
  const etag = part.headers.get('etag')!;
  assert.ok(etag, 'a stored file has an entity tag');
  for (const [ifRange, status, length] of [
    [etag, 206, 4],
    ['"another-version"', 200, 5_000],
    ['Wed, 21 Oct 2015 07:28:00 GMT', 200, 5_000],
  ] as const) {
    const resumed = await fetch(`${h.url}/logo.bmp`, {
      headers: { range: 'bytes=4000-4003', 'if-range': ifRange },
    });
    assert.equal(resumed.status, status, ifRange);
    assert.equal((await resumed.arrayBuffer()).byteLength, length, ifRange);
  }
  // A new upload is a new version: the next phone gets its bytes, not the kept ones.
  const newer = Buffer.alloc(5_000, 9);
  await h.runtime.store.putFile('logo.bmp', Readable.from([newer]), 'image/bmp');
  const after = await fetch(`${h.url}/logo.bmp`);
  assert.ok(Buffer.from(await after.arrayBuffer()).equals(newer));
});

test('every request is one event, with the device contact recorded', async () => {
  await h.runtime.recorder.flush();
  const before = await h.runtime.store.queryEvents({ limit: 10_000 });
  await (
    await fetch(`${h.url}/0021f2000001.boot`, {
      headers: { 'user-agent': 'Flyingvoice FIP14G V0.5.15 0021f2000001' },
    })
  ).text();
  await (await fetch(`${h.url}/missing.cfg`)).text();
  await h.runtime.recorder.flush();
  const events = await h.runtime.store.queryEvents({ limit: 10_000 });
  assert.equal(events.length, before.length + 2);
  const boot = events.find((e) => e.file === '0021f2000001.boot' && e.userAgent);
  assert.ok(boot);
  assert.equal(boot.mac, '0021f2000001');
  assert.equal(boot.status, 200);
  assert.equal(boot.driver, 'yealink');
  assert.ok(boot.bytes > 0);
  const device = await h.runtime.store.getDevice('0021f2000001' as never);
  assert.equal(device?.lastContact?.file, '0021f2000001.boot');
  assert.equal(device?.lastContact?.address, '127.0.0.1');
  assert.equal(device?.reported?.model, 'FIP14G');
});

test('a phone refused while unknown is served as soon as it is added', async () => {
  assert.equal((await fetch(`${h.url}/0021f2000077.cfg`)).status, 404);
  assert.equal((await fetch(`${h.url}/0021f2000077.cfg`)).status, 404);
  const added = await h.api('POST', '/devices', {
    mac: '0021f2000077',
    vendor: 'yealink',
    settings: { 'accounts.1.user': '1077', 'accounts.1.registrar': 'pbx.example.com' },
  });
  assert.equal(added.status, 201);
  const served = await fetch(`${h.url}/0021f2000077.cfg`);
  assert.equal(served.status, 200);
  assert.match(await served.text(), /^account\.1\.sip_server\.1\.address=pbx\.example\.com$/m);
  const removed = await h.api('DELETE', '/devices/0021f2000077');
  assert.equal(removed.status, 200);
  assert.equal((await fetch(`${h.url}/0021f2000077.cfg`)).status, 404);
});
