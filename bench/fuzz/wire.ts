// Fuzz targets for what arrives on a socket: TFTP packets and options, SIP datagrams, HTTP
// request heads, FTP command lines, DHCP option bytes.

import fc from 'fast-check';

import {
  decodeAddresses,
  decodeOptionList,
  decodeSuboptions,
  decodeText,
  encodeAddresses,
  encodeOptionList,
  encodeSuboptions,
  formatHex,
  parseMacPrefix,
  parseOptionArgument,
  parseOptionValue,
} from '../../src/formats/dhcp-options.ts';
import { canonicalName, header, headers } from '../../src/sip/message.ts';
import { parseMessage, MAX_MESSAGE_BYTES } from '../../src/sip/parse.ts';
import { readPnpSubscribe } from '../../src/sip/pnp.ts';
import { serializeMessage } from '../../src/sip/serialize.ts';
import { parseNameAddr, parseParams, parseSipUri, parseVia } from '../../src/sip/values.ts';
import {
  parseCommand,
  pasvReply,
  resolvePath,
  statelessReply,
} from '../../src/transports/ftp/commands.ts';
import { readPhoneHead } from '../../src/transports/http/phone-head.ts';
import { negotiateRead, oackEntries } from '../../src/transports/tftp/options.ts';
import {
  ackBlockOf,
  decodePacket,
  encodeAck,
  encodeData,
  encodeError,
  encodeOack,
  encodeRequest,
  MAX_REQUEST_SIZE,
} from '../../src/transports/tftp/packet.ts';
import {
  anyString,
  check,
  equal,
  mutatedBytes,
  mutatedText,
  pieces,
  randomBytes,
  target,
} from './engine.ts';
import { FTP_LINES, HTTP_HEADS, SIP_MESSAGES, TFTP_PACKETS } from './seeds.ts';

const ascii = (min: number, max: number, maxLength = 16, minLength = 0): fc.Arbitrary<string> =>
  fc.string({
    unit: fc.integer({ min, max }).map((c) => String.fromCharCode(c)),
    minLength,
    maxLength,
  });

// ---- TFTP ----------------------------------------------------------------------------------

const TFTP_WORDS = ['octet', 'netascii', 'blksize', 'tsize', 'timeout', 'windowsize', '1468'];

/** A datagram built field by field, NULs and all, so option lists are reached. */
const tftpDatagram = fc
  .tuple(
    fc.integer({ min: 0, max: 8 }),
    fc.array(pieces(TFTP_WORDS, 3), { maxLength: 10 }),
    fc.boolean(),
  )
  .map(([opcode, strings, terminated]) => {
    const body = Buffer.from(strings.join('\0') + (terminated ? '\0' : ''), 'latin1');
    return Buffer.concat([Buffer.from([0, opcode]), body]);
  });

const tftpPacket = target({
  name: 'tftp-packet',
  contract: 'Result PND_TFTP_MALFORMED',
  input: fc.oneof(tftpDatagram, mutatedBytes(TFTP_PACKETS, TFTP_WORDS), randomBytes(700)),
  run(datagram: Buffer) {
    const packet = decodePacket(datagram);
    ackBlockOf(datagram);
    if (!packet.ok) return;
    if (packet.value.kind === 'rrq') {
      const negotiation = negotiateRead(packet.value.options, {
        maxBlksize: 65464,
        maxWindowsize: 64,
      });
      if (negotiation.ok) oackEntries(negotiation.value, 1234);
    }
  },
});

const tftpOptions = target({
  name: 'tftp-options',
  contract: 'Negotiation {ok:false, option}',
  input: fc.tuple(
    fc.array(
      fc.tuple(
        fc.oneof(fc.constantFrom('blksize', 'tsize', 'timeout', 'windowsize'), anyString(8)),
        fc.oneof(
          fc.nat().map(String),
          fc.constantFrom('', '0', '-1', '1e3', '99999999999', ' 8'),
          anyString(12),
        ),
      ),
      { maxLength: 6 },
    ),
    fc.integer({ min: 8, max: 65464 }),
    fc.integer({ min: 1, max: 65535 }),
    fc.option(fc.integer({ min: 0, max: 300_000 }), { nil: undefined }),
  ),
  run([options, maxBlksize, maxWindowsize, maxTimeoutMs]) {
    const result = negotiateRead(new Map(options), {
      maxBlksize,
      maxWindowsize,
      ...(maxTimeoutMs === undefined ? {} : { maxTimeoutMs }),
    });
    if (!result.ok) return;
    const { blksize, windowsize } = result.value;
    check(blksize >= 8 && blksize <= Math.max(512, maxBlksize), `blksize ${blksize}`);
    check(
      windowsize >= 1 && windowsize * blksize <= Math.max(1024 * 1024, blksize),
      `window ${windowsize}`,
    );
    oackEntries(result.value, undefined);
  },
});

const optionPair = fc.tuple(ascii(0x21, 0x7e, 10, 1), ascii(0x20, 0x7e, 10));

const tftpRoundTrip = target({
  name: 'tftp-roundtrip',
  contract: 'encode → decode gives the packet back',
  allowed: ['PND_INVALID_ARGUMENT'],
  input: fc.oneof(
    fc.record({
      kind: fc.constantFrom('rrq' as const, 'wrq' as const),
      filename: fc
        .string({ unit: 'grapheme', minLength: 1, maxLength: 60 })
        .filter((s) => !s.includes('\0')),
      mode: fc.constantFrom('octet', 'netascii', 'OCTET', 'mail'),
      options: fc.array(optionPair, { maxLength: 8 }),
    }),
    fc.record({
      kind: fc.constant('data' as const),
      block: fc.integer({ min: 0, max: 0xffff }),
      payload: fc.uint8Array({ maxLength: 1500 }),
    }),
    fc.record({ kind: fc.constant('ack' as const), block: fc.integer({ min: 0, max: 0xffff }) }),
    fc.record({
      kind: fc.constant('error' as const),
      code: fc.integer({ min: 0, max: 8 }),
      message: anyString(300),
    }),
    fc.record({
      kind: fc.constant('oack' as const),
      options: fc.array(optionPair, { maxLength: 6 }),
    }),
  ),
  run(packet) {
    switch (packet.kind) {
      case 'rrq':
      case 'wrq': {
        const decoded = decodePacket(
          encodeRequest(packet.kind, packet.filename, packet.mode, packet.options),
        );
        const options = new Map<string, string>();
        for (const [name, value] of packet.options)
          if (!options.has(name.toLowerCase())) options.set(name.toLowerCase(), value);
        equal(
          decoded,
          {
            ok: true,
            value: {
              kind: packet.kind,
              filename: packet.filename,
              mode: packet.mode.toLowerCase(),
              options,
            },
          },
          'request',
        );
        return;
      }
      case 'data': {
        const payload = Buffer.from(packet.payload);
        equal(
          decodePacket(encodeData(packet.block, payload)),
          { ok: true, value: { kind: 'data', block: packet.block, payload } },
          'data',
        );
        return;
      }
      case 'ack':
        equal(
          decodePacket(encodeAck(packet.block)),
          { ok: true, value: { kind: 'ack', block: packet.block } },
          'ack',
        );
        check(ackBlockOf(encodeAck(packet.block)) === packet.block, 'ackBlockOf');
        return;
      case 'error': {
        const message = packet.message.slice(0, 255).replace(/[^\x20-\x7e]/g, '?');
        equal(
          decodePacket(encodeError(packet.code, packet.message)),
          { ok: true, value: { kind: 'error', code: packet.code, message } },
          'error',
        );
        return;
      }
      case 'oack': {
        const bytes = encodeOack(packet.options);
        const options = new Map<string, string>();
        for (const [name, value] of packet.options)
          if (!options.has(name.toLowerCase())) options.set(name.toLowerCase(), value);
        const decoded = decodePacket(bytes);
        if (bytes.length > MAX_REQUEST_SIZE) check(!decoded.ok, 'oversized OACK refused');
        else equal(decoded, { ok: true, value: { kind: 'oack', options } }, 'oack');
      }
    }
  },
});

// ---- SIP -----------------------------------------------------------------------------------

const SIP_WORDS = [
  'SIP/2.0',
  'Content-Length: ',
  'l: ',
  'Via: ',
  'Event: ua-profile;',
  ';vendor="',
  'sip:',
  '<sip:',
  '>;tag=',
  'MAC%3a',
  '0021f2000001',
];

function readSip(datagram: Buffer): void {
  const parsed = parseMessage(datagram);
  if (!parsed.ok) return;
  const message = parsed.value;
  for (const name of ['Via', 'From', 'To', 'Contact', 'Event', 'CSeq', 'Call-ID']) {
    header(message, name);
    for (const value of headers(message, name)) {
      parseNameAddr(value);
      parseVia(value);
      parseParams(value);
    }
  }
  if (message.kind === 'request') {
    parseSipUri(message.uri);
    readPnpSubscribe(message);
  }
}

const sipLine = fc.oneof(
  fc
    .tuple(
      fc.constantFrom(
        'Via',
        'v',
        'From',
        'f',
        'To',
        't',
        'Contact',
        'm',
        'Event',
        'o',
        'Call-ID',
        'i',
        'CSeq',
        'Content-Length',
        'l',
        'User-Agent',
        ' ',
        '\t',
      ),
      pieces(SIP_WORDS, 6),
    )
    .map(([name, value]) => `${name}: ${value}`),
  pieces(SIP_WORDS, 6),
);

const sipStructured = fc
  .tuple(
    fc.oneof(
      fc.constantFrom(
        'SUBSCRIBE sip:MAC%3a0021f2000001@224.0.1.75 SIP/2.0',
        'SIP/2.0 200 OK',
        'NOTIFY sip:10.0.0.1 SIP/2.0',
      ),
      pieces(SIP_WORDS, 5),
    ),
    fc.array(sipLine, { maxLength: 12 }),
    fc.constantFrom('\r\n', '\n'),
    anyString(40),
  )
  .map(([start, lines, eol, body]) =>
    Buffer.from([start, ...lines].join(eol) + eol + eol + body, 'utf8'),
  );

const sipMessage = target({
  name: 'sip-message',
  contract: 'Result PND_SIP_MALFORMED / PND_SIP_TOO_LARGE',
  input: fc.oneof(sipStructured, mutatedBytes(SIP_MESSAGES, SIP_WORDS), randomBytes(600)),
  run: readSip,
});

const token = ascii(0x21, 0x7e, 12, 1).map((s) => s.replace(/[^A-Za-z0-9.!%*_+`'~-]/g, 'x'));
/**
 * Header values as a sender writes them: one line, no NUL, no SP or HTAB around them. Any
 * other character is text, U+2028 and U+2029 too (RFC 3261 §25.1: only CR LF ends a line),
 * and comes back as it was written.
 */
const headerValue = fc
  .oneof(
    fc.string({ unit: 'grapheme', maxLength: 40 }),
    pieces(['\u2028', '\u2029', '\u00a0', '\ufeff', '\u3000', '"', 'a b', ';', ','], 8),
  )
  // Through UTF-8 and back: a lone surrogate, which no datagram can carry, becomes U+FFFD.
  .map((s) =>
    Buffer.from(s.replace(/[\0\r\n]/g, ' '), 'utf8')
      .toString('utf8')
      .replace(/^[ \t]+|[ \t]+$/g, ''),
  );

const sipRoundTrip = target({
  name: 'sip-roundtrip',
  contract: 'serialize → parse gives the message back',
  input: fc.record({
    request: fc.boolean(),
    method: token,
    uri: ascii(0x21, 0x7e, 30, 1),
    status: fc.integer({ min: 100, max: 699 }),
    reason: headerValue,
    headers: fc.array(fc.tuple(token, headerValue), { maxLength: 10 }),
    body: fc.uint8Array({ maxLength: 200 }),
  }),
  run(m) {
    const headerList = m.headers.map(([name, value]) => ({ name, value }));
    const body = Buffer.from(m.body);
    const message = m.request
      ? {
          kind: 'request' as const,
          method: m.method.toUpperCase(),
          uri: m.uri,
          headers: headerList,
          body,
        }
      : {
          kind: 'response' as const,
          status: m.status,
          reason: m.reason,
          headers: headerList,
          body,
        };
    const bytes = serializeMessage(message);
    if (bytes.length > MAX_MESSAGE_BYTES) return;
    const parsed = parseMessage(bytes);
    const expectedHeaders = [
      ...headerList
        .filter((h) => canonicalName(h.name) !== 'Content-Length')
        .map((h) => ({ name: canonicalName(h.name), value: h.value })),
      { name: 'Content-Length', value: String(body.length) },
    ];
    equal(parsed, { ok: true, value: { ...message, headers: expectedHeaders } }, 'message');
  },
});

// ---- HTTP ----------------------------------------------------------------------------------

const HTTP_WORDS = [
  'GET ',
  'HEAD ',
  ' HTTP/1.1',
  ' HTTP/1.0',
  'Host: ',
  'Connection: ',
  'keep-alive',
  'close',
  'upgrade',
  'Range: bytes=0-',
  'Content-Length: 0',
  'X-Forwarded-For: ',
  '/api/',
  '/healthz',
];

const HTTP_VALUE_PARTS = [
  ' ',
  '\t',
  'x',
  '10.0.0.1',
  '\x01',
  '\x7f',
  '\xe9',
  ' '.repeat(3000),
  ' \t'.repeat(1500),
];

const httpStructured = fc
  .tuple(
    fc.constantFrom('GET', 'HEAD', 'POST', 'get'),
    fc.oneof(
      fc
        .array(fc.constantFrom('/', 'prov', '%2e', '?', 'a=b', '..', 'api/', 'healthz'), {
          maxLength: 5,
        })
        .map((p) => p.join('')),
      pieces(['/', 'prov', '%2e', '?', 'a=b', '..'], 5),
    ),
    fc.constantFrom('1.0', '1.1', '2'),
    fc.array(
      fc.oneof(
        pieces(HTTP_WORDS, 4),
        // A header line as a sender pads it: names, blanks (long runs too), bytes no value holds.
        fc
          .tuple(
            fc.constantFrom('Host', 'User-Agent', 'X-Forwarded-For', 'Range', 'Connection'),
            fc.array(fc.constantFrom(...HTTP_VALUE_PARTS), { maxLength: 5 }),
          )
          .map(([name, parts]) => `${name}:${parts.join('')}`),
      ),
      { maxLength: 8 },
    ),
  )
  .map(([method, path, version, lines]) =>
    [`${method} /${path} HTTP/${version}`, ...lines].join('\r\n'),
  );

const httpHead = target({
  name: 'http-head',
  contract: 'undefined: node:http reads it',
  input: fc.oneof(httpStructured, mutatedText(HTTP_HEADS, HTTP_WORDS), anyString(300)),
  run(text: string) {
    const head = readPhoneHead(text);
    if (head === undefined) return;
    check(head.target.startsWith('/') && !head.target.startsWith('/api/'), `target ${head.target}`);
  },
});

// ---- FTP -----------------------------------------------------------------------------------

const FTP_WORDS = [
  'USER ',
  'PASS ',
  'CWD ',
  'RETR ',
  'SIZE ',
  'TYPE ',
  'OPTS UTF8 ON',
  '../',
  '/',
  '..',
];

const ftpCommand = target({
  name: 'ftp-command',
  contract: 'undefined for a line that is no command',
  input: fc.tuple(
    fc.oneof(mutatedText(FTP_LINES, FTP_WORDS), anyString(120)),
    fc.oneof(
      fc.constant('/'),
      pieces(['/', 'prov', '..', '.', 'a'], 8).map((p) => resolvePath('/', p)),
    ),
  ),
  run([line, cwd]) {
    const command = parseCommand(line);
    const path = resolvePath(cwd, command?.argument ?? line);
    check(path.startsWith('/') && !path.split('/').includes('..'), `resolved ${path}`);
    if (command) statelessReply(command.verb, command.argument);
    pasvReply(command?.argument ?? line, 21);
  },
});

// ---- DHCP ----------------------------------------------------------------------------------

const DHCP_TEXTS = [
  'hex:420b68',
  '0x420B68',
  '42:0b:68:74',
  'text:tftp://10.0.0.5/',
  '66=tftp://10.0.0.5/',
  '43=hex:01',
  '00:15:65',
];

const dhcpOptions = target({
  name: 'dhcp-options',
  contract: 'Result PND_DHCP_OPTION',
  input: fc.tuple(
    fc.oneof(
      mutatedBytes([
        Buffer.from('420b68' + '7474703a2f2f', 'hex'),
        Buffer.from([66, 4, 0x61, 0x62, 0x63, 0, 43, 2, 1, 0, 255]),
      ]),
      randomBytes(300),
    ),
    fc.oneof(mutatedText(DHCP_TEXTS), anyString(60)),
  ),
  run([bytes, text]) {
    decodeOptionList(bytes);
    decodeSuboptions(bytes);
    decodeAddresses(bytes);
    decodeText(bytes);
    parseOptionValue(text);
    parseOptionArgument(text);
    parseMacPrefix(text);
  },
});

const dhcpRoundTrip = target({
  name: 'dhcp-roundtrip',
  contract: 'encode → decode gives the option back',
  input: fc.record({
    options: fc.uniqueArray(
      fc.tuple(fc.integer({ min: 1, max: 254 }), fc.uint8Array({ maxLength: 600 })),
      { selector: ([code]) => code, maxLength: 6 },
    ),
    suboptions: fc.array(
      fc.record({
        code: fc.integer({ min: 1, max: 254 }),
        text: fc.string({ unit: 'grapheme', maxLength: 40 }),
      }),
      { maxLength: 6 },
    ),
    nulTerminated: fc.boolean(),
    addresses: fc.array(fc.ipV4(), { maxLength: 6 }),
    bytes: fc.uint8Array({ maxLength: 64 }),
  }),
  run(value) {
    const options = new Map(value.options.map(([code, data]) => [code, Buffer.from(data)]));
    equal(decodeOptionList(encodeOptionList(options)), { ok: true, value: options }, 'option list');
    const encoded = encodeSuboptions(value.suboptions, value.nulTerminated);
    if (encoded.ok) {
      const decoded = decodeSuboptions(encoded.value);
      const want = value.suboptions.map((s) => ({
        code: s.code,
        data: Buffer.concat([
          Buffer.from(s.text, 'utf8'),
          Buffer.alloc(value.nulTerminated ? 1 : 0),
        ]),
      }));
      equal(decoded, { ok: true, value: want }, 'sub-options');
    }
    const addresses = encodeAddresses(value.addresses);
    check(addresses.ok, 'addresses encode');
    if (addresses.ok) equal(decodeAddresses(addresses.value) ?? [], value.addresses, 'addresses');
    const bytes = Buffer.from(value.bytes);
    equal(
      parseOptionValue(`hex:${formatHex(bytes, '')}`),
      { ok: true, value: bytes },
      'hex: value',
    );
    if (bytes.length >= 2)
      equal(parseOptionValue(formatHex(bytes)), { ok: true, value: bytes }, 'colon hex');
  },
});

export const WIRE_TARGETS = [
  tftpPacket,
  tftpOptions,
  tftpRoundTrip,
  sipMessage,
  sipRoundTrip,
  httpHead,
  ftpCommand,
  dhcpOptions,
  dhcpRoundTrip,
];
