// One control connection of the FTP door: login, the working directory, the deadlines of a
// slow or silent client, and the commands that read files over a passive data connection.

import { isIP, type Socket } from 'node:net';
import { StringDecoder } from 'node:string_decoder';

import type { PresentedCredentials } from '../../crypto/http-auth.ts';
import type { OnLimit } from '../../provisioning/limit-recorder.ts';
import type { Answer, Provisioner, ProvisioningRequest } from '../../provisioning/request.ts';
import {
  BEFORE_LOGIN,
  MAX_LINE,
  WRITE_VERBS,
  epsvReply,
  isAnonymous,
  parseCommand,
  pasvReply,
  plainAddress,
  quotePath,
  resolvePath,
  statelessReply,
} from './commands.ts';
import { Passive, sendFile, sendListing, type PassivePorts } from './data-connection.ts';

/** What each control connection is given by its door. */
export interface FtpSessionOptions {
  provisioner: Provisioner;
  /** Passive data ports; without a range the system picks. */
  passivePorts?: PassivePorts;
  /** A control connection silent this long is closed. Default 120 s. */
  idleTimeoutMs?: number;
  /** Time from a command line's first byte to its end. Default 30 s. */
  lineTimeoutMs?: number;
  /** Time from connecting to a successful login. Default 30 s. */
  loginTimeoutMs?: number;
  /** A client was held to one of the limits above. */
  onLimit?: OnLimit;
  /** How long a client has to open the data connection. Default 15 s. */
  dataTimeoutMs?: number;
  /** A data connection whose client takes no byte for this long is cut (426). Default 60 s. */
  transferStallMs?: number;
  onError?: (message: string) => void;
}

const MAX_FAILED_LOGINS = 3;
/** Unread replies past which the control connection is not read: a phone reads each at once. */
const MAX_UNREAD_REPLIES = 64 * 1024;
/** Commands waiting their turn (pipelined behind a transfer) past which no more are read. */
const MAX_WAITING_COMMANDS = 32;
/** As the HTTP door's stalled reply: a phone on a slow link still moves bytes each second. */
const TRANSFER_STALL_MS = 60_000;

export class FtpSession {
  readonly #socket: Socket;
  readonly #options: FtpSessionOptions;
  readonly #client: string;
  #buffer = '';
  /** Command bytes to text; a character split between two segments waits for its rest. */
  readonly #decoder = new StringDecoder('utf8');
  /** The data connection of the RETR going on, which an ABOR cuts. */
  #transfer: Socket | undefined;
  /** The ABOR that is queued cut a transfer. */
  #aborted = false;
  #queue: Promise<void> = Promise.resolve();
  /** Commands queued and not yet answered; complete lines past the bound wait in #buffer. */
  #waiting = 0;
  #cwd = '/';
  #user: string | undefined;
  #credentials: PresentedCredentials | undefined;
  #loggedIn = false;
  #failures = 0;
  #passive: Passive | undefined;
  #restart = 0;
  #epsvOnly = false;
  /** A SIZE answer kept for the RETR that usually follows: one request, one event. */
  #probe: { path: string; answer: Answer } | undefined;
  #closed = false;
  /** A file is going out on the data connection. */
  sending = false;
  /** Runs from a command line's first byte until its end. */
  #lineTimer: NodeJS.Timeout | undefined;
  /** Runs from the greeting until a login succeeds. */
  #loginTimer: NodeJS.Timeout | undefined;

  constructor(socket: Socket, options: FtpSessionOptions) {
    this.#socket = socket;
    this.#options = options;
    this.#client = plainAddress(socket.remoteAddress);
  }

  /** Where the control connection comes from. */
  get client(): string {
    return this.#client;
  }

  /** A login succeeded: the session is a phone's, not one waiting to be let in. */
  get loggedIn(): boolean {
    return this.#loggedIn;
  }

  start(): void {
    this.#socket.setNoDelay(true);
    this.#idle(true);
    this.#socket.on('timeout', () => {
      // Replies unread for the whole idle time: a goodbye would wait behind them for ever.
      if (this.#socket.writableLength > 0 || !this.#socket.writable) {
        this.#socket.destroy();
        return;
      }
      this.#reply('421 Timeout: closing the control connection.');
      this.#socket.end();
    });
    this.#socket.on('data', (chunk: Buffer) => this.#receive(chunk));
    this.#socket.on('drain', () => this.#pace());
    const loginMs = this.#options.loginTimeoutMs ?? 30_000;
    this.#loginTimer = setTimeout(
      () => this.#cutOff('ftp-login-timeout', `no login within ${loginMs / 1000} s`),
      loginMs,
    );
    this.#reply('220 plugndial FTP, read-only.');
  }

  /** A deadline passed: say so, record it, close. */
  #cutOff(limit: string, detail: string): void {
    this.#options.onLimit?.({ door: 'ftp', limit, address: this.#client, detail });
    this.#reply(`421 Timeout: ${detail}; closing the control connection.`);
    this.#socket.destroySoon();
    this.dispose();
  }

  /** The door is closing: transfers in flight end, the probe is recorded. */
  abort(): void {
    this.#reply('421 Service closing.');
    this.#socket.destroy();
    this.dispose();
  }

  dispose(): void {
    if (this.#closed) return;
    this.#closed = true;
    // Nothing more is read while its goodbye waits to be taken (the idle deadline still runs).
    this.#socket.pause();
    clearTimeout(this.#lineTimer);
    clearTimeout(this.#loginTimer);
    this.#passive?.close();
    this.#passive = undefined;
    this.#settleProbe();
  }

  get #stallMs(): number {
    return this.#options.transferStallMs ?? TRANSFER_STALL_MS;
  }

  #receive(chunk: Buffer): void {
    if (this.#closed) return;
    const text = this.#decoder.write(withoutTelnetCommands(chunk));
    this.#buffer += text;
    // Only the line still arriving is held to the length; complete ones before it wait their turn.
    const rest = this.#buffer.length - (this.#buffer.lastIndexOf('\n') + 1);
    if (rest > MAX_LINE * 4) {
      this.#reply('500 Line too long.');
      this.#socket.destroy();
      return;
    }
    // A line trickled a byte at a time still has to arrive whole in time.
    if (text.includes('\n') || rest === 0) {
      clearTimeout(this.#lineTimer);
      this.#lineTimer = undefined;
    }
    if (rest > 0 && this.#lineTimer === undefined && !this.#closed) {
      const lineMs = this.#options.lineTimeoutMs ?? 30_000;
      this.#lineTimer = setTimeout(
        () => this.#cutOff('ftp-line-timeout', `no whole command line within ${lineMs / 1000} s`),
        lineMs,
      );
    }
    this.#pace();
  }

  /**
   * Queues the complete lines received while the client reads its replies and the queue has
   * room, and reads the control connection only then: a client that sends without reading
   * would otherwise have its replies and commands kept for it without end.
   */
  #pace(): void {
    if (this.#closed || this.#socket.destroyed) return;
    if (this.#socket.writableLength > MAX_UNREAD_REPLIES) {
      this.#socket.pause();
      return;
    }
    let end: number;
    while (this.#waiting < MAX_WAITING_COMMANDS && (end = this.#buffer.indexOf('\n')) >= 0) {
      const line = this.#buffer.slice(0, end + 1);
      this.#buffer = this.#buffer.slice(end + 1);
      // ABOR is heard at once (RFC 959 §4.1.3): the RETR going on ends with 426, then the
      // ABOR, in its turn, is answered 226.
      if (this.#transfer && parseCommand(line)?.verb === 'ABOR') {
        this.#aborted = true;
        this.#transfer.destroy(new Error('aborted by ABOR'));
      }
      this.#waiting++;
      this.#queue = this.#queue
        .then(() => this.#command(line))
        .finally(() => {
          this.#waiting--;
          this.#pace();
        });
    }
    if (this.#waiting >= MAX_WAITING_COMMANDS) this.#socket.pause();
    else this.#socket.resume();
  }

  async #command(line: string): Promise<void> {
    if (this.#closed) return;
    if (line.length > MAX_LINE) return this.#reply('500 Line too long.');
    const command = parseCommand(line);
    if (!command) return this.#reply('500 Syntax error, command unrecognized.');
    const { verb, argument } = command;
    if (!this.#loggedIn && !BEFORE_LOGIN.has(verb)) {
      return this.#reply('530 Please login with USER and PASS.');
    }
    try {
      await this.#dispatch(verb, argument);
    } catch (error) {
      this.#options.onError?.(`ftp ${verb}: ${(error as Error).message}`);
      this.#reply('451 Requested action aborted: local error in processing.');
    }
  }

  async #dispatch(verb: string, argument: string): Promise<void> {
    if (WRITE_VERBS.has(verb)) {
      this.#closePassive();
      return this.#reply('550 Permission denied: this server is read-only.');
    }
    switch (verb) {
      case 'USER':
        this.#user = argument;
        this.#loggedIn = false;
        this.#credentials = undefined;
        return this.#reply(
          isAnonymous(argument)
            ? '331 Anonymous login ok, send your e-mail address as password.'
            : `331 Password required.`,
        );
      case 'PASS':
        return this.#login(argument);
      case 'QUIT':
        this.#reply('221 Goodbye.');
        this.#socket.end();
        return;
      case 'PWD':
      case 'XPWD':
        return this.#reply(`257 ${quotePath(this.#cwd)} is the current directory.`);
      case 'CWD':
      case 'XCWD':
        this.#cwd = resolvePath(this.#cwd, argument || '/');
        return this.#reply('250 Directory successfully changed.');
      case 'CDUP':
      case 'XCUP':
        this.#cwd = resolvePath(this.#cwd, '..');
        return this.#reply('250 Directory successfully changed.');
      case 'PASV':
        return this.#openPassive(false);
      case 'EPSV':
        if (/^ALL$/i.test(argument)) {
          this.#epsvOnly = true;
          return this.#reply('200 EPSV ALL ok.');
        }
        return this.#openPassive(true);
      case 'REST': {
        if (!/^\d{1,15}$/.test(argument)) return this.#reply('501 REST needs a byte offset.');
        this.#restart = Number(argument);
        return this.#reply(`350 Restarting at ${this.#restart}. Send RETR to start.`);
      }
      case 'SIZE':
        return this.#size(resolvePath(this.#cwd, argument));
      case 'RETR':
        return this.#retrieve(resolvePath(this.#cwd, argument));
      case 'LIST':
      case 'NLST':
        return this.#list(verb, argument);
      case 'ABOR': {
        this.#closePassive();
        const aborted = this.#aborted;
        this.#aborted = false;
        return this.#reply(aborted ? '226 Abort successful.' : '226 Nothing to abort.');
      }
      default:
        return this.#reply(statelessReply(verb, argument));
    }
  }

  async #login(password: string): Promise<void> {
    const user = this.#user;
    if (user === undefined) return this.#reply('503 Login with USER first.');
    if (isAnonymous(user)) {
      this.#loggedIn = true;
      clearTimeout(this.#loginTimer);
      return this.#reply('230 Login successful.');
    }
    const ok = this.#options.provisioner.login
      ? await this.#options.provisioner.login({
          transport: 'ftp',
          remoteAddress: this.#client,
          username: user,
          password,
        })
      : true;
    if (ok) {
      this.#loggedIn = true;
      clearTimeout(this.#loginTimer);
      this.#credentials = { scheme: 'login', username: user, password };
      return this.#reply('230 Login successful.');
    }
    this.#user = undefined;
    if (++this.#failures >= MAX_FAILED_LOGINS) {
      this.#reply('421 Too many failed logins.');
      this.#socket.end();
      return;
    }
    return this.#reply('530 Login incorrect.');
  }

  async #openPassive(extended: boolean): Promise<void> {
    if (!extended && this.#epsvOnly) return this.#reply('501 EPSV ALL was sent: use EPSV.');
    this.#closePassive();
    const local = plainAddress(this.#socket.localAddress);
    if (!extended && isIP(local) !== 4) return this.#reply('522 Use EPSV over IPv6.');
    const passive = await Passive.open(local, this.#client, this.#options.passivePorts);
    if (!passive) return this.#reply('425 No passive port free, try again later.');
    this.#passive = passive;
    return this.#reply(extended ? epsvReply(passive.port) : pasvReply(local, passive.port)!);
  }

  async #size(path: string): Promise<void> {
    this.#settleProbe();
    const answer = await this.#options.provisioner.answer(this.#request(path));
    if (answer.status !== 200) {
      answer.done({ status: 404, bytes: 0 });
      return this.#reply('550 Could not get file size.');
    }
    this.#probe = { path, answer };
    return this.#reply(`213 ${answer.size}`);
  }

  /** RETR and LIST take the passive listener, and close it however they end. */
  async #retrieve(path: string): Promise<void> {
    const passive = this.#passive;
    this.#passive = undefined;
    const offset = this.#restart;
    this.#restart = 0;
    if (!passive) {
      this.#settleProbe();
      return this.#reply('425 Use PASV or EPSV first.');
    }
    try {
      await this.#retrieveOn(passive, path, offset);
    } finally {
      passive.close();
    }
  }

  async #retrieveOn(passive: Passive, path: string, offset: number): Promise<void> {
    let answer: Answer;
    if (this.#probe?.path === path) {
      answer = this.#probe.answer;
      this.#probe = undefined;
    } else {
      this.#settleProbe();
      answer = await this.#options.provisioner.answer(this.#request(path));
    }
    if (answer.status !== 200) {
      answer.done({ status: 404, bytes: 0 });
      return this.#reply(`550 ${path}: No such file or directory.`);
    }
    if (offset > 0 && offset >= answer.size) {
      answer.done({ status: 416, bytes: 0, reason: 'restart beyond the end' });
      return this.#reply('554 Restart offset beyond the end of the file.');
    }
    this.#reply(
      `150 Opening BINARY mode data connection for ${path} (${answer.size - offset} bytes).`,
    );
    this.#idle(false);
    this.sending = true;
    try {
      const data = await passive.socket(this.#options.dataTimeoutMs ?? 15_000);
      if (!data) {
        answer.done({ status: 408, bytes: 0, reason: 'no data connection' });
        return this.#reply("425 Can't open data connection.");
      }
      this.#transfer = data;
      const stallMs = this.#stallMs;
      const delivery = await sendFile(data, answer, offset, stallMs);
      if (delivery === 'stalled') {
        return this.#reply(`426 No byte taken for ${stallMs / 1000} s; transfer aborted.`);
      }
      return this.#reply(
        delivery === 'delivered'
          ? '226 Transfer complete.'
          : '426 Connection closed; transfer aborted.',
      );
    } finally {
      this.#transfer = undefined;
      this.sending = false;
      this.#idle(true);
    }
  }

  async #list(verb: string, argument: string): Promise<void> {
    this.#settleProbe();
    const passive = this.#passive;
    this.#passive = undefined;
    if (!passive) return this.#reply('425 Use PASV or EPSV first.');
    try {
      // `LIST -la`: options are ls's, not a path.
      const target = argument.startsWith('-') ? '' : argument;
      const path = resolvePath(this.#cwd, target);
      const names = (await this.#options.provisioner.listing?.(this.#request(path))) ?? [];
      this.#reply('150 Here comes the directory listing.');
      const data = await passive.socket(this.#options.dataTimeoutMs ?? 15_000);
      if (!data) return this.#reply("425 Can't open data connection.");
      const stallMs = this.#stallMs;
      return this.#reply(
        (await sendListing(data, verb, names, stallMs))
          ? '226 Directory send OK.'
          : '426 Connection closed; transfer aborted.',
      );
    } finally {
      passive.close();
    }
  }

  #request(path: string): ProvisioningRequest {
    const local = plainAddress(this.#socket.localAddress);
    const port = this.#socket.localPort ?? 21;
    const host = isIP(local) === 6 ? `[${local}]` : local;
    return {
      transport: 'ftp',
      rawPath: path,
      query: '',
      remoteAddress: this.#client,
      origin: port === 21 ? `ftp://${host}` : `ftp://${host}:${port}`,
      method: 'RETR',
      ...(this.#credentials ? { credentials: this.#credentials } : {}),
    };
  }

  /** A SIZE whose RETR never came is still one request: recorded as asked, nothing sent. */
  #settleProbe(): void {
    const probe = this.#probe;
    this.#probe = undefined;
    probe?.answer.done({ status: 200, bytes: 0, reason: 'size only' });
  }

  #closePassive(): void {
    this.#passive?.close();
    this.#passive = undefined;
  }

  #idle(on: boolean): void {
    // A long transfer keeps the control connection quiet: no idle timeout meanwhile.
    this.#socket.setTimeout(on ? (this.#options.idleTimeoutMs ?? 120_000) : 0);
  }

  #reply(lines: string | string[]): void {
    if (this.#socket.destroyed || !this.#socket.writable) return;
    const text = Array.isArray(lines) ? lines.join('\r\n') : lines;
    this.#socket.write(`${text}\r\n`);
    // Replies the client leaves unread: stop reading its commands until 'drain'.
    if (this.#socket.writableLength > MAX_UNREAD_REPLIES) this.#socket.pause();
  }
}

/**
 * The bytes of a command line without the Telnet commands some clients send around ABOR
 * (IAC IP, IAC DM: 0xFF and a byte from 0xF0 to 0xFE); IAC IAC is a 0xFF of the line. Taken
 * out before the bytes are read as UTF-8, which would have turned each into U+FFFD.
 */
export function withoutTelnetCommands(chunk: Buffer): Buffer {
  if (!chunk.includes(0xff)) return chunk;
  const out = Buffer.allocUnsafe(chunk.length);
  let n = 0;
  for (let i = 0; i < chunk.length; i++) {
    const byte = chunk[i]!;
    if (byte !== 0xff) {
      out[n++] = byte;
      continue;
    }
    const next = chunk[i + 1];
    if (next === 0xff) out[n++] = 0xff;
    if (next !== undefined) i++;
  }
  return out.subarray(0, n);
}
