// What an operator may set on the TFTP door, and the ranges each setting must fall in.

import { pndError } from '../../errors.ts';
import type { Provisioner } from '../../provisioning/request.ts';
import type { OnLimit } from '../../provisioning/limit-recorder.ts';
import type { TftpDoorEvent } from './report.ts';
import { MAX_BLKSIZE, MIN_BLKSIZE } from './packet.ts';

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

/** The door's settings with every default filled in and every range checked. */
export interface TftpSettings {
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

export function checkSettings(options: TftpDoorOptions): TftpSettings {
  const settings: TftpSettings = {
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
  const ranges: Record<keyof TftpSettings, [number, number]> = {
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
    [keyof TftpSettings, [number, number]]
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
