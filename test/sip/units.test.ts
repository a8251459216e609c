import assert from 'node:assert/strict';
import { test } from 'node:test';

import { digestAuthorization, parseDigestChallenge } from '../../src/crypto/digest.ts';
import { doorUrls } from '../../src/config/door-urls.ts';
import { macOfUri, readPnpSubscribe } from '../../src/sip/pnp.ts';
import { isMulticast } from '../../src/sip/responder.ts';
import { parseInterfaceChoice, resolveInterfaces } from '../../src/sip/interfaces.ts';
import type { SipRequest } from '../../src/sip/message.ts';

test('digest: the RFC 2617 and RFC 7616 examples', () => {
  const md5 = parseDigestChallenge(
    'Digest realm="testrealm@host.com", qop="auth,auth-int", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41"',
  )!;
  assert.deepEqual(md5.qop, ['auth', 'auth-int']);
  const answer = digestAuthorization(
    md5,
    { username: 'Mufasa', password: 'Circle Of Life' },
    { method: 'GET', uri: '/dir/index.html', cnonce: '0a4f113b' },
  );
  assert.match(answer, /response="6629fae49393a05397450978507c4ef1"/);
  assert.match(answer, /qop=auth, nc=00000001, cnonce="0a4f113b"/);
  assert.match(answer, /opaque="5ccc069c403ebaf9f0171e9517f40e41"/);

  const sha = parseDigestChallenge(
    'Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=SHA-256, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"',
  )!;
  assert.equal(sha.algorithm, 'SHA-256');
  assert.match(
    digestAuthorization(
      sha,
      { username: 'Mufasa', password: 'Circle of Life' },
      {
        method: 'GET',
        uri: '/dir/index.html',
        cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ',
      },
    ),
    /response="753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"/,
  );
  // RFC 2069 style: no qop, so no nc or cnonce.
  const old = digestAuthorization(
    parseDigestChallenge('Digest realm="r", nonce="n"')!,
    { username: 'u', password: 'p' },
    { method: 'NOTIFY', uri: 'sip:1001@10.0.0.2', cnonce: 'x' },
  );
  assert.doesNotMatch(old, /cnonce|nc=/);
  assert.equal(parseDigestChallenge('Basic realm="r"'), undefined);
  assert.equal(parseDigestChallenge('Digest realm="r", nonce="n", algorithm=AKAv1-MD5'), undefined);
  assert.equal(parseDigestChallenge('Digest nonce="n"'), undefined);
});

test('plug-and-play MAC forms, and what a SUBSCRIBE says', () => {
  const mac = '0021f222b01d';
  for (const [user, form] of [
    [`MAC%3a${mac}`, 'MAC%3a'],
    [`MAC%3A${mac.toUpperCase()}`, 'MAC%3A'],
    [`MAC:${mac}`, 'MAC:'],
    [`MAC=${mac}`, 'MAC='],
    [`MAC${mac}`, 'MAC'],
  ] as const) {
    assert.deepEqual(macOfUri(`sip:${user}@224.0.1.75`), { mac, form }, user);
  }
  for (const bad of [
    'sip:224.0.1.75',
    `sip:${mac}@x`,
    `sip:MAC${mac}0@x`,
    'sip:MAC-0021f222b01d@x',
  ]) {
    assert.equal(macOfUri(bad), undefined, bad);
  }
  const request = (uri: string, extra: [string, string][]): SipRequest => ({
    kind: 'request',
    method: 'SUBSCRIBE',
    uri,
    body: Buffer.alloc(0),
    headers: extra.map(([name, value]) => ({ name, value })),
  });
  // The MAC may be only in From (phones that subscribe to the group's bare address).
  const fromOnly = readPnpSubscribe(
    request('sip:224.0.1.75', [
      ['From', `<sip:MAC%3a${mac}@224.0.1.75>;tag=1`],
      ['Event', 'ua-profile ; profile-type="device" ; vendor="Gigaset" ; model="N870"'],
      ['User-Agent', 'Gigaset N870 IP PRO/83.V2.40.0'],
    ]),
  );
  assert.deepEqual(fromOnly, {
    ok: true,
    subscribe: {
      mac,
      macForm: 'MAC%3a',
      vendor: 'Gigaset',
      model: 'N870',
      profileType: 'device',
      userAgent: 'Gigaset N870 IP PRO/83.V2.40.0',
    },
  });
  assert.deepEqual(readPnpSubscribe(request(`sip:MAC${mac}@x`, [['Event', 'presence']])), {
    ok: false,
    problem: 'bad-event',
    mac,
  });
  assert.deepEqual(readPnpSubscribe(request('sip:bob@x', [['Event', 'ua-profile']])), {
    ok: false,
    problem: 'no-mac',
  });
});

test("doors' URLs: the public URL's host (its own scheme as given), else the address reached", () => {
  const doors = {
    http: { host: '0.0.0.0', port: 8080 },
    tftp: { host: '0.0.0.0', port: 69 },
  };
  assert.deepEqual(doorUrls(doors, { reachedAt: '192.168.50.18' }), {
    http: 'http://192.168.50.18:8080',
    tftp: 'tftp://192.168.50.18',
  });
  assert.deepEqual(
    doorUrls(doors, { reachedAt: '192.168.50.18', publicUrl: 'https://prov.example.com/phones/' }),
    {
      http: 'http://prov.example.com:8080',
      https: 'https://prov.example.com/phones',
      tftp: 'tftp://prov.example.com',
    },
  );
  assert.deepEqual(
    doorUrls(
      { http: { host: '10.0.0.5', port: 80 }, tftp: { host: '0.0.0.0', port: 6969 } },
      { reachedAt: 'fe80::1' },
    ),
    { http: 'http://10.0.0.5', tftp: 'tftp://[fe80::1]:6969' },
  );
  assert.deepEqual(doorUrls({}, { reachedAt: '10.0.0.1' }), {});
});

test('multicast interfaces: auto, all, none, names and addresses', () => {
  const nics = {
    lo: [{ address: '127.0.0.1', family: 'IPv4', internal: true }],
    eth0: [
      { address: '192.168.50.18', family: 'IPv4', internal: false },
      { address: 'fe80::1', family: 'IPv6', internal: false },
    ],
    eth1: [{ address: '10.20.0.1', family: 'IPv4', internal: false }],
  } as unknown as Parameters<typeof resolveInterfaces>[2];
  const resolve = (choice: Parameters<typeof resolveInterfaces>[0], host: string): unknown =>
    resolveInterfaces(choice, host, nics);
  assert.deepEqual(resolve('auto', '0.0.0.0'), {
    addresses: ['192.168.50.18', '10.20.0.1'],
    unknown: [],
  });
  assert.deepEqual(resolve('auto', '10.20.0.1'), { addresses: ['10.20.0.1'], unknown: [] });
  assert.deepEqual(resolve('auto', '127.0.0.1'), { addresses: [], unknown: [] });
  assert.deepEqual(resolve('all', '127.0.0.1'), {
    addresses: ['192.168.50.18', '10.20.0.1'],
    unknown: [],
  });
  assert.deepEqual(resolve('none', '0.0.0.0'), { addresses: [], unknown: [] });
  assert.deepEqual(resolve(['eth1', '192.168.50.18', 'wlan9', '10.9.9.9'], '0.0.0.0'), {
    addresses: ['10.20.0.1', '192.168.50.18'],
    unknown: ['wlan9', '10.9.9.9'],
  });
  assert.deepEqual(resolve('all', '::'), { addresses: [], unknown: [] });

  assert.equal(parseInterfaceChoice([]), 'auto');
  assert.equal(parseInterfaceChoice(['none']), 'none');
  assert.deepEqual(parseInterfaceChoice(['eth0,eth1', ' 10.0.0.1 ']), ['eth0', 'eth1', '10.0.0.1']);
  assert.equal(isMulticast('224.0.1.75'), true);
  assert.equal(isMulticast('239.255.255.250'), true);
  assert.equal(isMulticast('192.168.1.1'), false);
  assert.equal(isMulticast(undefined), false);
});
