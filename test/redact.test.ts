import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';

import { loadServerConfig } from '../src/config/server-config.ts';
import { operatorLog } from '../src/log.ts';
import { maskUserinfo } from '../src/redact.ts';
import { tempDir } from './support/harness.ts';
import { run, serve } from './support/serve.ts';

// An operator may put credentials in --public-url (phones handed http://user:pass@host/):
// the URL goes to phones as it is, and never into the log, events or messages.

test('maskUserinfo hides the whole userinfo of every URL in a text, and nothing else', () => {
  assert.equal(
    maskUserinfo(
      'ready publicUrl=http://prov:Pa55w0rd@10.0.0.5:8080/p and ftp://0021f2000001:x@h/',
    ),
    'ready publicUrl=http://****@10.0.0.5:8080/p and ftp://****@h/',
  );
  assert.equal(maskUserinfo('tftp://10.0.0.5/a@b.cfg'), 'tftp://10.0.0.5/a@b.cfg');
  assert.equal(maskUserinfo('mail ops@example.com'), 'mail ops@example.com');
  assert.equal(maskUserinfo('HTTPS://u@host'), 'HTTPS://****@host');
});

test('maskUserinfo hides a password holding @, quotes or < whole, raw and inside a JSON line', () => {
  for (const password of ["it's-s3cret", 'p@ss', 'a"b', '<pw>', 'x\\y', '\'"@<>']) {
    const url = `postgres://app:${password}@db.example/pnd`;
    assert.equal(
      maskUserinfo(`database ${url} flag`),
      'database postgres://****@db.example/pnd flag',
    );
    const line = JSON.stringify({ msg: 'ready', database: url, other: 'ops@example.com' });
    const masked = maskUserinfo(line);
    assert.equal(
      masked,
      JSON.stringify({
        msg: 'ready',
        database: 'postgres://****@db.example/pnd',
        other: 'ops@example.com',
      }),
      line,
    );
  }
  // A JSON field that ends where a host would: the next field's '@' is not taken for one.
  const line = JSON.stringify({ url: 'http://host', mail: 'ops@example.com' });
  assert.equal(maskUserinfo(line), line);
});

test('every log line is masked, message and fields alike, as text and as JSON', () => {
  for (const format of ['text', 'json'] as const) {
    const stream = new PassThrough();
    let text = '';
    stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
    const log = operatorLog({ stream, format });
    log('info', 'plugndial ready', {
      publicUrl: 'http://prov:Pa55w0rd@10.0.0.5',
      nested: { url: 'https://a:b@c/' },
    });
    log('warn', 'fetch of http://u:Pa55w0rd@h/x failed');
    assert.doesNotMatch(text, /Pa55w0rd|prov:|a:b@/, format);
    assert.match(text, /http:\/\/\*\*\*\*@10\.0\.0\.5/, format);
  }
});

test('a --public-url refused as invalid is not echoed with its password', () => {
  assert.throws(
    () => loadServerConfig({ flags: { 'public-url': 'gopher://prov:Pa55w0rd@host/' }, env: {} }),
    (error: Error) =>
      !error.message.includes('Pa55w0rd') && /gopher:\/\/\*\*\*\*@host/.test(error.message),
  );
});

test('serve with credentials in --public-url: the log, the events and simulate never show them', async () => {
  const dir = tempDir();
  const server = await serve([
    '--data-dir',
    dir,
    '--http',
    '127.0.0.1:0',
    '--tftp',
    'off',
    '--sip',
    '127.0.0.1:0',
    '--sip-interface',
    'none',
    '--public-url',
    'http://prov:Pa55w0rd@127.0.0.1:1/',
  ]);
  try {
    // A stranger's SUBSCRIBE is answered with the public URL, credentials and all; the
    // event of that answer records the URL.
    const phone = run([
      'simulate',
      '805ec0123456',
      '--vendor',
      'yealink',
      '--via',
      'pnp',
      '--sip',
      `127.0.0.1:${server.ports['sip']}`,
      '--data-dir',
      dir,
    ]);
    assert.match(phone.err, /pnp http:\/\/\*\*\*\*@127\.0\.0\.1:1\//, phone.err);
    const events = run(['events', '--json', '--data-dir', dir]);
    assert.equal(events.code, 0, events.err);
    const sip = (JSON.parse(events.out) as { transport: string; file: string }[]).filter(
      (e) => e.transport === 'sip',
    );
    assert.ok(sip.length > 0, events.out);
    assert.match(sip[0]!.file, /^http:\/\/\*\*\*\*@127\.0\.0\.1:1\//);
    const pending = run(['device', 'pending', '--json', '--data-dir', dir]);
    for (const text of [server.log(), phone.out, phone.err, events.out, pending.out])
      assert.doesNotMatch(text, /Pa55w0rd|prov:/);
    assert.match(server.log(), /publicUrl"?[=:]"?http:\/\/\*\*\*\*@127\.0\.0\.1:1/);
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
