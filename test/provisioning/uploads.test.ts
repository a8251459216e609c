import assert from 'node:assert/strict';
import { once } from 'node:events';
import { request } from 'node:http';
import { connect } from 'node:net';
import { after, before, test } from 'node:test';

import { httpGet } from '../../src/simulate/http-client.ts';
import { startHarness, type Harness } from '../support/harness.ts';

// Poly phones PUT their logs, overrides and directories (Poly FAQ, "What files does my phone
// download or upload and why"). What the server takes, keeps and answers.
const POLY = '0004f2000001';
const STORED = '0004f2000002';
const LOCKED = '0004f2000003';
const OVERRIDE = Buffer.from(
  '<PHONE_CONFIG><OVERRIDES up.backlight.idleIntensity="1"/></PHONE_CONFIG>\n',
);

let h: Harness;

before(async () => {
  h = await startHarness([
    { mac: POLY, vendor: 'poly', settings: { 'accounts.1.user': '1001' } },
    {
      mac: STORED,
      vendor: 'poly',
      settings: { 'provisioning.uploads': 'store', 'provisioning.upload_limit': 4096 },
    },
    {
      mac: LOCKED,
      vendor: 'poly',
      settings: { 'provisioning.uploads': 'store', 'provisioning.access': 'device-credentials' },
    },
    { mac: '00:15:65:00:00:01', vendor: 'yealink', settings: {} },
  ]);
});
after(() => h?.close());

function put(
  path: string,
  body: Buffer,
  headers: Record<string, string> = {},
): Promise<{
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${h.url}${path}`,
      { method: 'PUT', headers: { 'content-length': String(body.length), ...headers } },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function files(): Promise<string[]> {
  const listed = await h.api('GET', '/files');
  return (listed.body as { path: string }[]).map((f) => f.path);
}

async function events(
  mac: string,
): Promise<{ file: string; status: number; reason?: string; bytes: number }[]> {
  await h.runtime.recorder.flush();
  return (await h.api('GET', `/events?mac=${mac}`)).body as {
    file: string;
    status: number;
    reason?: string;
    bytes: number;
  }[];
}

test('by default an upload is answered 204, read and dropped, and recorded', async () => {
  const answer = await put(`/${POLY}-app.log`, Buffer.from('0101 boot ok\n'));
  assert.equal(answer.status, 204);
  assert.deepEqual(await files(), []);
  const [event] = await events(POLY);
  assert.deepEqual(
    [event!.file, event!.status, event!.reason, event!.bytes],
    [`${POLY}-app.log`, 204, 'upload-discarded', 13],
  );
  // Nothing kept, nothing to serve back: the phone's GET finds no file (the answer to any
  // missing file: 401 here, since a device of this server uses credentials).
  assert.equal((await httpGet(`${h.url}/${POLY}-phone.cfg`)).status, 401);
});

test('provisioning.uploads=store keeps it under uploads/<mac>/ and serves it back, under any prefix', async () => {
  assert.equal((await put(`/prov/${STORED}-phone.cfg`, OVERRIDE)).status, 204);
  assert.ok((await files()).includes(`uploads/${STORED}/${STORED}-phone.cfg`));
  const back = await httpGet(`${h.url}/${STORED}-phone.cfg`);
  assert.equal(back.status, 200);
  assert.deepEqual(back.body, OVERRIDE);
  assert.deepEqual((await httpGet(`${h.url}/other/${STORED}-phone.cfg`)).body, OVERRIDE);
  // A new upload replaces the old one.
  const newer = Buffer.from(
    '<PHONE_CONFIG><OVERRIDES up.backlight.idleIntensity="2"/></PHONE_CONFIG>\n',
  );
  assert.equal((await put(`/${STORED}-phone.cfg`, newer)).status, 204);
  assert.deepEqual((await httpGet(`${h.url}/${STORED}-phone.cfg`)).body, newer);
});

test('larger than provisioning.upload_limit: 413 before the body is read, or as soon as it goes over; nothing kept', async () => {
  const declared = await put(`/${STORED}-app.log`, Buffer.alloc(5000, 0x41));
  assert.equal(declared.status, 413);
  assert.equal(declared.headers['connection'], 'close');
  // Chunked, so the size is known only while reading.
  const chunked = await new Promise<number>((resolve, reject) => {
    const req = request(
      `${h.url}/${STORED}-boot.log`,
      { method: 'PUT', headers: { 'transfer-encoding': 'chunked' } },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('error', reject);
    for (let i = 0; i < 5; i++) req.write(Buffer.alloc(1000, 0x42));
    req.end();
  });
  assert.equal(chunked, 413);
  assert.ok(!(await files()).some((f) => f.endsWith('-app.log') || f.endsWith('-boot.log')));
  const reasons = (await events(STORED)).map((e) => e.reason);
  assert.equal(reasons.filter((r) => r === 'upload-too-large').length, 2);
});

test('a body far beyond the limit is not read to its end: the connection closes', async () => {
  const socket = connect(h.port, '127.0.0.1');
  await once(socket, 'connect');
  let received = '';
  socket.on('data', (d: Buffer) => (received += d.toString()));
  socket.on('error', () => undefined);
  socket.write(`PUT /${STORED}-app.log HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n`);
  const chunk = Buffer.alloc(64 * 1024, 0x43);
  const frame = Buffer.concat([
    Buffer.from(`${chunk.length.toString(16)}\r\n`),
    chunk,
    Buffer.from('\r\n'),
  ]);
  // Up to 64 MiB offered; the server stops long before.
  let sent = 0;
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  while (!socket.destroyed && sent < 1024) {
    const flushed = socket.write(frame);
    sent++;
    if (!flushed)
      await new Promise<void>((resolve) => {
        socket.once('drain', resolve);
        socket.once('close', resolve);
      });
  }
  await closed;
  assert.match(received, /^HTTP\/1\.1 413 /);
  assert.ok(sent < 1024, `the server read ${sent} chunks of 64 KiB`);
});

test('a device-credentials phone uploads with its digest credentials; without them it is challenged, first contact or not', async () => {
  // In its first-contact window a phone may fetch its files without credentials, never upload.
  const anonymous = await put(`/${LOCKED}-web.cfg`, OVERRIDE);
  assert.equal(anonymous.status, 401);
  assert.match(String(anonymous.headers['www-authenticate']), /^Digest /);
  const credentials = (await h.api('GET', `/devices/${LOCKED}/credentials?secrets=true`)).body as {
    username: string;
    password: string;
  };
  const sent = await httpGet(`${h.url}/${LOCKED}-web.cfg`, {
    credentials: { username: credentials.username, password: credentials.password },
    upload: OVERRIDE,
  });
  assert.equal(sent.status, 204);
  assert.ok((await files()).includes(`uploads/${LOCKED}/${LOCKED}-web.cfg`));
  // Presenting its credentials closed the first-contact window: without them, nothing back.
  assert.equal((await httpGet(`${h.url}/${LOCKED}-web.cfg`)).status, 401);
  const back = await httpGet(`${h.url}/${LOCKED}-web.cfg`, { credentials });
  assert.deepEqual(back.body, OVERRIDE);
});

test('unknown phones, files no phone writes, other methods: the answers of today', async () => {
  // An unknown MAC: the same 404 (or the challenge, with credentials in use) as a GET of it.
  const unknown = await put('/0004f2999999-phone.cfg', OVERRIDE);
  const get = await httpGet(`${h.url}/0004f2999999-phone.cfg`);
  assert.equal(unknown.status, get.status);
  for (const path of [
    `/${POLY}.cfg`,
    `/${POLY}-settings.cfg`,
    '/000000000000-directory.xml',
    '/001565000001.cfg',
    '/random.txt',
  ]) {
    const answer = await put(path, OVERRIDE);
    assert.equal(answer.status, 405, path);
    assert.equal(answer.headers['allow'], 'GET, HEAD, PUT');
  }
  // A Yealink device's MAC under a Poly name: not its phone's file, refused as a GET of it is.
  assert.equal(
    (await put('/001565000001-app.log', OVERRIDE)).status,
    (await httpGet(`${h.url}/001565000001-app.log`)).status,
  );
  assert.equal((await put(`/${POLY}-app.log`, Buffer.alloc(0))).status, 204);
  assert.deepEqual((await files()).sort(), [
    `uploads/${STORED}/${STORED}-phone.cfg`,
    `uploads/${LOCKED}/${LOCKED}-web.cfg`,
  ]);
});
