import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { test } from 'node:test';

import { parseListen } from '../../src/config/listen.ts';
import { loadServerConfig } from '../../src/config/server-config.ts';

const load = (
  flags: Record<string, string>,
  env: NodeJS.ProcessEnv = {},
): ReturnType<typeof loadServerConfig> => loadServerConfig({ flags, env });

test('doors default to their standard ports; HTTPS and FTP are off unless asked for', () => {
  const config = load({});
  assert.deepEqual(config.doors.http, { host: '0.0.0.0', port: 80 });
  assert.deepEqual(config.doors.tftp, { host: '0.0.0.0', port: 69 });
  assert.deepEqual(config.doors.sip, { host: '0.0.0.0', port: 5060 });
  assert.deepEqual(config.doors.acs, { host: '0.0.0.0', port: 7547 });
  assert.equal(config.doors.https, undefined);
  assert.equal(config.doors.ftp, undefined);
  assert.deepEqual(load({ https: 'on', ftp: '127.0.0.1:2121' }).doors.https, {
    host: '0.0.0.0',
    port: 443,
  });
  assert.deepEqual(load({ ftp: '127.0.0.1:2121' }).doors.ftp, { host: '127.0.0.1', port: 2121 });
});

test('flags win over the environment, and every door can be turned off', () => {
  const config = load(
    { http: '8080', tftp: 'off' },
    { PLUGNDIAL_HTTP: '9090', PLUGNDIAL_SIP: 'off' },
  );
  assert.deepEqual(config.doors.http, { host: '0.0.0.0', port: 8080 });
  assert.equal(config.doors.tftp, undefined);
  assert.equal(config.doors.sip, undefined);
  assert.deepEqual(load({}, { PLUGNDIAL_HTTP: '[::1]:8081' }).doors.http, {
    host: '::1',
    port: 8081,
  });
});

test('bad door, URL and database values are refused with the flag named', () => {
  assert.throws(() => load({ http: '99999' }), /--http: .*not a listen address/);
  assert.throws(() => load({ tftp: 'somewhere:' }), /--tftp/);
  assert.throws(() => load({ 'public-url': 'gopher://x' }), /--public-url/);
  // Each of these passes new URL(), and would end a DHCP snippet's string or line early.
  for (const url of [
    'http://prov.example\n;option x',
    'http://prov.example/a b',
    'http://prov.example/"x',
    'http://prov.example/\tx',
    ' http://prov.example',
  ])
    assert.throws(
      () => load({ 'public-url': url }),
      /--public-url: a URL has no spaces/,
      JSON.stringify(url),
    );
  assert.equal(
    load({ 'public-url': 'http://prov.example:8080/p%20x/' }).publicUrl,
    'http://prov.example:8080/p%20x',
  );
  assert.throws(() => load({ database: 'mysql://x' }), /--database: expected a postgres:\/\/ URL/);
  const parsed = parseListen('host.example:69', '0.0.0.0');
  assert.ok(parsed.ok);
  assert.deepEqual(parsed.value, { host: 'host.example', port: 69 });
});

test('the TFTP ACK poll is 1 ms unless set; 0 turns it off; nonsense is refused', () => {
  assert.deepEqual(load({}).tftp, { ackPollMs: 1 });
  assert.deepEqual(load({ 'tftp-ack-poll': '0' }).tftp, { ackPollMs: 0 });
  assert.deepEqual(load({}, { PLUGNDIAL_TFTP_ACK_POLL: '0.5' }).tftp, { ackPollMs: 0.5 });
  for (const bad of ['-1', 'soon', '', '1000']) {
    assert.throws(() => load({ 'tftp-ack-poll': bad }), /--tftp-ack-poll/, bad);
  }
});

test('a node is named by --node, else by its host name when it shares a database', () => {
  assert.equal(load({}).node, undefined, 'the embedded store has one node: none is named');
  assert.equal(load({ database: 'postgres://db/x' }).node, hostname().slice(0, 253));
  assert.equal(load({ database: 'postgres://db/x', node: 'prov-b' }).node, 'prov-b');
  assert.equal(load({}, { PLUGNDIAL_NODE: 'prov-c' }).node, 'prov-c');
  for (const bad of ['', 'two words', '-dash', 'x'.repeat(254), 'naïve'])
    assert.throws(() => load({ node: bad }), /--node: a name of letters/);
});
