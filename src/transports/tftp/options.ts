// Option negotiation for read requests (RFC 2347, 2348, 2349, 7440), as a pure function.
//
// Values that are not decimal integers are ignored, as if the option had not been sent:
// phones in the field send things like an empty `timeout` and must still be served.
// Integers outside what the RFCs allow on the low side (blksize < 8, windowsize 0,
// timeout 0 or > 255) are refused with error 8; too-large blksize and windowsize are
// lowered to our maxima, which the RFCs allow the server to do.

import { DEFAULT_BLKSIZE, MAX_BLKSIZE, MIN_BLKSIZE } from './packet.ts';
import type { TftpOptions } from './packet.ts';

export const MAX_WINDOWSIZE = 65535;
/** Bytes of one window, kept until acknowledged: windowsize × blksize is lowered to fit. */
export const MAX_WINDOW_BYTES = 1024 * 1024;

export interface NegotiationLimits {
  maxBlksize: number;
  maxWindowsize: number;
  /**
   * The largest `timeout` honoured, in ms. A larger one (the RFC allows 255 s) is left out of
   * the OACK and the server's own timeout applies: a client that asks for 255 s and goes
   * silent would otherwise hold its transfer for retries × 255 s.
   */
  maxTimeoutMs?: number;
}

export interface Negotiated {
  blksize: number;
  windowsize: number;
  /** The client's `timeout` in milliseconds, when it asked for one we accept. */
  timeoutMs: number | undefined;
  /** Accepted options in the client's order; `tsize` is filled in when the OACK is built. */
  accepted: ReadonlyArray<readonly [string, string]>;
}

export type Negotiation = { ok: true; value: Negotiated } | { ok: false; option: string };

export function negotiateRead(options: TftpOptions, limits: NegotiationLimits): Negotiation {
  let blksize = DEFAULT_BLKSIZE;
  let windowsize = 1;
  let timeout: number | undefined;
  const names: string[] = [];
  for (const [name, raw] of options) {
    const value = decimal(raw);
    if (value === undefined) continue;
    switch (name) {
      case 'blksize':
        if (value < MIN_BLKSIZE) return { ok: false, option: name };
        blksize = Math.min(value, MAX_BLKSIZE, limits.maxBlksize);
        break;
      case 'windowsize':
        if (value < 1) return { ok: false, option: name };
        windowsize = Math.min(value, MAX_WINDOWSIZE, limits.maxWindowsize);
        break;
      case 'timeout':
        if (value < 1 || value > 255) return { ok: false, option: name };
        if (value * 1000 > (limits.maxTimeoutMs ?? 255_000)) continue;
        timeout = value;
        break;
      case 'tsize':
        break;
      default:
        // RFC 2347: options the server does not support are left out of the OACK.
        continue;
    }
    names.push(name);
  }
  // What a transfer keeps for retransmission stays bounded whatever the block size.
  windowsize = Math.max(1, Math.min(windowsize, Math.floor(MAX_WINDOW_BYTES / blksize)));
  const values: Record<string, string> = {
    blksize: String(blksize),
    windowsize: String(windowsize),
    timeout: String(timeout),
    tsize: '',
  };
  const accepted = names.map((name) => [name, values[name] as string] as const);
  const timeoutMs = timeout === undefined ? undefined : timeout * 1000;
  return { ok: true, value: { blksize, windowsize, timeoutMs, accepted } };
}

/** OACK entries for a negotiation; tsize is left out when the size is not known. */
export function oackEntries(
  negotiated: Negotiated,
  tsize: number | undefined,
): Array<readonly [string, string]> {
  const entries: Array<readonly [string, string]> = [];
  for (const [name, value] of negotiated.accepted) {
    if (name !== 'tsize') entries.push([name, value]);
    else if (tsize !== undefined) entries.push([name, String(tsize)]);
  }
  return entries;
}

function decimal(raw: string): number | undefined {
  return /^[0-9]{1,10}$/.test(raw) ? Number(raw) : undefined;
}
