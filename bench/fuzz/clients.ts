// Fuzz targets for the clients of the phone emulation: the replies its FTP client reads, the
// challenges its HTTP client answers, the datagrams its TFTP client takes, the lease udhcpc
// reports and the tftp:// URLs it is given.

import { EventEmitter } from 'node:events';

import fc from 'fast-check';

import { digestAuthorization, parseDigestChallenge } from '../../src/crypto/digest.ts';
import { readLease } from '../../src/simulate/dhcp.ts';
import { epsvPort, MAX_REPLY_CHARS, takeReplies } from '../../src/simulate/ftp-client.ts';
import { challengesOf } from '../../src/simulate/http-client.ts';
import { parseTftpUrl, ReadSession } from '../../src/simulate/tftp-client.ts';
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
import { DHCP_LEASES, DIGEST_CHALLENGES, FTP_REPLIES, TFTP_ANSWERS } from './phone-seeds.ts';

const FTP_REPLY_WORDS = ['220 ', '220-', '\r\n', '\n', '229 ', '(|||', '|)', '150 ', '226 '];

const ftpReply = target({
  name: 'ftp-reply',
  contract: 'replies and a rest; the rest bounded by MAX_REPLY_CHARS in the reader',
  input: fc.tuple(
    fc.oneof(mutatedText(FTP_REPLIES, FTP_REPLY_WORDS), pieces(FTP_REPLY_WORDS, 20)),
    fc.array(fc.nat(), { maxLength: 6 }),
  ),
  run([text, cuts]) {
    const whole = takeReplies(text);
    // However the server's bytes are cut into chunks, the same replies come out.
    const points = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
    let rest = '';
    const replies = [];
    let from = 0;
    for (const point of [...points, text.length]) {
      const taken = takeReplies(rest + text.slice(from, point));
      replies.push(...taken.replies);
      rest = taken.rest;
      from = point;
    }
    equal({ replies, rest }, whole, 'chunked replies');
    for (const reply of whole.replies) {
      check(reply.code >= 0 && reply.code <= 999, `code ${reply.code}`);
      const port = epsvPort(reply.text);
      if (port !== undefined) check(port >= 1 && port <= 65535, `port ${port}`);
    }
    check(MAX_REPLY_CHARS > 0, 'a bound');
  },
});

const CHALLENGE_WORDS = [
  'Digest ',
  'Basic ',
  'realm="',
  'nonce="',
  'qop="auth',
  'algorithm=',
  ', ',
];

// eslint-disable-next-line no-control-regex -- control characters are what a header cannot hold
const NOT_IN_HEADER = /[\0-\x08\x0a-\x1f\x7f]/g;

/** Header values as node hands them on: Latin-1, no CR, LF or NUL (llhttp refuses those). */
const headerText = (text: string): string =>
  Buffer.from(text, 'latin1').toString('latin1').replace(NOT_IN_HEADER, '');

const httpChallenge = target({
  name: 'http-challenge',
  contract: 'undefined for a challenge the phone does not answer',
  input: fc.oneof(
    mutatedText(DIGEST_CHALLENGES, CHALLENGE_WORDS),
    pieces(CHALLENGE_WORDS, 14),
    anyString(120),
  ),
  run(raw: string) {
    const header = headerText(raw);
    for (const challenge of challengesOf(header)) {
      const digest = parseDigestChallenge(challenge);
      if (!digest) continue;
      const authorization = digestAuthorization(
        digest,
        { username: 'phone', password: 'secret' },
        { method: 'GET', uri: '/prov/0021f2000001.cfg', cnonce: 'c0ffee', nc: 1 },
      );
      // What node would refuse to send (ERR_INVALID_CHAR) must not come out of a header it read.
      check(!/[^\t\x20-\x7e\x80-\xff]/.test(authorization), 'Authorization is a header value');
      check(!authorization.includes('secret'), 'the password is never sent');
    }
  },
});

/** A socket that sends nowhere: the session under test is fed its datagrams directly. */
class QuietSocket extends EventEmitter {
  sent = 0;
  send(): void {
    this.sent++;
  }
  unref(): this {
    return this;
  }
  close(callback?: () => void): void {
    callback?.();
  }
}

const TFTP_SERVER = { address: '10.0.0.1', port: 69, family: 'IPv4', size: 0 };

const tftpClient = target({
  name: 'tftp-client',
  contract: 'the read resolves or rejects once, with a PlugndialError; never throws',
  input: fc.tuple(
    fc.array(
      fc.tuple(
        fc.oneof(
          { weight: 3, arbitrary: mutatedBytes(TFTP_ANSWERS) },
          { weight: 2, arbitrary: fc.constantFrom(...TFTP_ANSWERS) },
          { weight: 1, arbitrary: randomBytes(40) },
        ),
        fc.constantFrom(5000, 5000, 5000, 5001),
      ),
      { maxLength: 12 },
    ),
    fc.record({
      blksize: fc.constantFrom(undefined, 8, 512, 1468),
      windowsize: fc.constantFrom(undefined, 1, 4),
      tsize: fc.boolean(),
      maxBytes: fc.constantFrom(undefined, 100, 4096),
      mode: fc.constantFrom('octet' as const, 'netascii' as const),
    }),
  ),
  run([datagrams, choice]) {
    const socket = new QuietSocket();
    let settled = 0;
    let file: Buffer | undefined;
    let failure: Error | undefined;
    const options = {
      ...(choice.blksize === undefined ? {} : { blksize: choice.blksize }),
      ...(choice.windowsize === undefined ? {} : { windowsize: choice.windowsize }),
      ...(choice.maxBytes === undefined ? {} : { maxBytes: choice.maxBytes }),
      tsize: choice.tsize,
      timeoutMs: 60_000,
      dallyMs: 0,
    };
    const session = new ReadSession(
      TFTP_SERVER.address,
      TFTP_SERVER.port,
      Buffer.from('request'),
      choice.mode,
      options,
      (f) => {
        settled++;
        file = f;
      },
      (e) => {
        settled++;
        failure = e;
      },
      socket as never,
    );
    session.start();
    for (const [datagram, port] of datagrams)
      socket.emit('message', datagram, { ...TFTP_SERVER, port });
    // Ends a read still under way, and its timer, as a socket error would.
    socket.emit('error', new Error('end of input'));
    check(settled === 1, `settled ${settled} times`);
    // The session turns a throw of its own into this message: that throw is the crash.
    if (failure) check(!failure.message.startsWith('TFTP client failed'), failure.message);
    if (file) check(file.length <= (choice.maxBytes ?? 512 * 1024 * 1024), 'within maxBytes');
  },
});

const tftpUrl = target({
  name: 'tftp-url',
  contract: 'PND_INVALID_ARGUMENT for what is no tftp:// URL',
  allowed: ['PND_INVALID_ARGUMENT'],
  input: fc.oneof(
    mutatedText(['tftp://10.0.0.1/0021f2000001.cfg', 'tftp://[::1]:6969/a%20b;mode=netascii']),
    pieces(['tftp://', '[', ']', ':', '/', '%', ';mode=', 'octet', '@', '?', '#'], 10),
  ),
  run(url: string) {
    const parsed = parseTftpUrl(url);
    check(parsed.target.host !== '' && Number.isInteger(parsed.target.port), 'host and port');
  },
});

const dhcpLease = target({
  name: 'dhcp-lease',
  contract: 'PND_DHCP_CLIENT when the script reported no lease',
  allowed: ['PND_DHCP_CLIENT'],
  input: fc.tuple(
    fc.oneof(
      mutatedText(DHCP_LEASES, ['opt43=', 'opt', '=', 'tftp=', 'bad', '\n']),
      anyString(100),
    ),
    anyString(40),
  ),
  run([stdout, stderr]) {
    const lease = readLease(stdout, stderr);
    for (const [code, data] of lease.options)
      check(Number.isInteger(code) && Buffer.isBuffer(data), 'an option');
  },
});

export const CLIENT_TARGETS = [ftpReply, httpChallenge, tftpClient, tftpUrl, dhcpLease];
