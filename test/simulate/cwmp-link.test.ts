import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';

import { AcsLink } from '../../src/simulate/cwmp-link.ts';

interface Seen {
  port: number;
  method: string;
  cookie: string | undefined;
  contentType: string | undefined;
  soapAction: string | undefined;
  body: string;
}

/** An ACS stand-in that notes what each POST carried and sets a session cookie on the first. */
function stubAcs(): { server: Server; seen: Seen[] } {
  const seen: Seen[] = [];
  const server = createServer((request: IncomingMessage, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      if (body === 'hang') return;
      seen.push({
        port: request.socket.remotePort ?? 0,
        method: request.method ?? '',
        cookie: request.headers.cookie,
        contentType: request.headers['content-type'],
        soapAction: request.headers.soapaction as string | undefined,
        body,
      });
      if (seen.length === 1) response.setHeader('Set-Cookie', 'session=s1; Path=/; HttpOnly');
      response.statusCode = body === '' ? 204 : 200;
      response.end(body === '' ? undefined : body);
    });
  });
  return { server, seen };
}

describe('the CPE link to its ACS', () => {
  const { server, seen } = stubAcs();
  let acsUrl = '';
  before(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    acsUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/acs`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('posts every message on one connection and sends the session cookie back', async () => {
    seen.length = 0;
    const link = new AcsLink({ acsUrl });
    const exchanges: string[] = [];
    const inform = '<soap:Envelope>inform</soap:Envelope>';
    assert.equal((await link.post(inform, exchanges, 'Inform')).status, 200);
    assert.equal((await link.post('', exchanges, 'empty')).status, 204);
    link.close();
    assert.equal(seen.length, 2);
    assert.deepEqual(
      seen.map((s) => [s.method, s.body, s.contentType, s.soapAction, s.cookie]),
      [
        ['POST', inform, 'text/xml; charset="utf-8"', '', undefined],
        // An empty POST (the CPE has nothing more to say) carries no SOAP headers.
        ['POST', '', undefined, undefined, 'session=s1'],
      ],
    );
    assert.equal(seen[0]!.port, seen[1]!.port, 'the same TCP connection');
    assert.deepEqual(exchanges, ['Inform → 200', 'empty → 204']);
  });

  it('can keep the session on the cookie alone, or on the connection alone', async () => {
    seen.length = 0;
    const cookieOnly = new AcsLink({ acsUrl, closeBetweenRequests: true });
    await cookieOnly.post('a', [], 'a');
    await cookieOnly.post('b', [], 'b');
    cookieOnly.close();
    assert.notEqual(seen[0]!.port, seen[1]!.port, 'a connection per request');
    assert.equal(seen[1]!.cookie, 'session=s1');

    seen.length = 0;
    const connectionOnly = new AcsLink({ acsUrl, ignoreCookies: true });
    await connectionOnly.post('a', [], 'a');
    await connectionOnly.post('b', [], 'b');
    connectionOnly.close();
    assert.equal(seen[0]!.port, seen[1]!.port);
    assert.equal(seen[1]!.cookie, undefined);
  });

  it('says so when the ACS does not answer in time', async () => {
    const link = new AcsLink({ acsUrl, timeoutMs: 200 });
    await assert.rejects(link.post('hang', [], 'hang'), /the ACS did not answer in time/);
    link.close();
  });
});
