import type { Readable } from 'node:stream';

import type { Transport } from '../drivers/driver.ts';

/** A device-facing request as a transport adapter hands it to the pipeline. */
export interface ProvisioningRequest {
  transport: Transport;
  /** The path as received: percent-encoded for HTTP, as sent for TFTP and FTP. */
  rawPath: string;
  /** Query string without `?`; empty for TFTP and FTP. */
  query?: string;
  userAgent?: string;
  /** The phone's address (no port). */
  remoteAddress: string;
  /** `scheme://host[:port]` the phone used to reach us; URLs in rendered files start here. */
  origin: string;
}

/** How a transfer ended, as the transport saw it. Status uses HTTP codes for every door. */
export interface TransferOutcome {
  /** 200 delivered, 304 not modified, 404 not found, 408 timed out, 499 aborted by the phone. */
  status: number;
  bytes: number;
  retransmissions?: number;
  reason?: string;
}

/**
 * The pipeline's answer. Unknown phones, refused requests and missing files all come back
 * as the same 404, so no door can tell them apart (no MAC enumeration oracle).
 */
export interface Answer {
  status: 200 | 404;
  contentType: string;
  size: number;
  /** Strong validator of the bytes, quoted as HTTP wants it. */
  etag?: string;
  /** Rendered files are small and come whole. */
  body?: Buffer;
  /** Overlay files (firmware, images) are streamed from the store. */
  open?(range?: { start: number; end: number }): Readable;
  /** Records this request's one provisioning event. Call exactly once when the transfer ends. */
  done(outcome: TransferOutcome): void;
}

export interface Provisioner {
  answer(request: ProvisioningRequest): Promise<Answer>;
}
