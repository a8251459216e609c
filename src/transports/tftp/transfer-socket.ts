// One read transfer wired to its own socket (its TID): the client's datagrams go to the
// transfer, a stranger's are answered with error 5, and a transfer that goes on too long is
// aborted so that its slot comes back whatever the client does.

import type dgram from 'node:dgram';

import type { TransferOutcome } from '../../provisioning/request.ts';
import type { OpenedContent } from './content.ts';
import { oackEntries } from './options.ts';
import type { Negotiated } from './options.ts';
import {
  OPCODE,
  TFTP_ERROR,
  ackBlockOf,
  decodePacket,
  encodeError,
  encodeOack,
  opcodeOf,
} from './packet.ts';
import type { TftpSettings } from './settings.ts';
import { ReadTransfer } from './transfer.ts';

export interface TransferSocketOptions {
  /** Bound, and used by this transfer alone until it ends. */
  socket: dgram.Socket;
  remote: dgram.RemoteInfo;
  content: OpenedContent;
  negotiated: Negotiated;
  settings: Pick<TftpSettings, 'timeoutMs' | 'retries' | 'maxHoldMs'>;
  /** A datagram went out: the ACK poller keeps the loop awake for the answer. */
  sent(): void;
  finish(outcome: TransferOutcome): void;
  /** The transfer ended: its socket is the door's again, reusable unless it saw an error. */
  release(socket: dgram.Socket, reusable: boolean): void;
  /** The transfer reached `maxHoldMs` and is being aborted. */
  heldTooLong(): void;
  /** A datagram came from another TID. */
  stranger(): void;
  error(message: string): void;
}

/** The transfer, ready on its socket; nothing is sent until its `start()`. */
export function openTransfer(options: TransferSocketOptions): ReadTransfer {
  const { socket, remote, content, negotiated, settings } = options;
  const hold: { timer?: NodeJS.Timeout } = {};
  let healthy = true;
  const entries = oackEntries(negotiated, content.size);
  const transfer = new ReadTransfer({
    source: content.source,
    blksize: negotiated.blksize,
    windowsize: negotiated.windowsize,
    timeoutMs: negotiated.timeoutMs ?? settings.timeoutMs,
    oackTimeoutMs: settings.timeoutMs,
    retries: settings.retries,
    oack: entries.length > 0 ? encodeOack(entries) : undefined,
    send: (datagram: Buffer): void => {
      socket.send(datagram, remote.port, remote.address);
      options.sent();
    },
    finish: (outcome: TransferOutcome): void => {
      clearTimeout(hold.timer);
      options.release(socket, healthy);
      options.finish(outcome);
    },
  });
  // However it progresses, a transfer gives its slot back in the end.
  hold.timer = setTimeout(() => {
    options.heldTooLong();
    transfer.abort(408, 'held too long', 'Transfer took too long');
  }, settings.maxHoldMs);
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
      options.stranger();
      if (opcodeOf(datagram) !== OPCODE.error) {
        socket.send(
          encodeError(TFTP_ERROR.unknownTid, 'Unknown transfer ID'),
          from.port,
          from.address,
        );
      }
    } catch (error) {
      options.error(`transfer handler: ${String(error)}`);
      transfer.abort(500, 'internal error', 'Server error');
    }
  });
  socket.on('error', (error: Error) => {
    healthy = false;
    options.error(`transfer socket: ${error.message}`);
    transfer.abort(500, 'socket error', 'Server error');
  });
  return transfer;
}
