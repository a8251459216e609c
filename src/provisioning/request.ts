import type { Readable } from 'node:stream';

import type { AuthChallenge, PresentedCredentials } from '../crypto/http-auth.ts';
import type { Transport } from '../model/event.ts';

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
  /** The method (HTTP GET, HEAD or PUT): Digest answers are computed over it. */
  method?: string;
  /** What the client presented: an Authorization header as the door read it, or an FTP login. */
  credentials?: PresentedCredentials;
  /** The TLS client certificate, when the door asked for one and the client sent it. */
  clientCertificate?: ClientCertificate;
  /** `X-Forwarded-For` as received; the access stage honours it from trusted proxies only. */
  forwardedFor?: string;
}

/** A client certificate as the TLS door saw it; the access stage finds the MAC in it. */
export interface ClientCertificate {
  /** The chain ends at one of the configured CA bundles (`--client-ca`). */
  verified: boolean;
  /** Subject common name. */
  commonName?: string;
  /** Subject alternative names as `DNS:…`, `URI:…`, `email:…`, `IP Address:…` entries. */
  altNames: string[];
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
  /** 401: the access policy wants credentials (HTTP answers with `challenge`); doors without
   * authentication treat it as 404. */
  status: 200 | 401 | 404;
  challenge?: AuthChallenge;
  contentType: string;
  size: number;
  /** Strong validator of the bytes, quoted as HTTP wants it. */
  etag?: string;
  /**
   * Rendered files are small and come whole; so do small stored files (with `open` too: a
   * stored file answers byte ranges, a rendered one does not).
   */
  body?: Buffer;
  /** Overlay files (firmware, images) are streamed from the store. */
  open?(range?: { start: number; end: number }): Readable;
  /** Records this request's one provisioning event. Call exactly once when the transfer ends. */
  done(outcome: TransferOutcome): void;
}

/** An FTP login, judged when the client sends PASS. */
export interface LoginAttempt {
  transport: Transport;
  remoteAddress: string;
  username: string;
  password: string;
}

/** The bytes of a file a phone sends (HTTP PUT), and the length it declared, if any. */
export interface UploadBody {
  stream: Readable;
  declaredLength?: number;
}

/**
 * The answer to an upload, once the pipeline has read what it takes of the body: 204 taken
 * (kept or dropped), 405 a file no phone writes, 413 larger than the limit, 500 the store
 * failed; 401 and 404 as for any refused request.
 */
export interface UploadAnswer {
  status: 204 | 401 | 404 | 405 | 413 | 500;
  challenge?: AuthChallenge;
  /** The body was not read to its end: the door must not keep the connection. */
  bodyLeft: boolean;
}

export interface Provisioner {
  answer(request: ProvisioningRequest): Promise<Answer>;
  /** A file the phone sends; records one event. */
  upload?(request: ProvisioningRequest, body: UploadBody): Promise<UploadAnswer>;
  /** Whether a login (not anonymous) names valid credentials; refusals count as misses. */
  login?(attempt: LoginAttempt): Promise<boolean>;
  /**
   * The file names a client may list in a directory (FTP LIST/NLST): a device's own files
   * to that device, nothing to anyone else. Records one event.
   */
  listing?(request: ProvisioningRequest): Promise<string[]>;
}
