import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';

import { parseAuthorization } from '../../crypto/http-auth.ts';
import type { ClientCertificate, ProvisioningRequest } from '../../provisioning/request.ts';

/** The parts of a phone's HTTP request the pipeline needs, however the door read them. */
export interface PhoneRequestHead {
  method: 'GET' | 'HEAD' | 'PUT';
  /** The request target: path and query, as sent. */
  target: string;
  host?: string | undefined;
  userAgent?: string | undefined;
  authorization?: string | undefined;
  forwardedFor?: string | undefined;
}

export function provisioningRequest(
  head: PhoneRequestHead,
  scheme: 'http' | 'https',
  socket: Socket,
): ProvisioningRequest {
  const { target, userAgent, forwardedFor } = head;
  const q = target.indexOf('?');
  const credentials = parseAuthorization(head.authorization);
  const request: ProvisioningRequest = {
    transport: scheme,
    rawPath: q < 0 ? target : target.slice(0, q),
    query: q < 0 ? '' : target.slice(q + 1),
    remoteAddress: plainAddress(socket.remoteAddress),
    origin: `${scheme}://${hostOf(head.host, socket)}`,
    method: head.method,
  };
  // Field by field rather than conditional spreads: this runs once per phone request.
  if (userAgent) request.userAgent = userAgent;
  if (credentials) request.credentials = credentials;
  if (forwardedFor) request.forwardedFor = forwardedFor.slice(0, 1024);
  if (scheme === 'https') {
    const certificate = clientCertificate(socket as TLSSocket);
    if (certificate) request.clientCertificate = certificate;
  }
  return request;
}

/** The facts of the client's certificate, if it sent one. */
function clientCertificate(socket: TLSSocket): ClientCertificate | undefined {
  if (typeof socket.getPeerCertificate !== 'function') return undefined;
  const peer = socket.getPeerCertificate(false);
  if (!peer || Object.keys(peer).length === 0) return undefined;
  const cn = peer.subject?.CN as string | string[] | undefined;
  return {
    verified: socket.authorized,
    ...(cn ? { commonName: Array.isArray(cn) ? cn[0]! : cn } : {}),
    altNames: (peer.subjectaltname ?? '').split(', ').filter(Boolean).slice(0, 32),
  };
}

const PLAIN_HOST = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?$/;

/**
 * The Host the phone used, which rendered files point back to. Anything that is not a
 * plain host[:port] is replaced by our own address, so a forged header cannot inject text.
 */
function hostOf(host: string | undefined, socket: Socket): string {
  if (host && host.length <= 260 && PLAIN_HOST.test(host)) return host;
  const address = plainAddress(socket.localAddress ?? '127.0.0.1');
  const port = socket.localPort;
  return `${address.includes(':') ? `[${address}]` : address}${port ? `:${port}` : ''}`;
}

function plainAddress(address: string | undefined): string {
  if (!address) return 'unknown';
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}
