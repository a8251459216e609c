// What the TFTP door tells its operator: one event per transfer, refusal or oddity, and the
// counters behind its stats.

import type dgram from 'node:dgram';

import type { TransferOutcome } from '../../provisioning/request.ts';
import { plainAddress } from './sockets.ts';

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

export type TftpCounters = Omit<TftpDoorStats, 'active'>;

const MAX_LOGGED_NAME = 256;

export function zeroCounters(): TftpCounters {
  return {
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
}

/** Counts a transfer's outcome in the door's counters. */
export function countOutcome(counters: TftpCounters, outcome: TransferOutcome): void {
  if (outcome.status === 200) counters.delivered += 1;
  else if (outcome.status === 404) counters.notFound += 1;
  else counters.failed += 1;
  counters.bytes += outcome.bytes;
  counters.retransmissions += outcome.retransmissions ?? 0;
}

export function transferEvent(
  remote: dgram.RemoteInfo,
  filename: string,
  outcome: TransferOutcome,
  durationMs: number,
): TftpDoorEvent {
  return {
    type: 'transfer',
    ...peer(remote),
    file: filename.slice(0, MAX_LOGGED_NAME),
    status: outcome.status,
    bytes: outcome.bytes,
    retransmissions: outcome.retransmissions ?? 0,
    ...(outcome.reason !== undefined ? { reason: outcome.reason } : {}),
    durationMs: Math.round(durationMs),
  };
}

export function peer(remote: dgram.RemoteInfo): { remoteAddress: string; remotePort: number } {
  return { remoteAddress: plainAddress(remote.address), remotePort: remote.port };
}
