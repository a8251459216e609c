// A TFTP read client (RFC 1350, options of RFC 2347/2348/2349/7440), for `plugndial
// simulate`, the tests and the benchmark. Errors are catalogued PlugndialErrors whose
// details carry the TFTP error code (`details.tftpCode`) when the server sent one.

import type dgram from 'node:dgram';

import { pndError } from '../errors.ts';
import type { ErrorCode, PlugndialError } from '../errors.ts';
import { NetasciiDecoder } from '../transports/tftp/netascii.ts';
import {
  DEFAULT_BLKSIZE,
  MAX_BLKSIZE,
  MIN_BLKSIZE,
  OPCODE,
  TFTP_ERROR,
  decodePacket,
  encodeAck,
  encodeError,
  encodeRequest,
  opcodeOf,
} from '../transports/tftp/packet.ts';
import type { TftpOptions } from '../transports/tftp/packet.ts';
import {
  closeSocket,
  createUdpSocket,
  resolveHost,
  socketType,
} from '../transports/tftp/sockets.ts';

export interface TftpTarget {
  host: string;
  /** Default 69. */
  port?: number;
  /** The file name as the server should see it. */
  path: string;
}

export interface TftpGetOptions {
  /** Ask for this block size (RFC 2348); the server may grant less. */
  blksize?: number;
  /** Ask for this window (RFC 7440); the server may grant less. */
  windowsize?: number;
  /** Ask for the transfer size (RFC 2349). */
  tsize?: boolean;
  /** Retransmission timeout. Default 1000 ms. */
  timeoutMs?: number;
  /** Timeouts in a row before giving up. Default 5. */
  retries?: number;
  /** Default octet; netascii is converted back to local bytes. */
  mode?: 'octet' | 'netascii';
  /** Refuse files larger than this. Default 512 MiB. */
  maxBytes?: number;
  /** How long to stay to re-acknowledge a retransmitted last block (RFC 1350 "dally"). Default 3 × timeoutMs. */
  dallyMs?: number;
  /** The phone's own source address (each emulated phone of a storm has one in 127.0.0.0/8). */
  localAddress?: string;
}

const DEFAULT_MAX_BYTES = 512 * 1024 * 1024;
/** The largest announced size (tsize) taken in one buffer before any block has come. */
const PREALLOCATE_BYTES = 4 * 1024 * 1024;

const CODE_BY_TFTP_ERROR: Record<number, ErrorCode> = {
  [TFTP_ERROR.fileNotFound]: 'PND_TFTP_FILE_NOT_FOUND',
  [TFTP_ERROR.accessViolation]: 'PND_TFTP_ACCESS_VIOLATION',
  [TFTP_ERROR.illegalOperation]: 'PND_TFTP_ILLEGAL_OPERATION',
  [TFTP_ERROR.optionRefused]: 'PND_TFTP_OPTION_REFUSED',
};

/** Reads one file. `tftp://host[:port]/name[;mode=netascii]` or a target object. */
export async function tftpGet(
  target: string | TftpTarget,
  options: TftpGetOptions = {},
): Promise<Buffer> {
  const parsed = typeof target === 'string' ? parseTftpUrl(target) : { target, mode: undefined };
  const { host, port = 69, path } = parsed.target;
  const mode = options.mode ?? parsed.mode ?? 'octet';
  checkOptions(options);
  let address: string;
  try {
    address = await resolveHost(host);
  } catch {
    throw pndError(
      'PND_SERVER_UNREACHABLE',
      `cannot resolve TFTP server ${host}: check the host name`,
    );
  }
  const request = requestPacket(path, mode, options);
  return new Promise<Buffer>((resolve, reject) => {
    new ReadSession(address, port, request, mode, options, resolve, reject).start();
  });
}

/** The TFTP error code behind a tftpGet rejection, if the server sent one. */
export function tftpCodeOf(error: unknown): number | undefined {
  const details = (error as PlugndialError | undefined)?.details;
  return typeof details?.tftpCode === 'number' ? details.tftpCode : undefined;
}

export function parseTftpUrl(url: string): {
  target: TftpTarget;
  mode: 'octet' | 'netascii' | undefined;
} {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw pndError(
      'PND_INVALID_ARGUMENT',
      `not a URL: ${url.slice(0, 200)}; expected tftp://host[:port]/file`,
    );
  }
  if (parsed.protocol !== 'tftp:' || parsed.hostname === '') {
    throw pndError('PND_INVALID_ARGUMENT', `not a tftp:// URL: ${url.slice(0, 200)}`);
  }
  let path: string;
  try {
    path = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  } catch {
    throw pndError('PND_INVALID_ARGUMENT', 'the TFTP URL path is not valid percent-encoding');
  }
  let mode: 'octet' | 'netascii' | undefined;
  // RFC 3617: a `;mode=` suffix names the transfer mode.
  const suffix = /;mode=(octet|netascii)$/i.exec(path);
  if (suffix !== null) {
    mode = (suffix[1] as string).toLowerCase() as 'octet' | 'netascii';
    path = path.slice(0, suffix.index);
  }
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = parsed.port === '' ? 69 : Number(parsed.port);
  return { target: { host, port, path }, mode };
}

function checkOptions(options: TftpGetOptions): void {
  const ranges: Array<[keyof TftpGetOptions, number, number]> = [
    ['blksize', MIN_BLKSIZE, MAX_BLKSIZE],
    ['windowsize', 1, 65535],
    ['timeoutMs', 1, 255_000],
    ['retries', 0, 100],
    ['maxBytes', 0, Number.MAX_SAFE_INTEGER],
    ['dallyMs', 0, 255_000],
  ];
  for (const [name, low, high] of ranges) {
    const value = options[name];
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < low || value > high) {
      throw pndError(
        'PND_INVALID_ARGUMENT',
        `TFTP ${name} must be an integer from ${low} to ${high}`,
      );
    }
  }
}

function requestPacket(path: string, mode: string, options: TftpGetOptions): Buffer {
  if (path.length === 0) throw pndError('PND_INVALID_ARGUMENT', 'a TFTP request needs a file name');
  const requested: Array<[string, string]> = [];
  if (options.tsize === true) requested.push(['tsize', '0']);
  if (options.blksize !== undefined) requested.push(['blksize', String(options.blksize)]);
  if (options.windowsize !== undefined) requested.push(['windowsize', String(options.windowsize)]);
  return encodeRequest('rrq', path, mode, requested);
}

type Phase = 'requested' | 'receiving' | 'done';

/** One read from the request to the last ACK. Exported for the fuzz harness, which hands it a socket. */
export class ReadSession {
  private readonly socket: dgram.Socket;
  private phase: Phase = 'requested';
  private tid: number | undefined;
  private blksize = DEFAULT_BLKSIZE;
  private windowsize = 1;
  /** Absolute number of the last block received in order. */
  private received = 0;
  /** Absolute number of the last block acknowledged: the server's window starts after it. */
  private ackedUpTo = 0;
  private gapReportedAt = -1;
  private lastSent: Buffer;
  private readonly chunks: Buffer[] = [];
  private file: Buffer | undefined;
  private bytes = 0;
  private retriesLeft: number;
  private readonly timeoutMs: number;
  private readonly maxBytes: number;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly address: string,
    private readonly port: number,
    private readonly request: Buffer,
    private readonly mode: 'octet' | 'netascii',
    private readonly options: TftpGetOptions,
    private readonly resolve: (file: Buffer) => void,
    private readonly reject: (error: PlugndialError) => void,
    socket?: dgram.Socket,
  ) {
    this.socket = socket ?? createUdpSocket(socketType(address));
    this.lastSent = request;
    this.timeoutMs = options.timeoutMs ?? 1000;
    this.retriesLeft = options.retries ?? 5;
    this.maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  }

  start(): void {
    this.socket.on('message', (datagram: Buffer, from: dgram.RemoteInfo) => {
      try {
        this.onDatagram(datagram, from);
      } catch (error) {
        this.fail(
          pndError('PND_TFTP_TRANSFER', `TFTP client failed: ${String(error).slice(0, 200)}`),
        );
      }
    });
    this.socket.on('error', (error: Error) => {
      this.fail(pndError('PND_SERVER_UNREACHABLE', `TFTP socket error: ${error.message}`));
    });
    const request = (): void => {
      this.timer = setTimeout(() => this.onTimeout(), this.timeoutMs);
      this.send(this.request);
    };
    const address = this.options.localAddress;
    if (address) this.socket.bind({ address, port: 0 }, request);
    else request();
  }

  private onDatagram(datagram: Buffer, from: dgram.RemoteInfo): void {
    if (from.address !== this.address) return;
    if (this.tid !== undefined && from.port !== this.tid) {
      if (opcodeOf(datagram) !== OPCODE.error) {
        this.socket.send(
          encodeError(TFTP_ERROR.unknownTid, 'Unknown transfer ID'),
          from.port,
          from.address,
        );
      }
      return;
    }
    const decoded = decodePacket(datagram);
    if (!decoded.ok) return;
    const packet = decoded.value;
    if (this.phase === 'done') {
      // Dallying: data after the end means the server did not get our last ACK.
      if (packet.kind === 'data') this.send(this.lastSent);
      return;
    }
    this.tid ??= from.port;
    switch (packet.kind) {
      case 'error':
        this.fail(remoteError(packet.code, packet.message));
        return;
      case 'oack':
        this.onOack(packet.options);
        return;
      case 'data':
        this.onData(packet.block, packet.payload);
        return;
      default:
        this.refuse(
          TFTP_ERROR.illegalOperation,
          'Illegal operation',
          'PND_TFTP_ILLEGAL_OPERATION',
          `unexpected ${packet.kind}`,
        );
    }
  }

  private onOack(options: TftpOptions): void {
    if (this.phase === 'receiving') {
      // Our ACK 0 was lost and the server sent its OACK again.
      if (this.received === 0) this.send(encodeAck(0));
      return;
    }
    for (const [name, value] of options) {
      const number = /^[0-9]{1,10}$/.test(value) ? Number(value) : Number.NaN;
      if (
        name === 'blksize' &&
        this.options.blksize !== undefined &&
        number >= MIN_BLKSIZE &&
        number <= this.options.blksize
      ) {
        this.blksize = number;
      } else if (
        name === 'windowsize' &&
        this.options.windowsize !== undefined &&
        number >= 1 &&
        number <= this.options.windowsize
      ) {
        this.windowsize = number;
      } else if (name === 'tsize' && this.options.tsize === true && Number.isFinite(number)) {
        if (number > this.maxBytes) {
          this.refuse(
            TFTP_ERROR.diskFull,
            'File too large',
            'PND_TFTP_TOO_LARGE',
            `the file is ${number} bytes`,
          );
          return;
        }
        // Known size: one buffer, filled as blocks come, instead of a chunk per block. Only
        // up to a bound: a server that announces a huge file and sends nothing must not make
        // the phone hold it; past the bound blocks are kept as they come.
        if (number <= PREALLOCATE_BYTES) this.file = Buffer.allocUnsafe(number);
      } else {
        this.refuse(
          TFTP_ERROR.optionRefused,
          'Option refused',
          'PND_TFTP_OPTION_REFUSED',
          `the server answered ${name}=${value.slice(0, 20)}`,
        );
        return;
      }
    }
    this.phase = 'receiving';
    this.progress();
    this.send(encodeAck(0));
  }

  private onData(wireBlock: number, payload: Buffer): void {
    // Without an OACK the server ignored our options: RFC 1350 defaults apply.
    this.phase = 'receiving';
    if (payload.length > this.blksize) return;
    const expected = (this.received + 1) & 0xffff;
    if (wireBlock !== expected) {
      const behind = (expected - wireBlock) & 0xffff;
      if (behind <= this.windowsize) {
        // A block we have. In lock-step the server resent it because our ACK was lost.
        // With a window, answering duplicates would echo the server's rewinds back at
        // it; our own timeout re-acknowledges instead.
        if (this.windowsize === 1) this.ack();
      } else if (this.gapReportedAt !== this.received) {
        // A gap in the window: say once where we are; the server goes back there.
        this.gapReportedAt = this.received;
        this.ack();
      }
      return;
    }
    this.received += 1;
    const at = this.bytes;
    this.bytes += payload.length;
    if (this.bytes > this.maxBytes) {
      this.refuse(
        TFTP_ERROR.diskFull,
        'File too large',
        'PND_TFTP_TOO_LARGE',
        `more than ${this.maxBytes} bytes`,
      );
      return;
    }
    if (this.file !== undefined && this.bytes <= this.file.length) {
      payload.copy(this.file, at);
    } else {
      if (this.file !== undefined) this.chunks.push(this.file.subarray(0, at));
      this.file = undefined;
      this.chunks.push(payload);
    }
    this.progress();
    if (payload.length < this.blksize) {
      this.ack();
      this.complete();
    } else if (this.received - this.ackedUpTo >= this.windowsize) {
      this.ack();
    }
  }

  private ack(): void {
    this.ackedUpTo = this.received;
    this.send(encodeAck(this.received));
  }

  private progress(): void {
    this.retriesLeft = this.options.retries ?? 5;
    this.timer?.refresh();
  }

  private onTimeout(): void {
    if (this.phase === 'done') return;
    if (this.retriesLeft <= 0) {
      this.fail(
        pndError(
          'PND_TFTP_TIMEOUT',
          'TFTP server stopped answering: check the server and the network',
        ),
      );
      return;
    }
    this.retriesLeft -= 1;
    this.timer?.refresh();
    if (this.phase === 'receiving' && this.tid !== undefined) {
      if (this.received === 0) this.send(encodeAck(0));
      else this.ack();
    } else {
      this.send(this.lastSent);
    }
  }

  private send(datagram: Buffer): void {
    this.lastSent = datagram;
    this.socket.send(datagram, this.tid ?? this.port, this.address);
  }

  private complete(): void {
    this.phase = 'done';
    let file =
      this.file !== undefined
        ? this.file.subarray(0, this.bytes)
        : Buffer.concat(this.chunks, this.bytes);
    this.file = undefined;
    this.chunks.length = 0;
    if (this.mode === 'netascii') {
      const decoder = new NetasciiDecoder();
      file = Buffer.concat([decoder.push(file), decoder.end()]);
    }
    this.resolve(file);
    const dallyMs = this.options.dallyMs ?? 3 * this.timeoutMs;
    if (this.timer !== undefined) clearTimeout(this.timer);
    if (dallyMs === 0) {
      void closeSocket(this.socket);
      return;
    }
    this.socket.unref();
    setTimeout(() => void closeSocket(this.socket), dallyMs).unref();
  }

  private refuse(code: number, message: string, errorCode: ErrorCode, detail: string): void {
    if (this.tid !== undefined)
      this.socket.send(encodeError(code, message), this.tid, this.address);
    this.fail(pndError(errorCode, `TFTP transfer refused: ${detail}`));
  }

  private fail(error: PlugndialError): void {
    if (this.phase === 'done') return;
    this.phase = 'done';
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.chunks.length = 0;
    this.file = undefined;
    void closeSocket(this.socket);
    this.reject(error);
  }
}

function remoteError(code: number, message: string): PlugndialError {
  const errorCode = CODE_BY_TFTP_ERROR[code] ?? 'PND_TFTP_TRANSFER';
  const text = message.slice(0, 100);
  return pndError(errorCode, `TFTP server answered error ${code}${text ? ` (${text})` : ''}`, {
    tftpCode: code,
    tftpMessage: text,
  });
}
