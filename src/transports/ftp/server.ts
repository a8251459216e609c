// The FTP door: a read-only FTP server on node:net for phones given ftp:// URLs (seeds 001
// and 004). Files come from the provisioning pipeline like every door's; logins are judged
// by its access stage. Passive (PASV, EPSV) data connections only. Knows nothing of vendors.

import { createServer, isIP, type AddressInfo, type Server, type Socket } from 'node:net';
import { pipeline as pump } from 'node:stream/promises';

import type { PresentedCredentials } from '../../crypto/http-auth.ts';
import type { OnLimit } from '../../provisioning/limit-recorder.ts';
import type { Answer, Provisioner, ProvisioningRequest } from '../../provisioning/request.ts';
import { acceptSteadily } from '../steady-accept.ts';
import {
  BEFORE_LOGIN,
  FEATURES,
  MAX_LINE,
  WRITE_VERBS,
  epsvReply,
  isAnonymous,
  listLine,
  parseCommand,
  pasvReply,
  quotePath,
  resolvePath,
} from './commands.ts';

export interface FtpDoorOptions {
  provisioner: Provisioner;
  host: string;
  /** 0 picks a free port (tests). */
  port: number;
  /** Passive data ports; without a range the system picks. */
  passivePorts?: { from: number; to: number };
  /** Control connections at once. Default 256; the last eighth only for addresses holding none. */
  maxSessions?: number;
  /** Control connections at once from one address. Default 8. */
  maxSessionsPerAddress?: number;
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
  onError?: (message: string) => void;
}

export interface FtpDoor {
  address: AddressInfo;
  /**
   * Stops taking connections and ends the idle sessions; a file being sent may finish for
   * `drainMs` (0: none) before its session is ended too.
   */
  close(drainMs?: number): Promise<void>;
}

const MAX_FAILED_LOGINS = 3;

export async function startFtpDoor(options: FtpDoorOptions): Promise<FtpDoor> {
  const sessions = new Set<FtpSession>();
  const perAddress = new Map<string, number>();
  const maxSessions = options.maxSessions ?? 256;
  const maxPerAddress = options.maxSessionsPerAddress ?? 8;
  // Slots one address cannot fill: while some addresses sit at their cap, others still get in.
  const open = maxSessions - Math.floor(maxSessions / 8);
  const server: Server = createServer((socket) => {
    socket.on('error', () => undefined);
    const client = plain(socket.remoteAddress);
    const held = perAddress.get(client) ?? 0;
    const refusal =
      held >= maxPerAddress
        ? {
            limit: 'ftp-sessions-per-address',
            detail: `${maxPerAddress} sessions from this address`,
          }
        : sessions.size >= maxSessions || (held > 0 && sessions.size >= open)
          ? { limit: 'ftp-sessions', detail: `${sessions.size} of ${maxSessions} sessions taken` }
          : undefined;
    if (refusal) {
      options.onLimit?.({ door: 'ftp', address: client, ...refusal });
      socket.end('421 Too many connections, try again later.\r\n');
      return;
    }
    const session = new FtpSession(socket, options);
    sessions.add(session);
    perAddress.set(client, held + 1);
    socket.once('close', () => {
      sessions.delete(session);
      const left = (perAddress.get(client) ?? 1) - 1;
      if (left > 0) perAddress.set(client, left);
      else perAddress.delete(client);
      session.dispose();
    });
    session.start();
  });
  server.maxConnections = maxSessions + 16;
  acceptSteadily(server);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (error) => options.onError?.(`ftp: ${error.message}`));
  return {
    address: server.address() as AddressInfo,
    async close(drainMs = 0): Promise<void> {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      const deadline = Date.now() + drainMs;
      for (;;) {
        for (const session of sessions) if (!session.sending) session.abort();
        if (sessions.size === 0 || Date.now() >= deadline) break;
        await new Promise((resolve) => setTimeout(resolve, Math.min(25, deadline - Date.now())));
      }
      for (const session of sessions) session.abort();
      await closed;
    },
  };
}

/** One passive data listener: the first connection from the control's address wins. */
class Passive {
  readonly port: number;
  readonly #server: Server;
  readonly #accepted: Promise<Socket>;
  #socket: Socket | undefined;

  private constructor(server: Server, port: number, accepted: Promise<Socket>) {
    this.#server = server;
    this.port = port;
    this.#accepted = accepted;
    void accepted.then((socket) => (this.#socket = socket)).catch(() => undefined);
  }

  static async open(
    host: string,
    client: string,
    range: FtpDoorOptions['passivePorts'],
  ): Promise<Passive | undefined> {
    let accept: (socket: Socket) => void = () => undefined;
    const accepted = new Promise<Socket>((resolve) => (accept = resolve));
    let taken = false;
    const server = createServer((socket) => {
      socket.on('error', () => undefined);
      // Only the client that asked may connect: no one else's download through this port.
      if (taken || plain(socket.remoteAddress) !== client) {
        socket.destroy();
        return;
      }
      taken = true;
      accept(socket);
      server.close();
    });
    server.on('error', () => undefined);
    acceptSteadily(server);
    for (const port of candidatePorts(range)) {
      const bound = await new Promise<boolean>((resolve) => {
        const onError = (): void => resolve(false);
        server.once('error', onError);
        server.listen(port, host, () => {
          server.off('error', onError);
          resolve(true);
        });
      });
      if (bound) return new Passive(server, (server.address() as AddressInfo).port, accepted);
    }
    return undefined;
  }

  async socket(timeoutMs: number): Promise<Socket | undefined> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), timeoutMs);
    });
    try {
      return await Promise.race([this.#accepted, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  close(): void {
    this.#server.close();
    this.#socket?.destroy();
  }
}

function* candidatePorts(range: FtpDoorOptions['passivePorts']): Generator<number> {
  if (!range) {
    yield 0;
    return;
  }
  const count = range.to - range.from + 1;
  const start = Math.floor(Math.random() * count);
  // Bounded: a range full of busy ports is tried at most 64 times.
  for (let i = 0; i < Math.min(count, 64); i++) yield range.from + ((start + i) % count);
}

class FtpSession {
  readonly #socket: Socket;
  readonly #options: FtpDoorOptions;
  readonly #client: string;
  #buffer = '';
  #queue: Promise<void> = Promise.resolve();
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

  constructor(socket: Socket, options: FtpDoorOptions) {
    this.#socket = socket;
    this.#options = options;
    this.#client = plain(socket.remoteAddress);
  }

  start(): void {
    this.#socket.setNoDelay(true);
    this.#idle(true);
    this.#socket.on('timeout', () => {
      this.#reply('421 Timeout: closing the control connection.');
      this.#socket.end();
    });
    this.#socket.on('data', (chunk: Buffer) => this.#receive(chunk));
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
    clearTimeout(this.#lineTimer);
    clearTimeout(this.#loginTimer);
    this.#passive?.close();
    this.#passive = undefined;
    this.#settleProbe();
  }

  #receive(chunk: Buffer): void {
    // Telnet commands (IAC …) that some clients send around ABOR carry nothing we use.
    this.#buffer += chunk.toString('utf8').replace(/\xff[\xf0-\xfe]?/g, '');
    if (this.#buffer.length > MAX_LINE * 4) {
      this.#reply('500 Line too long.');
      this.#socket.destroy();
      return;
    }
    let end: number;
    let ended = false;
    while ((end = this.#buffer.indexOf('\n')) >= 0) {
      const line = this.#buffer.slice(0, end + 1);
      this.#buffer = this.#buffer.slice(end + 1);
      this.#queue = this.#queue.then(() => this.#command(line));
      ended = true;
    }
    // A line trickled a byte at a time still has to arrive whole in time.
    if (ended || this.#buffer === '') {
      clearTimeout(this.#lineTimer);
      this.#lineTimer = undefined;
    }
    if (this.#buffer !== '' && this.#lineTimer === undefined && !this.#closed) {
      const lineMs = this.#options.lineTimeoutMs ?? 30_000;
      this.#lineTimer = setTimeout(
        () => this.#cutOff('ftp-line-timeout', `no whole command line within ${lineMs / 1000} s`),
        lineMs,
      );
    }
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
      case 'SYST':
        return this.#reply('215 UNIX Type: L8');
      case 'FEAT':
        return this.#reply(['211-Features:', ...FEATURES.map((f) => ` ${f}`), '211 End']);
      case 'OPTS':
        return this.#reply(
          /^UTF8 ON$/i.test(argument) ? '200 Always in UTF8 mode.' : '501 Option not understood.',
        );
      case 'NOOP':
        return this.#reply('200 NOOP ok.');
      case 'HELP':
        return this.#reply(
          '214 Read-only server: USER PASS PWD CWD TYPE PASV EPSV SIZE RETR LIST NLST QUIT.',
        );
      case 'AUTH':
        return this.#reply('502 TLS is not offered here; use HTTPS for encrypted provisioning.');
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
      case 'TYPE':
        return this.#reply(
          /^(A( N)?|I|L 8)$/i.test(argument)
            ? `200 Switching to ${argument.toUpperCase().startsWith('A') ? 'ASCII' : 'Binary'} mode.`
            : '504 Type not supported.',
        );
      case 'MODE':
        return this.#reply(/^S$/i.test(argument) ? '200 Mode set to S.' : '504 Only stream mode.');
      case 'STRU':
        return this.#reply(
          /^F$/i.test(argument) ? '200 Structure set to F.' : '504 Only file structure.',
        );
      case 'ALLO':
        return this.#reply('202 No storage allocation necessary.');
      case 'PASV':
        return this.#openPassive(false);
      case 'EPSV':
        if (/^ALL$/i.test(argument)) {
          this.#epsvOnly = true;
          return this.#reply('200 EPSV ALL ok.');
        }
        return this.#openPassive(true);
      case 'PORT':
      case 'EPRT':
        return this.#reply('502 Active mode is not supported; use PASV or EPSV.');
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
      case 'ABOR':
        this.#closePassive();
        return this.#reply('226 Nothing to abort.');
      case 'STAT':
        return this.#reply('211 plugndial FTP, read-only.');
      default:
        return this.#reply('502 Command not implemented.');
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
    const local = plain(this.#socket.localAddress);
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

  async #retrieve(path: string): Promise<void> {
    const passive = this.#passive;
    this.#passive = undefined;
    const offset = this.#restart;
    this.#restart = 0;
    if (!passive) {
      this.#settleProbe();
      return this.#reply('425 Use PASV or EPSV first.');
    }
    let answer: Answer;
    if (this.#probe?.path === path) {
      answer = this.#probe.answer;
      this.#probe = undefined;
    } else {
      this.#settleProbe();
      answer = await this.#options.provisioner.answer(this.#request(path));
    }
    if (answer.status !== 200) {
      passive.close();
      answer.done({ status: 404, bytes: 0 });
      return this.#reply(`550 ${path}: No such file or directory.`);
    }
    if (offset > 0 && offset >= answer.size) {
      passive.close();
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
      let bytes = 0;
      data.on('data', () => undefined);
      try {
        if (answer.body) {
          const body = answer.body.subarray(offset);
          bytes = body.length;
          await new Promise<void>((resolve, reject) => {
            data.once('error', reject);
            data.end(body, resolve);
          });
        } else if (answer.open) {
          const source = answer.open(
            offset > 0 ? { start: offset, end: answer.size - 1 } : undefined,
          );
          source.on('data', (chunk: Buffer) => (bytes += chunk.length));
          await pump(source, data);
        }
        answer.done({ status: 200, bytes });
        return this.#reply('226 Transfer complete.');
      } catch {
        data.destroy();
        answer.done({ status: 499, bytes, reason: 'aborted' });
        return this.#reply('426 Connection closed; transfer aborted.');
      }
    } finally {
      this.sending = false;
      passive.close();
      this.#idle(true);
    }
  }

  async #list(verb: string, argument: string): Promise<void> {
    this.#settleProbe();
    const passive = this.#passive;
    this.#passive = undefined;
    if (!passive) return this.#reply('425 Use PASV or EPSV first.');
    // `LIST -la`: options are ls's, not a path.
    const target = argument.startsWith('-') ? '' : argument;
    const path = resolvePath(this.#cwd, target);
    const names = (await this.#options.provisioner.listing?.(this.#request(path))) ?? [];
    this.#reply('150 Here comes the directory listing.');
    try {
      const data = await passive.socket(this.#options.dataTimeoutMs ?? 15_000);
      if (!data) return this.#reply("425 Can't open data connection.");
      const lines = names.map((name) => (verb === 'LIST' ? listLine(name, 0) : name));
      const text = lines.length > 0 ? `${lines.join('\r\n')}\r\n` : '';
      await new Promise<void>((resolve) => data.end(text, resolve));
      return this.#reply('226 Directory send OK.');
    } finally {
      passive.close();
    }
  }

  #request(path: string): ProvisioningRequest {
    const local = plain(this.#socket.localAddress);
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
  }
}

function plain(address: string | undefined): string {
  if (!address) return 'unknown';
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}
