// The CPE's side of a connection request (TR-069 §3.2.2): an HTTP listener that lets the
// ACS, and only with the credentials it set, ask the CPE to open a session now.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { NonceKeeper, parseAuthorization, verifyDigest } from '../crypto/http-auth.ts';

/**
 * The CPE's connection request listener: a GET with valid digest credentials (the ones the
 * ACS set with SetParameterValues, read from `credentials()`) is answered 200 and calls `onRequest`.
 */
export async function listenForConnectionRequests(options: {
  host: string;
  credentials: () => { username: string; password: string } | undefined;
  onRequest: () => void;
}): Promise<{ url: string; requests: number; close(): Promise<void> }> {
  const nonces = new NonceKeeper();
  const realm = 'cpe';
  const state = { requests: 0 };
  const server: Server = createServer((request, response) => {
    request.resume();
    const expected = options.credentials();
    const presented = parseAuthorization(request.headers.authorization);
    const valid =
      expected &&
      presented?.scheme === 'digest' &&
      nonces.check(presented.nonce, new Date()) === 'fresh' &&
      verifyDigest(presented, expected, {
        method: request.method ?? 'GET',
        target: request.url ?? '/',
        realm,
        algorithms: ['MD5'],
      });
    if (!valid) {
      response.writeHead(401, {
        'www-authenticate': `Digest realm="${realm}", qop="auth", algorithm=MD5, nonce="${nonces.mint(new Date())}"`,
        'content-length': 0,
      });
      response.end();
      return;
    }
    state.requests++;
    response.writeHead(200, { 'content-length': 0 });
    response.end();
    options.onRequest();
  });
  await new Promise<void>((resolve) => server.listen(0, options.host, resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${options.host}:${port}/cr`,
    get requests() {
      return state.requests;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
