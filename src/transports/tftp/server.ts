// The TFTP door: read requests on one well-known socket, each transfer on a fresh socket
// (its TID), content from the provisioning pipeline. Knows nothing of vendors.

import type dgram from 'node:dgram';

import { pndError } from '../../errors.ts';
import type {
  Answer,
  Provisioner,
  ProvisioningRequest,
  TransferOutcome,
} from '../../provisioning/request.ts';
import { LoopPoller } from '../../loop-poller.ts';
import type { OnLimit } from '../../provisioning/limit-recorder.ts';
import { originFinder } from './origin.ts';
import { negotiateRead, oackEntries } from './options.ts';
import type { Negotiated } from './options.ts';
import {
  MAX_BLKSIZE,
  MAX_REQUEST_SIZE,
  MIN_BLKSIZE,
  OPCODE,
  TFTP_ERROR,
  ackBlockOf,
  decodePacket,
  encodeError,
  encodeOack,
  opcodeOf,
} from './packet.ts';
import type { TftpRequestPacket } from './packet.ts';
import { toNetascii } from './netascii.ts';
import {
  bindSocket,
  closeSocket,
  createUdpSocket,
  plainAddress,
  resolveHost,
  socketType,
} from './sockets.ts';
import { bufferSource, rangeSource } from './source.ts';
import type { BlockSource } from './source.ts';
import { ReadTransfer } from './transfer.ts';

export interface TftpDoorOptions {
  provisioner: Provisioner;
  host: string;
  /** 0 picks a free port (tests). */
  port: number;
  /** Largest blksize granted (RFC 2348); larger requests are lowered to it. Default 1468. */
  maxBlksize?: number;
  /** Largest windowsize granted (RFC 7440). Default 64. */
  maxWindowsize?: number;
  /** Retransmission timeout when the client does not ask for one. Default 1000 ms. */
  timeoutMs?: number;
  /** Timeouts in a row before a transfer is given up. Default 5. */
  retries?: number;
  /** Transfers at once, in total. Default 512; the last eighth only for addresses holding none. */
  maxTransfers?: number;
  /** Transfers at once from one address (phones behind NAT share one). Default 16. */
  maxTransfersPerClient?: number;
  /** The largest client `timeout` option honoured; larger ones are not acknowledged. Default 10 s. */
  maxClientTimeoutMs?: number;
  /** How long one transfer may last, whatever its progress. Default 600 s. */
  maxHoldMs?: number;
  /** A client was held to one of the limits above. */
  onLimit?: OnLimit;
  /**
   * How long after sending a block the door keeps polling for its ACK instead of sleeping
   * (src/loop-poller.ts). Default 1 ms; 0 turns it off.
   */
  ackPollMs?: number;
  log?: (event: TftpDoorEvent) => void;
}

export type TftpDoorEvent =
  | {
      type: 'transfer';
      remoteAddress: string;
      remotePort: number;
      file: string;
      status: number;
      bytes: number;
      retransmissions: number;
      reason?: string;
      durationMs: number;
    }
  | {
      type: 'refused';
      remoteAddress: string;
      remotePort: number;
      reason: string;
      tftpCode: number;
    }
  | { type: 'malformed'; remoteAddress: string; remotePort: number; reason: string }
  | { type: 'error'; message: string };

export interface TftpDoorStats {
  /** Transfers in progress, including those waiting for the pipeline. */
  active: number;
  /** Read requests handed to the pipeline. */
  requests: number;
  delivered: number;
  notFound: number;
  /** Transfers that ended otherwise: timed out, aborted by the client, failed. */
  failed: number;
  /** Requests refused before the pipeline: write, busy, mode, option refused. */
  refused: number;
  malformed: number;
  /** Retransmitted read requests of a transfer already under way (ignored). */
  duplicateRequests: number;
  /** Datagrams from a stranger to a transfer's socket (answered with error 5). */
  unknownTid: number;
  /** ACK, DATA or OACK sent to the request port (dropped). */
  strays: number;
  bytes: number;
  retransmissions: number;
}

export interface TftpDoor {
  address: { address: string; port: number };
  close(): Promise<void>;
  stats(): TftpDoorStats;
}

interface Entry {
  key: string;
  client: string;
  filename: string;
  transfer: ReadTransfer | undefined;
  registered: boolean;
}

interface Settings {
  maxBlksize: number;
  maxWindowsize: number;
  timeoutMs: number;
  retries: number;
  maxTransfers: number;
  maxTransfersPerClient: number;
  maxTimeoutMs: number;
  maxHoldMs: number;
  ackPollMs: number;
}

const MAX_LOGGED_NAME = 256;
/** Bytes of a stored file read ahead of the window (a window larger than this is read whole). */
const READ_AHEAD = 64 * 1024;
const SHUTDOWN_WAIT_MS = 5000;

export async function startTftpDoor(options: TftpDoorOptions): Promise<TftpDoor> {
  const settings = checkSettings(options);
  const host = await resolveHost(options.host);
  const type = socketType(host);
  const main = createUdpSocket(type);
  try {
    await bindSocket(main, host, options.port);
  } catch (error) {
    await closeSocket(main);
    throw pndError(
      'PND_LISTEN',
      `TFTP door cannot listen on ${options.host}:${options.port}: ${String(error)}`,
    );
  }
  try {
    main.setRecvBufferSize(1 << 20);
  } catch {
    // The system maximum is lower; the default still works, with less room for bursts.
  }
  const door = new Door(
    options.provisioner,
    settings,
    host,
    type,
    main,
    options.log,
    options.onLimit,
  );
  return {
    address: door.address,
    close: () => door.close(),
    stats: () => door.stats(),
  };
}

function checkSettings(options: TftpDoorOptions): Settings {
  const settings: Settings = {
    maxBlksize: options.maxBlksize ?? 1468,
    maxWindowsize: options.maxWindowsize ?? 64,
    timeoutMs: options.timeoutMs ?? 1000,
    retries: options.retries ?? 5,
    maxTransfers: options.maxTransfers ?? 512,
    maxTransfersPerClient: options.maxTransfersPerClient ?? 16,
    maxTimeoutMs: options.maxClientTimeoutMs ?? 10_000,
    maxHoldMs: options.maxHoldMs ?? 600_000,
    ackPollMs: options.ackPollMs ?? 1,
  };
  const ranges: Record<keyof Settings, [number, number]> = {
    maxBlksize: [MIN_BLKSIZE, MAX_BLKSIZE],
    // Past half the block-number space an ACK could name two blocks of the window.
    maxWindowsize: [1, 32768],
    timeoutMs: [1, 255_000],
    retries: [0, 100],
    maxTransfers: [1, 100_000],
    maxTransfersPerClient: [1, 100_000],
    maxTimeoutMs: [1000, 255_000],
    maxHoldMs: [1000, 86_400_000],
    ackPollMs: [0, 100],
  };
  for (const [name, [low, high]] of Object.entries(ranges) as Array<
    [keyof Settings, [number, number]]
  >) {
    const value = settings[name];
    const whole = name === 'ackPollMs' ? Number.isFinite(value) : Number.isInteger(value);
    if (!whole || value < low || value > high) {
      throw pndError(
        'PND_CONFIG',
        `TFTP ${name} must be ${name === 'ackPollMs' ? 'a number' : 'an integer'} from ${low} to ${high}`,
      );
    }
  }
  if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65535) {
    throw pndError('PND_CONFIG', 'TFTP port must be an integer from 0 to 65535');
  }
  return settings;
}

class Door {
  readonly address: { address: string; port: number };
  readonly #byTid = new Map<string, Entry>();
  readonly #perClient = new Map<string, number>();
  readonly #sockets = new Set<dgram.Socket>();
  /** Requests from their arrival until their transfer starts (or they are answered). */
  readonly #pending = new Set<Promise<void>>();
  readonly #counters: Omit<TftpDoorStats, 'active'> = {
    requests: 0,
    delivered: 0,
    notFound: 0,
    failed: 0,
    refused: 0,
    malformed: 0,
    duplicateRequests: 0,
    unknownTid: 0,
    strays: 0,
    bytes: 0,
    retransmissions: 0,
  };
  #active = 0;
  #closing: Promise<void> | undefined;
  readonly #origin: (remote: string) => Promise<string>;
  readonly #ackPoller: LoopPoller;
  readonly #provisioner: Provisioner;
  readonly #settings: Settings;
  readonly #host: string;
  readonly #type: dgram.SocketType;
  readonly #main: dgram.Socket;
  readonly #log: ((event: TftpDoorEvent) => void) | undefined;
  readonly #onLimit: OnLimit | undefined;

  constructor(
    provisioner: Provisioner,
    settings: Settings,
    host: string,
    type: dgram.SocketType,
    main: dgram.Socket,
    log: ((event: TftpDoorEvent) => void) | undefined,
    onLimit: OnLimit | undefined,
  ) {
    this.#provisioner = provisioner;
    this.#settings = settings;
    this.#host = host;
    this.#type = type;
    this.#main = main;
    this.#log = log;
    this.#onLimit = onLimit;
    const bound = main.address();
    this.address = { address: bound.address, port: bound.port };
    this.#origin = originFinder(host, bound.port, type);
    this.#ackPoller = new LoopPoller(settings.ackPollMs);
    main.on('message', (datagram: Buffer, remote: dgram.RemoteInfo) => {
      try {
        this.#onRequest(datagram, remote);
      } catch (error) {
        this.#emit({ type: 'error', message: `request handler: ${String(error)}` });
      }
    });
    main.on('error', (error: Error) => {
      this.#emit({ type: 'error', message: `listening socket: ${error.message}` });
    });
  }

  stats(): TftpDoorStats {
    return { active: this.#active, ...this.#counters };
  }

  close(): Promise<void> {
    this.#closing ??= this.#shutdown();
    return this.#closing;
  }

  async #shutdown(): Promise<void> {
    this.#ackPoller.stop();
    const closed = closeSocket(this.#main);
    for (const entry of [...this.#byTid.values()]) {
      entry.transfer?.abort(503, 'server closing', 'Server shutting down');
    }
    await closed;
    // Requests still with the pipeline record 503 when it answers; a pipeline that never
    // answers must not hold the shutdown forever.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(this.#pending),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, SHUTDOWN_WAIT_MS);
      }),
    ]);
    clearTimeout(timer);
    await Promise.all([...this.#sockets].map((socket) => closeSocket(socket)));
  }

  #onRequest(datagram: Buffer, remote: dgram.RemoteInfo): void {
    if (this.#closing !== undefined) return;
    const opcode = opcodeOf(datagram);
    // Never answer an error, nor a datagram too short to be anything (no reflection for free).
    if (opcode === OPCODE.error || datagram.length < 4) return;
    if (datagram.length > MAX_REQUEST_SIZE) {
      this.#counters.malformed += 1;
      this.#emit({ type: 'malformed', ...peer(remote), reason: 'oversized' });
      this.#reply(remote, TFTP_ERROR.illegalOperation, 'Illegal operation');
      return;
    }
    const decoded = decodePacket(datagram);
    if (!decoded.ok) {
      this.#counters.malformed += 1;
      this.#emit({
        type: 'malformed',
        ...peer(remote),
        reason: String(decoded.error.details?.reason),
      });
      this.#reply(remote, TFTP_ERROR.illegalOperation, 'Illegal operation');
      return;
    }
    const packet = decoded.value;
    switch (packet.kind) {
      case 'rrq':
        this.#onRead(packet, remote);
        return;
      case 'wrq':
        this.#refuse(remote, 'write request', TFTP_ERROR.accessViolation, 'Access violation');
        return;
      default:
        // ACK, DATA or OACK here are strays of ended transfers (tftp-hpa acknowledges the
        // error that ends a transfer, to the port it came from): dropped without a word.
        this.#counters.strays += 1;
    }
  }

  #onRead(packet: TftpRequestPacket, remote: dgram.RemoteInfo): void {
    const key = `${remote.address}|${remote.port}`;
    const existing = this.#byTid.get(key);
    if (existing !== undefined) {
      if (existing.transfer?.awaitingFinalAck === true) {
        existing.transfer.completeByNewRequest();
      } else if (existing.filename === packet.filename) {
        this.#counters.duplicateRequests += 1;
        return;
      }
    }
    if (packet.mode !== 'octet' && packet.mode !== 'netascii') {
      this.#refuse(
        remote,
        `mode ${packet.mode.slice(0, 16)}`,
        TFTP_ERROR.illegalOperation,
        'Illegal operation',
      );
      return;
    }
    const negotiation = negotiateRead(packet.options, {
      maxBlksize: this.#settings.maxBlksize,
      maxWindowsize: this.#settings.maxWindowsize,
      maxTimeoutMs: this.#settings.maxTimeoutMs,
    });
    if (!negotiation.ok) {
      this.#refuse(
        remote,
        `option ${negotiation.option}`,
        TFTP_ERROR.optionRefused,
        'Option refused',
      );
      return;
    }
    const client = plainAddress(remote.address);
    const { maxTransfers, maxTransfersPerClient } = this.#settings;
    const held = this.#perClient.get(client) ?? 0;
    if (held >= maxTransfersPerClient) {
      this.#onLimit?.({
        door: 'tftp',
        limit: 'tftp-transfers-per-address',
        address: client,
        detail: `${maxTransfersPerClient} transfers from this address`,
      });
      this.#refuse(
        remote,
        'too many transfers from client',
        TFTP_ERROR.notDefined,
        'Server busy, retry later',
      );
      return;
    }
    // The last eighth of the slots is for addresses holding none: phones get in while others
    // sit at their cap.
    if (
      this.#active >= maxTransfers ||
      (held > 0 && this.#active >= maxTransfers - Math.floor(maxTransfers / 8))
    ) {
      this.#onLimit?.({
        door: 'tftp',
        limit: 'tftp-transfers',
        address: client,
        detail: `${this.#active} of ${maxTransfers} transfers under way`,
      });
      this.#refuse(remote, 'too many transfers', TFTP_ERROR.notDefined, 'Server busy, retry later');
      return;
    }
    const entry: Entry = {
      key,
      client,
      filename: packet.filename,
      transfer: undefined,
      registered: false,
    };
    this.#register(entry);
    this.#counters.requests += 1;
    const serving = this.#serve(entry, packet, negotiation.value, remote)
      .catch((error: unknown) => {
        this.#emit({ type: 'error', message: `transfer setup: ${String(error)}` });
        this.#unregister(entry);
      })
      .finally(() => this.#pending.delete(serving));
    this.#pending.add(serving);
  }

  async #serve(
    entry: Entry,
    packet: TftpRequestPacket,
    negotiated: Negotiated,
    remote: dgram.RemoteInfo,
  ): Promise<void> {
    const started = performance.now();
    const request: ProvisioningRequest = {
      transport: 'tftp',
      rawPath: packet.filename,
      query: '',
      remoteAddress: entry.client,
      origin: await this.#origin(remote.address),
    };
    let answer: Answer;
    try {
      answer = await this.#provisioner.answer(request);
    } catch (error) {
      this.#unregister(entry);
      this.#emit({ type: 'error', message: `pipeline: ${String(error)}` });
      this.#reply(remote, TFTP_ERROR.notDefined, 'Server error');
      return;
    }
    let recorded = false;
    const hold: { timer?: NodeJS.Timeout } = {};
    const finish = (outcome: TransferOutcome): void => {
      if (recorded) return;
      recorded = true;
      clearTimeout(hold.timer);
      this.#unregister(entry);
      this.#record(entry, remote, outcome, performance.now() - started);
      try {
        answer.done(outcome);
      } catch (error) {
        this.#emit({ type: 'error', message: `recording outcome: ${String(error)}` });
      }
    };
    if (this.#closing !== undefined) {
      finish({ status: 503, bytes: 0, retransmissions: 0, reason: 'server closing' });
      return;
    }
    if (answer.status !== 200) {
      this.#reply(remote, TFTP_ERROR.fileNotFound, 'File not found');
      finish({ status: 404, bytes: 0, retransmissions: 0 });
      return;
    }
    const content = openContent(answer, packet.mode === 'netascii');
    if (content === undefined) {
      this.#reply(remote, TFTP_ERROR.notDefined, 'Server error');
      finish({ status: 500, bytes: 0, retransmissions: 0, reason: 'content unavailable' });
      return;
    }
    const socket = createUdpSocket(this.#type);
    this.#sockets.add(socket);
    socket.on('close', () => this.#sockets.delete(socket));
    try {
      await bindSocket(socket, this.#host, 0);
    } catch (error) {
      content.source.close();
      void closeSocket(socket);
      this.#emit({ type: 'error', message: `transfer socket: ${String(error)}` });
      this.#reply(remote, TFTP_ERROR.notDefined, 'Server error');
      finish({ status: 500, bytes: 0, retransmissions: 0, reason: 'no socket' });
      return;
    }
    if (this.#closing !== undefined) {
      content.source.close();
      void closeSocket(socket);
      finish({ status: 503, bytes: 0, retransmissions: 0, reason: 'server closing' });
      return;
    }
    const entries = oackEntries(negotiated, content.size);
    const transfer = new ReadTransfer({
      source: content.source,
      blksize: negotiated.blksize,
      windowsize: negotiated.windowsize,
      timeoutMs: negotiated.timeoutMs ?? this.#settings.timeoutMs,
      oackTimeoutMs: this.#settings.timeoutMs,
      retries: this.#settings.retries,
      oack: entries.length > 0 ? encodeOack(entries) : undefined,
      send: (datagram: Buffer): void => {
        socket.send(datagram, remote.port, remote.address);
        this.#ackPoller.hold();
      },
      finish: (outcome: TransferOutcome): void => {
        void closeSocket(socket);
        finish(outcome);
      },
    });
    entry.transfer = transfer;
    // However it progresses, a transfer gives its slot back in the end.
    hold.timer = setTimeout(() => {
      this.#onLimit?.({
        door: 'tftp',
        limit: 'tftp-max-hold',
        address: entry.client,
        detail: `a transfer still under way after ${this.#settings.maxHoldMs / 1000} s`,
      });
      transfer.abort(408, 'held too long', 'Transfer took too long');
    }, this.#settings.maxHoldMs);
    socket.on('message', (datagram: Buffer, from: dgram.RemoteInfo) => {
      try {
        if (from.port === remote.port && from.address === remote.address) {
          const block = ackBlockOf(datagram);
          if (block !== undefined) {
            transfer.receiveAck(block);
            return;
          }
          const decoded = decodePacket(datagram);
          if (decoded.ok) transfer.receive(decoded.value);
          return;
        }
        this.#counters.unknownTid += 1;
        if (opcodeOf(datagram) !== OPCODE.error) {
          socket.send(
            encodeError(TFTP_ERROR.unknownTid, 'Unknown transfer ID'),
            from.port,
            from.address,
          );
        }
      } catch (error) {
        this.#emit({ type: 'error', message: `transfer handler: ${String(error)}` });
        transfer.abort(500, 'internal error', 'Server error');
      }
    });
    socket.on('error', (error: Error) => {
      this.#emit({ type: 'error', message: `transfer socket: ${error.message}` });
      transfer.abort(500, 'socket error', 'Server error');
    });
    transfer.start();
  }

  #register(entry: Entry): void {
    entry.registered = true;
    this.#byTid.set(entry.key, entry);
    this.#perClient.set(entry.client, (this.#perClient.get(entry.client) ?? 0) + 1);
    this.#active += 1;
  }

  #unregister(entry: Entry): void {
    if (!entry.registered) return;
    entry.registered = false;
    if (this.#byTid.get(entry.key) === entry) this.#byTid.delete(entry.key);
    const count = (this.#perClient.get(entry.client) ?? 1) - 1;
    if (count <= 0) this.#perClient.delete(entry.client);
    else this.#perClient.set(entry.client, count);
    this.#active -= 1;
  }

  #record(
    entry: Entry,
    remote: dgram.RemoteInfo,
    outcome: TransferOutcome,
    durationMs: number,
  ): void {
    if (outcome.status === 200) this.#counters.delivered += 1;
    else if (outcome.status === 404) this.#counters.notFound += 1;
    else this.#counters.failed += 1;
    this.#counters.bytes += outcome.bytes;
    this.#counters.retransmissions += outcome.retransmissions ?? 0;
    if (this.#log === undefined) return;
    this.#emit({
      type: 'transfer',
      ...peer(remote),
      file: entry.filename.slice(0, MAX_LOGGED_NAME),
      status: outcome.status,
      bytes: outcome.bytes,
      retransmissions: outcome.retransmissions ?? 0,
      ...(outcome.reason !== undefined ? { reason: outcome.reason } : {}),
      durationMs: Math.round(durationMs),
    });
  }

  #refuse(remote: dgram.RemoteInfo, reason: string, code: number, message: string): void {
    this.#counters.refused += 1;
    this.#emit({ type: 'refused', ...peer(remote), reason, tftpCode: code });
    this.#reply(remote, code, message);
  }

  /** Errors before a transfer exists go out from the request port. */
  #reply(remote: dgram.RemoteInfo, code: number, message: string): void {
    if (this.#closing !== undefined) return;
    try {
      this.#main.send(encodeError(code, message), remote.port, remote.address);
    } catch (error) {
      this.#emit({ type: 'error', message: `reply: ${String(error)}` });
    }
  }

  #emit(event: TftpDoorEvent): void {
    if (this.#log === undefined) return;
    try {
      this.#log(event);
    } catch {
      // A failing logger must not take a transfer down.
    }
  }
}

function openContent(
  answer: Answer,
  netascii: boolean,
): { source: BlockSource; size: number | undefined } | undefined {
  try {
    if (answer.body !== undefined) {
      const bytes = netascii ? toNetascii(answer.body) : answer.body;
      return { source: bufferSource(bytes), size: bytes.length };
    }
    if (answer.open !== undefined) {
      const open = answer.open.bind(answer);
      // The converted size of a stream is unknown without reading it twice: tsize is left out.
      return netascii
        ? { source: rangeSource(open, answer.size, READ_AHEAD, toNetascii), size: undefined }
        : { source: rangeSource(open, answer.size, READ_AHEAD), size: answer.size };
    }
  } catch {
    return undefined;
  }
  return undefined;
}

function peer(remote: dgram.RemoteInfo): { remoteAddress: string; remotePort: number } {
  return { remoteAddress: plainAddress(remote.address), remotePort: remote.port };
}
