// Pure pieces of the FTP door: command lines, virtual paths, passive replies, listings.

import { isIP } from 'node:net';

/** One command line as the client sent it: the verb upper-cased, the rest as is. */
export interface CommandLine {
  verb: string;
  argument: string;
}

/** The longest command line taken; FTP paths are short and nothing else is sent here. */
export const MAX_LINE = 1024;

export function parseCommand(line: string): CommandLine | undefined {
  const text = line.replace(/\r?\n$/, '');
  const match = /^([A-Za-z]{3,4})(?: (.*))?$/.exec(text);
  if (!match) return undefined;
  return { verb: match[1]!.toUpperCase(), argument: match[2] ?? '' };
}

/**
 * The absolute virtual path of an argument, from the working directory. `..` stops at the
 * root; every directory exists (the door cannot know which do without an oracle).
 */
export function resolvePath(cwd: string, argument: string): string {
  const parts = argument.startsWith('/') ? [] : cwd.split('/').filter(Boolean);
  for (const part of argument.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') parts.pop();
    else parts.push(part);
  }
  return `/${parts.join('/')}`;
}

/** `227 Entering Passive Mode (h1,h2,h3,h4,p1,p2)`, or undefined for an IPv6 address. */
export function pasvReply(address: string, port: number): string | undefined {
  const plain = address.startsWith('::ffff:') ? address.slice(7) : address;
  if (isIP(plain) !== 4) return undefined;
  return `227 Entering Passive Mode (${plain.split('.').join(',')},${port >> 8},${port & 0xff})`;
}

export function epsvReply(port: number): string {
  return `229 Entering Extended Passive Mode (|||${port}|)`;
}

/** A `ls -l` line: read-only files of unknown date, as FTP clients parse them. */
export function listLine(name: string, size: number): string {
  return `-r--r--r--    1 plugndial plugndial ${String(size).padStart(12)} Jan 01  2000 ${name}`;
}

/** Quotes a path inside a 257 reply (RFC 959: double the quotes). */
export function quotePath(path: string): string {
  return `"${path.replace(/"/g, '""')}"`;
}

/** Verbs that would change the server: all refused, the door is read-only. */
export const WRITE_VERBS = new Set([
  'STOR',
  'STOU',
  'APPE',
  'DELE',
  'RMD',
  'XRMD',
  'MKD',
  'XMKD',
  'RNFR',
  'RNTO',
  'SITE',
]);

/** Verbs allowed before login. */
export const BEFORE_LOGIN = new Set([
  'USER',
  'PASS',
  'QUIT',
  'FEAT',
  'SYST',
  'NOOP',
  'HELP',
  'OPTS',
  'AUTH',
]);

export const FEATURES = ['EPSV', 'PASV', 'SIZE', 'REST STREAM', 'UTF8'];

export function isAnonymous(user: string): boolean {
  return /^(anonymous|ftp)$/i.test(user);
}

/** The address without its IPv4-mapped prefix; `unknown` when the socket has none. */
export function plainAddress(address: string | undefined): string {
  if (!address) return 'unknown';
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}

/**
 * The reply to a verb that neither reads nor changes the session: the same for every client
 * at every moment. Unknown verbs get 502.
 */
export function statelessReply(verb: string, argument: string): string | string[] {
  switch (verb) {
    case 'SYST':
      return '215 UNIX Type: L8';
    case 'FEAT':
      return ['211-Features:', ...FEATURES.map((f) => ` ${f}`), '211 End'];
    case 'OPTS':
      return /^UTF8 ON$/i.test(argument)
        ? '200 Always in UTF8 mode.'
        : '501 Option not understood.';
    case 'NOOP':
      return '200 NOOP ok.';
    case 'HELP':
      return '214 Read-only server: USER PASS PWD CWD TYPE PASV EPSV SIZE RETR LIST NLST QUIT.';
    case 'AUTH':
      return '502 TLS is not offered here; use HTTPS for encrypted provisioning.';
    case 'TYPE':
      return /^(A( N)?|I|L 8)$/i.test(argument)
        ? `200 Switching to ${argument.toUpperCase().startsWith('A') ? 'ASCII' : 'Binary'} mode.`
        : '504 Type not supported.';
    case 'MODE':
      return /^S$/i.test(argument) ? '200 Mode set to S.' : '504 Only stream mode.';
    case 'STRU':
      return /^F$/i.test(argument) ? '200 Structure set to F.' : '504 Only file structure.';
    case 'ALLO':
      return '202 No storage allocation necessary.';
    case 'PORT':
    case 'EPRT':
      return '502 Active mode is not supported; use PASV or EPSV.';
    case 'STAT':
      return '211 plugndial FTP, read-only.';
    default:
      return '502 Command not implemented.';
  }
}
