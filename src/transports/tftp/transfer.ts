// The server side of one read transfer: OACK handshake, windowed DATA (RFC 7440),
// retransmission, block-number rollover. No sockets: packets go out through `send`,
// packets from the client's TID come in through `receive`, the end through `finish`.
//
// Only a timeout retransmits. A duplicate ACK is ignored (no Sorcerer's Apprentice); an
// ACK for a block inside the window that was sent moves the window there and sends from
// the next block, once: a repeat of that ACK is then a duplicate.

import type { TransferOutcome } from '../../provisioning/request.ts';
import { TFTP_ERROR, encodeError, writeDataHeader } from './packet.ts';
import type { TftpPacket } from './packet.ts';
import { HEADER_SIZE } from './source.ts';
import type { BlockSource } from './source.ts';

export interface TransferTimer {
  /** Restarts the countdown from now (also after it fired). */
  refresh(): void;
  cancel(): void;
}

export type StartTimer = (ms: number, fire: () => void) => TransferTimer;

export interface ReadTransferConfig {
  source: BlockSource;
  blksize: number;
  windowsize: number;
  timeoutMs: number;
  /**
   * The timeout until the client acknowledges the OACK (default timeoutMs). The server's
   * own, not the client's `timeout` option: a request with a spoofed source never gets
   * past the OACK, and must not hold a place for 255 s × retries.
   */
  oackTimeoutMs?: number;
  /** Timeouts in a row without progress before giving up. */
  retries: number;
  /** The OACK to send first; undefined when no option was accepted. */
  oack: Buffer | undefined;
  send(packet: Buffer): void;
  finish(outcome: TransferOutcome): void;
  startTimer?: StartTimer;
}

export const startNodeTimer: StartTimer = (ms, fire) => {
  const timer = setTimeout(fire, ms);
  return {
    refresh: (): void => {
      timer.refresh();
    },
    cancel: (): void => {
      clearTimeout(timer);
    },
  };
};

type State = 'idle' | 'negotiating' | 'sending' | 'closed';

export class ReadTransfer {
  #state: State = 'idle';
  /** Absolute number of the last block the client acknowledged (0: none yet). */
  #acked = 0;
  /** Absolute number of the highest block sent since the window last moved. */
  #sent = 0;
  /** The highest block sent when the window was last sent again (see #onAck). */
  #rewound = 0;
  /** Absolute number of the final (short) block, once it has been read. */
  #lastBlock: number | undefined;
  /** Packets for blocks acked+1 … in order, kept until acknowledged. */
  #window: Buffer[] = [];
  #retriesLeft: number;
  #retransmissions = 0;
  #bytes = 0;
  #timer: TransferTimer | undefined;

  constructor(private readonly config: ReadTransferConfig) {
    this.#retriesLeft = config.retries;
  }

  get closed(): boolean {
    return this.#state === 'closed';
  }

  /** Timeouts in a row since the client last made progress: 0 while it keeps up. */
  get timeoutsWithoutProgress(): number {
    return this.config.retries - this.#retriesLeft;
  }

  /** Every block has been sent and only the client's final ACK is missing. */
  get awaitingFinalAck(): boolean {
    return (
      this.#state === 'sending' && this.#lastBlock !== undefined && this.#sent === this.#lastBlock
    );
  }

  start(): void {
    if (this.#state !== 'idle') return;
    const negotiating = this.config.oack !== undefined;
    const ms = negotiating
      ? (this.config.oackTimeoutMs ?? this.config.timeoutMs)
      : this.config.timeoutMs;
    this.#timer = this.#startTimer(ms);
    if (this.config.oack !== undefined) {
      this.#state = 'negotiating';
      this.config.send(this.config.oack);
    } else {
      this.#state = 'sending';
      this.#pump();
    }
  }

  /** An ACK from the client's TID (the common case, kept apart from `receive`). */
  receiveAck(block: number): void {
    if (this.#state === 'negotiating' || this.#state === 'sending') this.#onAck(block);
  }

  receive(packet: TftpPacket): void {
    if (this.#state === 'closed' || this.#state === 'idle') return;
    switch (packet.kind) {
      case 'ack':
        this.#onAck(packet.block);
        return;
      case 'error':
        this.#end({ status: 499, reason: `client error ${packet.code}` });
        return;
      default:
        this.config.send(encodeError(TFTP_ERROR.illegalOperation, 'Illegal operation'));
        this.#end({ status: 400, reason: `unexpected ${packet.kind}` });
    }
  }

  /** Ends the transfer from outside (shutdown, socket failure), telling the client. */
  abort(status: number, reason: string, message: string): void {
    if (this.#state === 'closed') return;
    this.config.send(encodeError(TFTP_ERROR.notDefined, message));
    this.#end({ status, reason });
  }

  /** The client started a new request from the same port: it had the whole file. */
  completeByNewRequest(): void {
    if (this.awaitingFinalAck) this.#end({ status: 200, reason: 'final ACK implied' }, true);
  }

  #onAck(wireBlock: number): void {
    if (this.#state === 'negotiating') {
      if (wireBlock !== 0) return;
      this.#state = 'sending';
      this.#timer?.cancel();
      this.#timer = this.#startTimer(this.config.timeoutMs);
      this.#retriesLeft = this.config.retries;
      this.#pump();
      return;
    }
    const delta = (wireBlock - (this.#acked & 0xffff)) & 0xffff;
    // delta 0 is a duplicate; anything past what was sent is stale or bogus.
    if (delta === 0 || delta > this.#sent - this.#acked) return;
    const block = this.#acked + delta;
    for (let i = 0; i < delta; i += 1)
      this.#bytes += (this.#window[i] as Buffer).length - HEADER_SIZE;
    this.#window.splice(0, delta);
    this.#acked = block;
    this.#progress();
    if (block === this.#lastBlock) {
      this.#end({ status: 200 });
      return;
    }
    // An ACK short of what was sent says the block after it went missing (RFC 7440): the
    // window is sent again from there. Not when the ACK is for a block sent before the last
    // time: a client that acknowledges every block of a window would otherwise have the rest
    // of the window sent again for each ACK, the window's size over.
    if (block < this.#sent && block > this.#rewound) {
      this.#rewound = this.#sent;
      this.#sent = block;
    }
    this.#pump();
  }

  #startTimer(ms: number): TransferTimer {
    const startTimer = this.config.startTimer ?? startNodeTimer;
    return startTimer(ms, () => this.#onTimeout());
  }

  #progress(): void {
    this.#retriesLeft = this.config.retries;
    this.#timer?.refresh();
  }

  #pump(): void {
    const { blksize, windowsize, source } = this.config;
    while (this.#state === 'sending') {
      const next = this.#sent + 1;
      if (next > this.#acked + windowsize) return;
      if (this.#lastBlock !== undefined && next > this.#lastBlock) return;
      let packet = this.#window[next - this.#acked - 1];
      if (packet === undefined) {
        packet = source.nextPacket(blksize);
        if (packet === undefined) {
          if (source.failure !== undefined) {
            this.abort(500, 'content read failed', 'Transfer failed');
          } else {
            source.wait(() => this.#pump());
          }
          return;
        }
        writeDataHeader(packet, next);
        this.#window.push(packet);
        if (packet.length - HEADER_SIZE < blksize) this.#lastBlock = next;
      } else {
        this.#retransmissions += 1;
      }
      this.#sent = next;
      this.config.send(packet);
    }
  }

  #onTimeout(): void {
    if (this.#state === 'closed') return;
    if (this.#retriesLeft <= 0) {
      this.config.send(encodeError(TFTP_ERROR.notDefined, 'Transfer timed out'));
      this.#end({ status: 408, reason: 'timed out' });
      return;
    }
    this.#retriesLeft -= 1;
    this.#timer?.refresh();
    if (this.#state === 'negotiating') {
      this.#retransmissions += 1;
      this.config.send(this.config.oack as Buffer);
      return;
    }
    this.#rewound = this.#sent;
    this.#sent = this.#acked;
    this.#pump();
  }

  #end(outcome: Omit<TransferOutcome, 'bytes'>, finalBlockDelivered = false): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.#timer?.cancel();
    this.config.source.close();
    if (finalBlockDelivered) {
      for (const packet of this.#window) this.#bytes += packet.length - HEADER_SIZE;
    }
    this.#window = [];
    this.config.finish({ retransmissions: this.#retransmissions, ...outcome, bytes: this.#bytes });
  }
}
