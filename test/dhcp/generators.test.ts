import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';

import { dnsmasqSnippet } from '../../src/dhcp/dnsmasq.ts';
import { iscSnippet } from '../../src/dhcp/isc.ts';
import { keaSnippet } from '../../src/dhcp/kea.ts';
import { planSite } from '../../src/dhcp/plan.ts';
import { drivers } from '../../src/drivers/registry.ts';
import { cli } from '../support/cli.ts';

const DOORS = { http: 'http://10.0.0.5:8080', tftp: 'tftp://10.0.0.5' };
const empty = mkdtempSync(join(tmpdir(), 'pnd-dhcp-cli-'));
after(() => rmSync(empty, { recursive: true, force: true }));

function plan(options: Partial<Parameters<typeof planSite>[1]> = {}) {
  const planned = planSite(drivers, { doors: DOORS, ...options });
  assert.ok(planned.ok);
  return planned.value;
}

describe('DHCP snippets', () => {
  it('dnsmasq: vendor class tags, MAC prefixes only without a known class, forced options', () => {
    const text = dnsmasqSnippet(plan());
    assert.match(text, /^dhcp-vendorclass=set:plugndial-class,Gigaset$/m);
    assert.match(text, /^dhcp-vendorclass=set:plugndial-gigaset,Gigaset$/m);
    assert.match(text, /^dhcp-mac=set:plugndial-gigaset-mac,7c:2f:80:\*:\*:\*$/m);
    assert.match(
      text,
      /^tag-if=set:plugndial-gigaset,tag:plugndial-gigaset-mac,tag:!plugndial-class$/m,
    );
    assert.match(
      text,
      /^dhcp-option-force=tag:plugndial-gigaset,114,"http:\/\/10\.0\.0\.5:8080\/gigaset\/%MACD"$/m,
    );
    // Flyingvoice and Yealink: a bare TFTP host in 66 (seed 001).
    assert.match(text, /^dhcp-option-force=tag:plugndial-yealink,66,"10\.0\.0\.5"$/m);
    // Auerswald: sub-options 0x42 and 0x43 as hex.
    assert.match(text, /^dhcp-option-force=tag:plugndial-auerswald,43,42:15:68:74:74:70/m);
    // OEM: no class or block known, so left out and said why.
    assert.match(text, /^# oem: left out, no vendor class or MAC prefix is known/m);
    assert.doesNotMatch(text, /plugndial-oem/);
  });

  it('isc: one class per vendor, null-safe option 60 tests, PRL extended', () => {
    const text = iscSnippet(plan({ choices: { customOption: 150 } }));
    assert.match(text, /^option plugndial-option-150 code 150 = text;$/m);
    assert.match(text, /^class "plugndial-gigaset" \{$/m);
    assert.match(
      text,
      /match if substring\(pick-first-value\(option vendor-class-identifier, ""\), 0, 7\) = "Gigaset"/,
    );
    // Gigaset's two blocks (7C:2F:80, and 00:01:E3 of older devices), then the exclusion.
    assert.match(
      text,
      /\(\(substring\(hardware, 1, 3\) = 7c:2f:80\n {12}or substring\(hardware, 1, 3\) = 00:01:e3\)\n {12}and not \(/,
    );
    assert.match(text, /^ {2}option default-url "http:\/\/10\.0\.0\.5:8080\/gigaset\/%MACD";$/m);
    assert.match(text, /^ {2}option tftp-server-name "10\.0\.0\.5";$/m);
    assert.match(text, /^ {2}option plugndial-option-150 "tftp:\/\/10\.0\.0\.5\/";$/m);
    assert.match(text, /concat\(option dhcp-parameter-request-list, 72\);/);
    assert.match(text, /^ {2}option vendor-encapsulated-options 42:15:/m);
  });

  it('kea: v4-captive-portal for 114, 43 redefined in its class, always sent', () => {
    const text = keaSnippet(plan());
    const body = JSON.parse(`{${text.replace(/^\/\/.*$/gm, '')}}`) as {
      'client-classes': {
        name: string;
        test: string;
        'option-def'?: { code: number; type: string }[];
        'option-data': { name: string; data: string; 'always-send': boolean }[];
      }[];
    };
    const byName = new Map(body['client-classes'].map((c) => [c.name, c]));
    const gigaset = byName.get('plugndial-gigaset')!;
    assert.deepEqual(gigaset['option-data'], [
      {
        name: 'v4-captive-portal',
        data: 'http://10.0.0.5:8080/gigaset/%MACD',
        'always-send': true,
      },
    ]);
    assert.match(gigaset.test, /^substring\(option\[60\]\.text, 0, 7\) == 'Gigaset' or /);
    assert.match(
      gigaset.test,
      /\(substring\(pkt4\.mac, 0, 3\) == 0x7c2f80 or substring\(pkt4\.mac, 0, 3\) == 0x0001e3\) and not \(/,
    );
    const auerswald = byName.get('plugndial-auerswald')!;
    assert.deepEqual(auerswald['option-def'], [
      { name: 'vendor-encapsulated-options', code: 43, type: 'binary' },
    ]);
    assert.match(auerswald['option-data'][0]!.data, /^4215687474703a2f2f/);
    const fanvil = byName.get('plugndial-fanvil')!;
    assert.equal(fanvil['option-def']![0]!.type, 'string');
  });

  it('operators name vendor classes and MAC prefixes; --vendor narrows the snippet', () => {
    const text = dnsmasqSnippet(
      plan({
        vendors: ['oem', 'gigaset'],
        vendorClasses: { oem: ['ACME-SIP'], gigaset: [] },
        macPrefixes: { oem: ['02bbbb'] },
      }),
    );
    assert.match(text, /^dhcp-vendorclass=set:plugndial-oem,ACME-SIP$/m);
    assert.match(text, /^dhcp-mac=set:plugndial-oem-mac,02:bb:bb:\*:\*:\*$/m);
    assert.doesNotMatch(text, /set:plugndial-gigaset,Gigaset/);
    assert.doesNotMatch(text, /yealink/);
    const bad = planSite(drivers, { doors: DOORS, vendorClasses: { oem: ['a"b'] } });
    assert.equal(bad.ok, false);
    assert.equal(planSite(drivers, { doors: DOORS, vendors: ['polycom'] }).ok, false);
  });
});

describe('plugndial dhcp', () => {
  it('prints a snippet from serve-style flags', async () => {
    const result = await cli(
      'dhcp',
      '--format',
      'dnsmasq',
      '--http',
      '10.0.0.5:80',
      '--tftp',
      'off',
      '--data-dir',
      empty,
    );
    assert.equal(result.code, 0, result.err);
    // TFTP off: Yealink-style phones are sent to HTTP.
    assert.match(result.out, /^# yealink: http:\/\/10\.0\.0\.5\/ \(option 66\)$/m);
  });

  it("refuses a --format named after Object's own properties", async () => {
    for (const format of ['toString', 'constructor', '__proto__']) {
      const result = await cli(
        'dhcp',
        '--format',
        format,
        '--http',
        '10.0.0.5:80',
        '--tftp',
        'off',
        '--data-dir',
        empty,
      );
      assert.equal(result.code, 2, format);
      assert.match(result.err, /--format: expected isc, kea or dnsmasq/);
    }
  });

  it('names the FTP door to Poly phones when it is their only door, to no one else', async () => {
    const args = ['dhcp', '--format', 'dnsmasq', '--tftp', 'off', '--data-dir', empty];
    const only = await cli(...args, '--http', 'off', '--ftp', '10.0.0.5:2121');
    assert.equal(only.code, 0, only.err);
    assert.match(only.out, /^# poly: ftp:\/\/10\.0\.0\.5:2121\/ /m);
    assert.doesNotMatch(only.out, /^# (?!poly)\w+: ftp:/m);
    const both = await cli(...args, '--http', '10.0.0.5:80', '--ftp', '10.0.0.5:21');
    assert.equal(both.code, 0, both.err);
    assert.match(both.out, /^# poly: http:\/\/10\.0\.0\.5\/ /m);
    assert.doesNotMatch(both.out, /^# \w+: ftp:/m);
  });

  it('asks where phones reach a door that listens on every address', async () => {
    const result = await cli('dhcp', '--format', 'isc', '--data-dir', empty);
    assert.equal(result.code, 2);
    assert.match(result.err, /listens on every address; say which one phones reach: --public-url/);
    const ok = await cli(
      'dhcp',
      '--format',
      'isc',
      '--public-url',
      'http://prov.example.com',
      '--data-dir',
      empty,
    );
    assert.equal(ok.code, 0, ok.err);
    assert.match(ok.out, /option tftp-server-name "prov\.example\.com";/);
  });

  it('reads the doors of the server running on the data directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pnd-dhcp-running-'));
    try {
      writeFileSync(
        join(dir, 'server.json'),
        JSON.stringify({
          pid: process.pid,
          api: 'http://127.0.0.1:1/api/v1',
          startedAt: new Date().toISOString(),
          doors: { http: { host: '10.1.2.3', port: 8080 }, tftp: { host: '10.1.2.3', port: 6969 } },
        }),
      );
      const result = await cli('dhcp', '--format', 'kea', '--data-dir', dir);
      assert.equal(result.code, 0, result.err);
      assert.match(result.out, /"data": "tftp:\/\/10\.1\.2\.3:6969\/"/);
      assert.match(result.out, /"data": "http:\/\/10\.1\.2\.3:8080\/gigaset\/%MACD"/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('with --public-url, still takes the doors of the running server: the TFTP port stays', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pnd-dhcp-public-'));
    try {
      writeFileSync(
        join(dir, 'server.json'),
        JSON.stringify({
          pid: process.pid,
          api: 'http://127.0.0.1:18080/api/v1',
          startedAt: new Date().toISOString(),
          doors: {
            http: { host: '0.0.0.0', port: 18080 },
            tftp: { host: '0.0.0.0', port: 16969 },
          },
        }),
      );
      const args = ['dhcp', '--format', 'isc', '--public-url', 'http://127.0.0.1:18080'];
      const result = await cli(...args, '--data-dir', dir);
      assert.equal(result.code, 0, result.err);
      assert.match(
        result.out,
        /^# Doors: http http:\/\/127\.0\.0\.1:18080, tftp tftp:\/\/127\.0\.0\.1:16969$/m,
      );
      assert.match(result.out, /option tftp-server-name "tftp:\/\/127\.0\.0\.1:16969\/";/);
      assert.doesNotMatch(result.out, /"127\.0\.0\.1"/);
      // A door given as a flag is the operator's word for it (e.g. a port forwarded to it).
      const flagged = await cli(...args, '--tftp', '127.0.0.1:69', '--data-dir', dir);
      assert.equal(flagged.code, 0, flagged.err);
      assert.match(flagged.out, /option tftp-server-name "127\.0\.0\.1";/);
      // A configuration file naming only the public URL leaves the doors the running server's.
      writeFileSync(
        join(dir, 'serve.json'),
        JSON.stringify({ 'public-url': 'http://127.0.0.1:18080' }),
      );
      const filed = await cli(
        'dhcp',
        '--format',
        'isc',
        '--config',
        join(dir, 'serve.json'),
        '--data-dir',
        dir,
      );
      assert.equal(filed.code, 0, filed.err);
      assert.match(filed.out, /option tftp-server-name "tftp:\/\/127\.0\.0\.1:16969\/";/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a --vendor-class or --mac-prefix for no vendor it knows, __proto__ included', async () => {
    for (const flag of ['--vendor-class', '--mac-prefix'])
      for (const vendor of ['__proto__', 'constructor', 'nope']) {
        const result = await cli(
          'dhcp',
          '--format',
          'isc',
          flag,
          `${vendor}=001565`,
          '--public-url',
          'http://127.0.0.1:8080',
          '--data-dir',
          empty,
        );
        assert.equal(result.code, 2, `${flag} ${vendor}: ${result.err}`);
        assert.match(result.err, /is no vendor; expected one of .*yealink/);
      }
  });

  it('refuses an unknown format', async () => {
    const result = await cli('dhcp', '--format', 'windows', '--data-dir', empty);
    assert.equal(result.code, 2);
    assert.match(result.err, /--format: expected isc, kea or dnsmasq/);
  });

  it('explain: seed 003 option 43 comes out as http://foo/<HWTYP>.bak for Auerswald', async () => {
    const result = await cli(
      'dhcp',
      'explain',
      '--option',
      '43=42:0b:68:74:74:70:3a:2f:2f:66:6f:6f:00:43:0c:3c:48:57:54:59:50:3e:2e:62:61:6b:00',
    );
    assert.equal(result.code, 0, result.err);
    assert.match(result.out, /^auerswald\s+http:\/\/foo\/<HWTYP>\.bak {2}\(from option 43\)$/m);
    assert.match(result.out, /^gigaset\s+nothing: it reads option 114/m);
  });

  it('explain --json: every vendor, one capture', async () => {
    const result = await cli(
      'dhcp',
      'explain',
      '--option',
      '66=tftp://192.168.2.45/$input.xml',
      '--option',
      '114=http://10.0.0.5/gigaset/%MACD',
      '--json',
    );
    assert.equal(result.code, 0, result.err);
    const body = JSON.parse(result.out) as { vendors: { vendor: string; url?: string }[] };
    const url = Object.fromEntries(body.vendors.map((v) => [v.vendor, v.url]));
    assert.equal(url['fanvil'], 'tftp://192.168.2.45/$input.xml');
    assert.equal(url['yealink'], 'tftp://192.168.2.45/$input.xml');
    assert.equal(url['gigaset'], 'http://10.0.0.5/gigaset/%MACD');
    assert.equal(url['auerswald'], 'tftp://192.168.2.45/$input.xml');
  });

  it('explain names the family whose vendor class option 60 is', async () => {
    const result = await cli(
      'dhcp',
      'explain',
      '--option',
      '60=Gigaset_N720_DM_PRO',
      '--option',
      '114=http://x/',
    );
    assert.equal(result.code, 0, result.err);
    assert.match(result.out, /^option 60 is the vendor class of gigaset$/m);
    const other = await cli(
      'dhcp',
      'explain',
      '--option',
      '60=udhcp 1.35.0',
      '--option',
      '66=10.0.0.5',
    );
    assert.match(other.out, /^option 60 is the vendor class of no vendor plugndial knows$/m);
  });

  it('explain exits 1 when no vendor finds a URL, 2 on a bad option', async () => {
    assert.equal((await cli('dhcp', 'explain', '--option', '3=10.0.0.1')).code, 1);
    assert.equal((await cli('dhcp', 'explain', '--option', '300=x')).code, 2);
    assert.equal((await cli('dhcp', 'explain')).code, 2);
  });

  it('a vendor class with a comma is refused: dnsmasq could not tell it from its tag', () => {
    const refused = planSite(drivers, {
      doors: DOORS,
      vendorClasses: { 'cisco-spa': ['Cisco Systems, Inc. IP Phone SPA'] },
    });
    assert.equal(refused.ok, false);
    assert.match(refused.ok ? '' : refused.error.message, /no quotes, backslashes or commas/);
  });

  it('option 150: Cisco phones get the TFTP address as four bytes in every syntax', () => {
    const site = plan({ vendors: ['cisco', 'cisco-spa'] });
    assert.match(
      iscSnippet(site),
      /^option plugndial-option-150 code 150 = array of ip-address;$/m,
    );
    assert.match(iscSnippet(site), /^ {2}option plugndial-option-150 10\.0\.0\.5;$/m);
    assert.match(dnsmasqSnippet(site), /^dhcp-option-force=tag:plugndial-cisco,150,10\.0\.0\.5$/m);
    const kea = keaSnippet(site);
    assert.match(kea, /"type": "ipv4-address",\n\s+"array": true/);
    // A site whose custom option is 150 keeps it for the other phones; Cisco's get 66 alone.
    const custom = plan({ choices: { customOption: 150 } });
    const cisco = custom.vendors.find((v) => v.vendor === 'cisco')!;
    assert.deepEqual(
      cisco.offer!.options.map((o) => o.code),
      [66],
    );
  });
});
