// The TFTP door: read requests on one well-known socket, each transfer on a socket of its own
// (its TID), content from the provisioning pipeline. Knows nothing of vendors.
//
// The door itself only routes: settings.ts checks what it is given, slots.ts decides who may
// start a transfer, content.ts opens the answer, transfer-ports.ts lends it a port,
// transfer-socket.ts runs the transfer on it, report.ts counts and tells.

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
import { openContent } from './content.ts';
import { originFinder } from './origin.ts';
import { negotiateRead } from './options.ts';
import type { Negotiated } from './options.ts';
import {
  MAX_REQUEST_SIZE,
  OPCODE,
  TFTP_ERROR,
  decodePacket,
  encodeError,
  opcodeOf,
} from './packet.ts';
import type { TftpRequestPacket } from './packet.ts';
import { countOutcome, peer, transferEvent, zeroCounters } from './report.ts';
import type { TftpDoorEvent, TftpDoorStats } from './report.ts';
import { checkSettings } from './settings.ts';
import type { TftpDoorOptions, TftpSettings } from './settings.ts';
import { TransferSlots } from './slots.ts';
import type { SlotRefusal, TransferEntry } from './slots.ts';
import {
  bindSocket,
  closeSocket,
  createUdpSocket,
  plainAddress,
  resolveHost,
  socketType,
} from './sockets.ts';
import { TransferPorts } from './transfer-ports.ts';
import { openTransfer } from './transfer-socket.ts';

export type { TftpDoorEvent, TftpDoorStats } from './report.ts';
export type { TftpDoorOptions } from './settings.ts';

export interface TftpDoor {
  address: { address: string; port: number };
  /**
   * Stops taking requests; transfers under way may finish for `drainMs` (0: none), then the
   * rest are aborted. Every transfer is recorded either way.
   */
  close(drainMs?: number): Promise<void>;
  stats(): TftpDoorStats;
}

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
    close: (drainMs) => door.close(drainMs),
    stats: () => door.stats(),
  };
}

class Door {
  readonly address: { address: string; port: number };
  readonly #slots: TransferSlots;
  readonly #ports: TransferPorts;
  /** Requests from their arrival until their transfer starts (or they are answered). */
  readonly #pending = new Set<Promise<void>>();
  readonly #counters = zeroCounters();
  #closing: Promise<void> | undefined;
  /** Past the drain: what is still under way is aborted, nothing more is sent. */
  #aborting = false;
  readonly #origin: (remote: string) => Promise<string>;
  readonly #ackPoller: LoopPoller;
  readonly #provisioner: Provisioner;
  readonly #settings: TftpSettings;
  readonly #main: dgram.Socket;
  readonly #log: ((event: TftpDoorEvent) => void) | undefined;
  readonly #onLimit: OnLimit | undefined;

  constructor(
    provisioner: Provisioner,
    settings: TftpSettings,
    host: string,
    type: dgram.SocketType,
    main: dgram.Socket,
    log: ((event: TftpDoorEvent) => void) | undefined,
    onLimit: OnLimit | undefined,
  ) {
    this.#provisioner = provisioner;
    this.#settings = settings;
    this.#slots = new TransferSlots(settings);
    this.#ports = new TransferPorts(type, host);
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
    return { active: this.#slots.active, ...this.#counters };
  }

  close(drainMs = 0): Promise<void> {
    this.#closing ??= this.#shutdown(drainMs);
    return this.#closing;
  }

  async #shutdown(drainMs: number): Promise<void> {
    // New requests are ignored from here on; those already taken may finish until the deadline.
    const deadline = Date.now() + drainMs;
    while ((this.#slots.active > 0 || this.#pending.size > 0) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, Math.min(25, deadline - Date.now())));
    }
    this.#aborting = true;
    this.#ackPoller.stop();
    const closed = closeSocket(this.#main);
    for (const entry of this.#slots.entries()) {
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
    await this.#ports.close();
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
    const existing = this.#slots.byTid(key);
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
    const refusal = this.#refusalAfterMakingRoom(client);
    if (refusal !== undefined) {
      this.#onLimit?.({
        door: 'tftp',
        limit: refusal.limit,
        address: client,
        detail: refusal.detail,
      });
      this.#refuse(remote, refusal.reason, TFTP_ERROR.notDefined, 'Server busy, retry later');
      return;
    }
    const entry: TransferEntry = {
      key,
      client,
      filename: packet.filename,
      transfer: undefined,
      registered: false,
    };
    this.#slots.take(entry);
    this.#counters.requests += 1;
    const serving = this.#serve(entry, packet, negotiation.value, remote)
      .catch((error: unknown) => {
        this.#emit({ type: 'error', message: `transfer setup: ${String(error)}` });
        this.#slots.giveBack(entry);
      })
      .finally(() => this.#pending.delete(serving));
    this.#pending.add(serving);
  }

  /**
   * Why `client` may not start a transfer, if it may not. At a limit, a transfer that has
   * stopped making progress gives its place to the newcomer first, so a phone waiting behind
   * half-finished transfers gets in at once; ending a transfer gives its slot back at once.
   */
  #refusalAfterMakingRoom(client: string): SlotRefusal | undefined {
    const refusal = this.#slots.refusal(client);
    if (refusal === undefined) return undefined;
    const atAddress = refusal.limit === 'tftp-transfers-per-address';
    const victim = this.#slots.stalest(atAddress ? client : undefined);
    const stalled = victim?.transfer;
    if (victim === undefined || stalled === undefined) return refusal;
    const missed = stalled.timeoutsWithoutProgress;
    stalled.abort(503, 'made room', 'Server busy, retry later');
    this.#onLimit?.({
      door: 'tftp',
      limit: refusal.limit,
      address: victim.client,
      detail: `${refusal.detail}: a transfer ${missed} timeouts without progress ended for a newcomer`,
    });
    return this.#slots.refusal(client);
  }

  async #serve(
    entry: TransferEntry,
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
      this.#slots.giveBack(entry);
      this.#emit({ type: 'error', message: `pipeline: ${String(error)}` });
      this.#reply(remote, TFTP_ERROR.notDefined, 'Server error');
      return;
    }
    let recorded = false;
    const finish = (outcome: TransferOutcome): void => {
      if (recorded) return;
      recorded = true;
      this.#slots.giveBack(entry);
      this.#record(entry, remote, outcome, performance.now() - started);
      try {
        answer.done(outcome);
      } catch (error) {
        this.#emit({ type: 'error', message: `recording outcome: ${String(error)}` });
      }
    };
    if (this.#aborting) {
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
    let socket: dgram.Socket;
    try {
      socket = await this.#ports.take(remote);
    } catch (error) {
      content.source.close();
      this.#emit({ type: 'error', message: `transfer socket: ${String(error)}` });
      this.#reply(remote, TFTP_ERROR.notDefined, 'Server error');
      finish({ status: 500, bytes: 0, retransmissions: 0, reason: 'no socket' });
      return;
    }
    if (this.#aborting) {
      content.source.close();
      this.#ports.giveBack(socket, remote, false);
      finish({ status: 503, bytes: 0, retransmissions: 0, reason: 'server closing' });
      return;
    }
    const transfer = openTransfer({
      socket,
      remote,
      content,
      negotiated,
      settings: this.#settings,
      sent: () => this.#ackPoller.hold(),
      finish,
      release: (used, reusable) => this.#ports.giveBack(used, remote, reusable),
      heldTooLong: () =>
        this.#onLimit?.({
          door: 'tftp',
          limit: 'tftp-max-hold',
          address: entry.client,
          detail: `a transfer still under way after ${this.#settings.maxHoldMs / 1000} s`,
        }),
      stranger: () => {
        this.#counters.unknownTid += 1;
      },
      error: (message) => this.#emit({ type: 'error', message }),
    });
    entry.transfer = transfer;
    transfer.start();
  }

  #record(
    entry: TransferEntry,
    remote: dgram.RemoteInfo,
    outcome: TransferOutcome,
    durationMs: number,
  ): void {
    countOutcome(this.#counters, outcome);
    if (this.#log === undefined) return;
    this.#emit(transferEvent(remote, entry.filename, outcome, durationMs));
  }

  #refuse(remote: dgram.RemoteInfo, reason: string, code: number, message: string): void {
    this.#counters.refused += 1;
    this.#emit({ type: 'refused', ...peer(remote), reason, tftpCode: code });
    this.#reply(remote, code, message);
  }

  /** Errors before a transfer exists go out from the request port. */
  #reply(remote: dgram.RemoteInfo, code: number, message: string): void {
    if (this.#aborting) return;
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
