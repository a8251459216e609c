import assert from 'node:assert/strict';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { test } from 'node:test';

import {
  NonceKeeper,
  challengeHeaders,
  parseAuthorization,
  safeEqual,
  verifyDigest,
  type DigestResponse,
} from '../../src/crypto/http-auth.ts';
import { selfSignedCertificate } from '../../src/crypto/x509.ts';
import { MissThrottle } from '../../src/provisioning/throttle.ts';

// RFC 7616 §3.9.1: the same request answered with MD5 and with SHA-256.
const RFC = {
  username: 'Mufasa',
  realm: 'http-auth@example.org',
  nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v',
  uri: '/dir/index.html',
  qop: 'auth',
  nc: '00000001',
  cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ',
};
const MD5 = '8ca523f5e9506fed4657c9700eebdbec';
const SHA256 = '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1';

function header(algorithm: string, response: string): string {
  return `Digest username="${RFC.username}", realm="${RFC.realm}", uri="${RFC.uri}", algorithm=${algorithm}, nonce="${RFC.nonce}", nc=${RFC.nc}, cnonce="${RFC.cnonce}", qop=${RFC.qop}, response="${response}", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"`;
}

test("Digest: RFC 7616's own example verifies with MD5 and SHA-256, and nothing else does", () => {
  const expected = { username: 'Mufasa', password: 'Circle of Life' };
  const check = {
    method: 'GET',
    target: RFC.uri,
    realm: RFC.realm,
    algorithms: ['SHA-256', 'MD5'] as const,
  };
  for (const [algorithm, response] of [
    ['MD5', MD5],
    ['SHA-256', SHA256],
  ] as const) {
    const parsed = parseAuthorization(header(algorithm, response));
    assert.equal(parsed?.scheme, 'digest');
    const digest = parsed as DigestResponse & { scheme: 'digest' };
    assert.equal(verifyDigest(digest, expected, check), true, algorithm);
    assert.equal(verifyDigest(digest, { ...expected, password: 'circle of life' }, check), false);
    assert.equal(verifyDigest(digest, { ...expected, username: 'Scar' }, check), false);
    assert.equal(verifyDigest(digest, expected, { ...check, method: 'HEAD' }), false);
    assert.equal(verifyDigest(digest, expected, { ...check, target: '/dir/other.html' }), false);
    assert.equal(verifyDigest(digest, expected, { ...check, algorithms: [] }), false);
    assert.equal(verifyDigest({ ...digest, qop: undefined }, expected, check), false);
  }
});

test('Authorization headers: Basic and Digest read, anything else ignored', () => {
  assert.deepEqual(parseAuthorization(`Basic ${Buffer.from('a:b:c').toString('base64')}`), {
    scheme: 'basic',
    username: 'a',
    password: 'b:c',
  });
  for (const bad of [
    undefined,
    '',
    'Bearer x',
    'Basic !!!',
    `Basic ${Buffer.from('nocolon').toString('base64')}`,
    'Digest username="x"',
    `Digest ${'a'.repeat(5000)}`,
  ]) {
    assert.equal(parseAuthorization(bad), undefined, String(bad).slice(0, 20));
  }
});

test('challenges: one Digest header per algorithm in order, Basic only when offered', () => {
  const headers = challengeHeaders({
    realm: 'plugndial',
    nonce: 'n',
    algorithms: ['SHA-256', 'MD5'],
    basic: true,
    stale: true,
  });
  assert.deepEqual(headers, [
    'Digest realm="plugndial", qop="auth", algorithm=SHA-256, nonce="n", stale=true',
    'Digest realm="plugndial", qop="auth", algorithm=MD5, nonce="n", stale=true',
    'Basic realm="plugndial", charset="UTF-8"',
  ]);
});

test('nonces: fresh, then stale after their lifetime; forged or foreign ones invalid', () => {
  const keeper = new NonceKeeper({ lifetimeMs: 60_000 });
  const t0 = new Date('2026-03-01T00:00:00Z');
  const nonce = keeper.mint(t0);
  assert.equal(keeper.check(nonce, new Date(t0.getTime() + 59_000)), 'fresh');
  assert.equal(keeper.check(nonce, new Date(t0.getTime() + 61_000)), 'stale');
  assert.equal(new NonceKeeper().check(nonce, t0), 'invalid', 'another key');
  const flipped = `${nonce.slice(0, 5)}${nonce[5] === 'A' ? 'B' : 'A'}${nonce.slice(6)}`;
  assert.equal(keeper.check(flipped, t0), 'invalid');
  assert.equal(keeper.check('short', t0), 'invalid');
  assert.equal(keeper.check(nonce, new Date(t0.getTime() - 60_000)), 'invalid', 'from the future');
});

test('secrets compare equal only when equal, whatever their lengths', () => {
  assert.equal(safeEqual('abc', 'abc'), true);
  assert.equal(safeEqual('abc', 'abd'), false);
  assert.equal(safeEqual('abc', 'abcd'), false);
  assert.equal(safeEqual('', ''), true);
});

test('a self-signed certificate: names, validity, key usage, and it verifies itself', () => {
  const pair = selfSignedCertificate({
    commonName: 'prov.example.com',
    altNames: ['prov.example.com', '192.0.2.10', '2001:db8::10'],
    notBefore: new Date('2026-01-01T00:00:00Z'),
    notAfter: new Date('2051-01-01T00:00:00Z'),
  });
  const cert = new X509Certificate(pair.cert);
  assert.equal(cert.subject, 'CN=prov.example.com');
  assert.equal(cert.issuer, cert.subject);
  assert.equal(cert.checkHost('prov.example.com'), 'prov.example.com');
  assert.equal(cert.checkIP('192.0.2.10'), '192.0.2.10');
  assert.equal(cert.checkIP('2001:db8::10'), '2001:db8::10');
  assert.equal(cert.checkHost('other.example.com'), undefined);
  assert.equal(Date.parse(cert.validTo), Date.parse('2051-01-01T00:00:00Z'), 'GeneralizedTime');
  assert.equal(cert.ca, false);
  assert.deepEqual(cert.keyUsage, ['1.3.6.1.5.5.7.3.1']);
  assert.equal(cert.verify(cert.publicKey), true);
  assert.equal(cert.checkPrivateKey(createPrivateKey(pair.key)), true);
});

test('the miss throttle blocks past the limit within the window, then forgives', () => {
  const throttle = new MissThrottle({ misses: 3, windowMs: 1000, blockMs: 5000 });
  for (const at of [0, 100, 200]) assert.equal(throttle.miss('a', at), false);
  // The first two left the window: three within a second again, still allowed.
  assert.equal(throttle.miss('a', 1150), false);
  assert.equal(throttle.miss('a', 1160), false);
  assert.equal(throttle.miss('a', 1170), true, 'the fourth within a second blocks');
  assert.equal(throttle.isBlocked('a', 6000), true);
  assert.equal(throttle.isBlocked('b', 6000), false);
  assert.equal(throttle.isBlocked('a', 6170), false);
  assert.equal(new MissThrottle({ misses: 0, windowMs: 1, blockMs: 1 }).miss('a', 0), false);
  const bounded = new MissThrottle({ misses: 1, windowMs: 1000, blockMs: 1000 }, 2);
  for (const address of ['x', 'y', 'z']) bounded.miss(address, 0);
  assert.equal(bounded.miss('x', 1), false, 'the oldest address was forgotten');
});
