import assert from 'node:assert/strict';
import { test } from 'node:test';

import { header, headers, type SipRequest } from '../../src/sip/message.ts';
import { parseMessage, MAX_MESSAGE_BYTES } from '../../src/sip/parse.ts';
import { serializeMessage } from '../../src/sip/serialize.ts';
import {
  parseNameAddr,
  parseParams,
  parseSipUri,
  parseVia,
  splitOutsideQuotes,
} from '../../src/sip/values.ts';

const crlf = (lines: string[]): Buffer => Buffer.from(lines.join('\r\n'), 'utf8');

// A plug-and-play SUBSCRIBE as seed 001's phone sends it to 224.0.1.75.
const SUBSCRIBE = [
  'SUBSCRIBE sip:MAC0021f222b01d@224.0.1.75 SIP/2.0',
  'Via: SIP/2.0/UDP 192.168.50.163:59495;branch=z9hG4bK1234;rport',
  'From: <sip:MAC0021f222b01d@224.0.1.75>;tag=77',
  'To: <sip:MAC0021f222b01d@224.0.1.75>',
  'Call-ID: 1-2-3@192.168.50.163',
  'CSeq: 1 SUBSCRIBE',
  'Contact: <sip:MAC0021f222b01d@192.168.50.163:59495>',
  'Max-Forwards: 70',
  'Event: ua-profile;profile-type="device";vendor="Flyingvoice";model="FIP14G";version="V0.5.15"',
  'Accept: application/url',
  'Expires: 0',
  'Content-Length: 0',
  '',
  '',
];

function request(lines: string[]): SipRequest {
  const parsed = parseMessage(crlf(lines));
  assert.ok(parsed.ok, parsed.ok ? '' : parsed.error.message);
  assert.equal(parsed.value.kind, 'request');
  return parsed.value as SipRequest;
}

test('a plug-and-play SUBSCRIBE: start line, headers in order, Event parameters', () => {
  const message = request(SUBSCRIBE);
  assert.equal(message.method, 'SUBSCRIBE');
  assert.equal(message.uri, 'sip:MAC0021f222b01d@224.0.1.75');
  assert.equal(message.headers.length, 11);
  assert.equal(header(message, 'call-id'), '1-2-3@192.168.50.163');
  assert.equal(message.body.length, 0);
  const event = parseParams(header(message, 'Event')!);
  assert.equal(event.value, 'ua-profile');
  assert.deepEqual(event.params, {
    'profile-type': 'device',
    vendor: 'Flyingvoice',
    model: 'FIP14G',
    version: 'V0.5.15',
  });
});

test('compact header names are read as their long forms', () => {
  const message = request([
    'NOTIFY sip:1001@10.0.0.23 SIP/2.0',
    'v: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKa',
    'f: <sip:a@10.0.0.1>;tag=1',
    't: <sip:1001@10.0.0.23>',
    'i: abc',
    'CSEQ: 2 NOTIFY',
    'm: <sip:a@10.0.0.1>',
    'o: check-sync',
    'c: application/url',
    'k: timer',
    'l: 4',
    '',
    'body',
  ]);
  assert.deepEqual(
    message.headers.map((h) => h.name),
    [
      'Via',
      'From',
      'To',
      'Call-ID',
      'CSeq',
      'Contact',
      'Event',
      'Content-Type',
      'Supported',
      'Content-Length',
    ],
  );
  assert.equal(header(message, 'v'), 'SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKa');
  assert.equal(header(message, 'Event'), 'check-sync');
  assert.equal(message.body.toString(), 'body');
});

test('folded lines join with one space; tabs and spaces both continue a header', () => {
  const message = request([
    'OPTIONS sip:x@10.0.0.1 SIP/2.0',
    'Via: SIP/2.0/UDP 10.0.0.2:5060',
    '   ;branch=z9hG4bKfold',
    'Subject: first',
    '\tsecond',
    '  third',
    'Call-ID: c',
    '',
    '',
  ]);
  assert.equal(header(message, 'Subject'), 'first second third');
  assert.equal(parseVia(header(message, 'Via')!)?.params['branch'], 'z9hG4bKfold');
  assert.equal(parseMessage(crlf(['OPTIONS sip:x@y SIP/2.0', ' folded first', '', ''])).ok, false);
});

test('list headers split on commas outside quotes and brackets, across repeated lines', () => {
  const message = request([
    'OPTIONS sip:x@10.0.0.1 SIP/2.0',
    'Via: SIP/2.0/UDP a:5060;branch=z9hG4bK1, SIP/2.0/UDP b:5060;branch=z9hG4bK2',
    'Via: SIP/2.0/UDP c:5060;branch=z9hG4bK3',
    'Contact: "Doe, John" <sip:john@a;x=1,2>, <sip:jane@b>',
    'WWW-Authenticate: Digest realm="r, s", nonce="n"',
    'Allow: SUBSCRIBE,NOTIFY , OPTIONS',
    '',
    '',
  ]);
  assert.deepEqual(
    headers(message, 'Via').map((v) => parseVia(v)?.host),
    ['a', 'b', 'c'],
  );
  assert.equal(header(message, 'Via'), 'SIP/2.0/UDP a:5060;branch=z9hG4bK1');
  assert.deepEqual(headers(message, 'Contact'), ['"Doe, John" <sip:john@a;x=1,2>', '<sip:jane@b>']);
  assert.deepEqual(headers(message, 'WWW-Authenticate'), ['Digest realm="r, s", nonce="n"']);
  assert.deepEqual(headers(message, 'Allow'), ['SUBSCRIBE', 'NOTIFY', 'OPTIONS']);
});

test('Content-Length: the body is cut to it, a short body or disagreeing lengths are refused', () => {
  const base = ['NOTIFY sip:a@b SIP/2.0', 'Via: SIP/2.0/UDP h;branch=z9hG4bKx'];
  const long = parseMessage(crlf([...base, 'Content-Length: 3', '', 'abcdef']));
  assert.ok(long.ok);
  assert.equal(long.value.body.toString(), 'abc');
  const none = parseMessage(crlf([...base, '', 'abcdef']));
  assert.ok(none.ok);
  assert.equal(none.value.body.toString(), 'abcdef');
  for (const bad of [
    [...base, 'Content-Length: 9', '', 'abcdef'],
    [...base, 'Content-Length: 3', 'l: 4', '', 'abcdef'],
    [...base, 'Content-Length: -1', '', ''],
    [...base, 'Content-Length: 12abc', '', ''],
  ]) {
    const parsed = parseMessage(crlf(bad));
    assert.equal(parsed.ok, false);
    if (!parsed.ok) assert.equal(parsed.error.code, 'PND_SIP_MALFORMED');
  }
  const same = parseMessage(crlf([...base, 'Content-Length: 2', 'l: 2', '', 'abcdef']));
  assert.ok(same.ok);
});

test('responses, bare LF line ends and leading keep-alive line ends', () => {
  const response = parseMessage(
    Buffer.from('\r\n\r\nSIP/2.0 401 Unauthorized Here\nVia: SIP/2.0/UDP h\nCSeq: 1 NOTIFY\n\n'),
  );
  assert.ok(response.ok);
  assert.equal(response.value.kind, 'response');
  if (response.value.kind === 'response') {
    assert.equal(response.value.status, 401);
    assert.equal(response.value.reason, 'Unauthorized Here');
  }
  for (const bad of [
    '',
    '\r\n\r\n',
    'HELLO\r\n\r\n',
    'SIP/2.0 99 Low\r\n\r\n',
    'GET / HTTP/1.1\r\n\r\n',
  ]) {
    assert.equal(parseMessage(Buffer.from(bad)).ok, false, JSON.stringify(bad));
  }
  const noBlank = parseMessage(Buffer.from('OPTIONS sip:a@b SIP/2.0\r\nVia: x'));
  assert.equal(noBlank.ok, false);
});

test('oversized datagrams are refused before any parsing', () => {
  const big = Buffer.alloc(MAX_MESSAGE_BYTES + 1, 0x41);
  const parsed = parseMessage(big);
  assert.equal(parsed.ok, false);
  if (!parsed.ok) assert.equal(parsed.error.code, 'PND_SIP_TOO_LARGE');
  assert.equal(parseMessage(Buffer.concat([crlf(SUBSCRIBE)]), { maxBytes: 100 }).ok, false);
});

test('serialize writes CRLF lines and its own Content-Length; parse reads it back', () => {
  const message: SipRequest = {
    kind: 'request',
    method: 'NOTIFY',
    uri: 'sip:MAC0021f222b01d@192.168.50.163:59495',
    headers: [
      { name: 'Via', value: 'SIP/2.0/UDP 192.168.50.18:7777;branch=z9hG4bKn' },
      { name: 'Content-Type', value: 'application/url' },
      { name: 'Content-Length', value: '999' },
      { name: 'Subject', value: 'one\r\nInjected: header' },
    ],
    body: Buffer.from('tftp://192.168.50.18/0021f222b01d.cfg'),
  };
  const bytes = serializeMessage(message);
  const text = bytes.toString();
  assert.ok(text.startsWith('NOTIFY sip:MAC0021f222b01d@192.168.50.163:59495 SIP/2.0\r\n'));
  assert.match(text, /\r\nContent-Length: 37\r\n\r\ntftp:/);
  assert.doesNotMatch(text, /\r\nInjected:/);
  const back = parseMessage(bytes);
  assert.ok(back.ok);
  assert.deepEqual(back.value, {
    ...message,
    headers: [
      message.headers[0],
      message.headers[1],
      { name: 'Subject', value: 'one Injected: header' },
      { name: 'Content-Length', value: '37' },
    ],
  });
});

test('U+2028 and U+2029 are text of a value, not line ends; only CR and LF end a line', () => {
  // UTF-8 is allowed in quoted strings, TEXT-UTF8 and the reason phrase (RFC 3261 §25.1);
  // a JavaScript `.` or trim() would refuse or cut these two, which the serializer writes.
  const parsed = request([
    'NOTIFY sip:100@10.0.0.7 SIP/2.0',
    'From: "Front\u2028Desk" <sip:100@10.0.0.7>;tag=a',
    'Subject: one\u2029two\u2028',
    'Organization: \u00a0Acme\u3000',
    'Content-Length: 0',
    '',
    '',
  ]);
  assert.equal(header(parsed, 'From'), '"Front\u2028Desk" <sip:100@10.0.0.7>;tag=a');
  assert.equal(header(parsed, 'Subject'), 'one\u2029two\u2028');
  // Only SP and HTAB are blanks around a value: other spaces are the sender's text.
  assert.equal(header(parsed, 'Organization'), '\u00a0Acme\u3000');

  const response = parseMessage(
    crlf(['SIP/2.0 480 Away\u2028for lunch', 'Content-Length: 0', '', '']),
  );
  assert.ok(response.ok && response.value.kind === 'response');
  assert.equal(response.value.reason, 'Away\u2028for lunch');
  assert.ok(parseMessage(serializeMessage(response.value)).ok, 'what is written is read back');

  // A lone CR is still no part of a value.
  const cr = parseMessage(
    crlf(['NOTIFY sip:x SIP/2.0', 'Subject: a\rb', 'Content-Length: 0', '', '']),
  );
  assert.equal(cr.ok, false);
});

test('header values: name-addr, Via, SIP URIs and parameters', () => {
  assert.deepEqual(parseNameAddr('"Bob \\"B\\"" <sip:bob@example.com;transport=udp>;tag=abc;x'), {
    display: 'Bob "B"',
    uri: 'sip:bob@example.com;transport=udp',
    params: { tag: 'abc', x: '' },
  });
  assert.deepEqual(parseNameAddr('sip:bob@example.com;tag=1'), {
    uri: 'sip:bob@example.com',
    params: { tag: '1' },
  });
  assert.equal(parseNameAddr('<sip:unclosed'), undefined);
  assert.deepEqual(parseVia('SIP/2.0/udp [2001:db8::1]:5062;branch=z9hG4bKv6;rport'), {
    transport: 'UDP',
    host: '2001:db8::1',
    port: 5062,
    params: { branch: 'z9hG4bKv6', rport: '' },
  });
  assert.equal(parseVia('SIP/2.0/UDP host:99999'), undefined);
  assert.deepEqual(parseSipUri('sip:MAC:0021f2000001@224.0.1.75'), {
    scheme: 'sip',
    userinfo: 'MAC:0021f2000001',
    host: '224.0.1.75',
    params: {},
  });
  assert.deepEqual(parseSipUri('SIPS:10.0.0.1:5061;transport=tls?subject=x'), {
    scheme: 'sips',
    host: '10.0.0.1',
    port: 5061,
    params: { transport: 'tls' },
  });
  assert.equal(parseSipUri('tel:+4930123'), undefined);
  assert.deepEqual(splitOutsideQuotes('a;"b;c";<d;e>;f', ';'), ['a', '"b;c"', '<d;e>', 'f']);
});

test('serializeMessage drops a compact Content-Length (l) and writes its own', () => {
  const bytes = serializeMessage({
    kind: 'request',
    method: 'NOTIFY',
    uri: 'sip:100@10.0.0.7',
    headers: [
      { name: 'l', value: '99' },
      { name: 'Call-ID', value: 'a@b' },
    ],
    body: Buffer.from('abc'),
  });
  assert.equal(
    bytes.toString('utf8'),
    'NOTIFY sip:100@10.0.0.7 SIP/2.0\r\nCall-ID: a@b\r\nContent-Length: 3\r\n\r\nabc',
  );
  const parsed = parseMessage(bytes);
  assert.ok(parsed.ok);
});

test("headers named after Object's own properties are headers like any other", () => {
  for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf']) {
    const lines = [...SUBSCRIBE];
    lines.splice(1, 0, `${name}: x`);
    const parsed = request(lines);
    assert.equal(header(parsed, name), 'x', name);
    assert.equal(header(parsed, 'Call-ID'), '1-2-3@192.168.50.163');
  }
});
