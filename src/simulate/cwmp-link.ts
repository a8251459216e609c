// The CPE's HTTP link to its ACS: one POST per CWMP message on a single connection, the
// session cookie sent back, and digest credentials presented once challenged.

import { randomBytes } from 'node:crypto';
import { Agent, request as httpRequest, type IncomingMessage } from 'node:http';

import { digestAuthorization, parseDigestChallenge } from '../crypto/digest.ts';
import { parseEnvelope, type Envelope } from '../tr069/soap.ts';

export interface AcsLinkOptions {
  acsUrl: string;
  /** What the CPE presents to the ACS when challenged. */
  credentials?: { username: string; password: string };
  /** Send no cookies back: the session lives on the TCP connection only. */
  ignoreCookies?: boolean;
  /** A new TCP connection for every request: the session lives on the cookie only. */
  closeBetweenRequests?: boolean;
  timeoutMs?: number;
  /** Where the CPE sends from: each phone of a site has its own address. */
  localAddress?: string;
}

export class AcsLink {
  readonly #options: AcsLinkOptions;
  readonly #agent: Agent;
  #cookie: string | undefined;
  #authorization: { username: string; password: string } | undefined;

  constructor(options: AcsLinkOptions) {
    this.#options = options;
    this.#agent = new Agent({ keepAlive: !options.closeBetweenRequests, maxSockets: 1 });
  }

  close(): void {
    this.#agent.destroy();
  }

  /** A new session starts without the last one's cookie. */
  forgetCookie(): void {
    this.#cookie = undefined;
  }

  /** One POST; a 401 is answered once with digest, and the CPE answers every later one too. */
  async post(
    body: string,
    exchanges: string[],
    what: string,
  ): Promise<{ status: number; envelope?: Envelope }> {
    let answer = await this.#send(body, this.#authorization ? this.#auth(undefined) : undefined);
    if (answer.status === 401 && this.#options.credentials) {
      const challenge = answer.challenges.map(parseDigestChallenge).find((c) => c !== undefined);
      if (challenge) {
        this.#authorization = this.#options.credentials;
        answer = await this.#send(body, this.#auth(challenge));
      }
    }
    let envelope: Envelope | undefined;
    if (answer.body.length > 0) {
      const parsed = parseEnvelope(answer.body.toString('utf8'));
      if (parsed.ok) envelope = parsed.value;
    }
    exchanges.push(`${what} → ${answer.status}${envelope?.method ? ` ${envelope.method}` : ''}`);
    return { status: answer.status, ...(envelope ? { envelope } : {}) };
  }

  #challenge: ReturnType<typeof parseDigestChallenge>;
  #nc = 0;

  #auth(challenge: ReturnType<typeof parseDigestChallenge>): string | undefined {
    if (challenge) {
      this.#challenge = challenge;
      this.#nc = 0;
    }
    if (!this.#challenge || !this.#authorization) return undefined;
    return digestAuthorization(this.#challenge, this.#authorization, {
      method: 'POST',
      uri: new URL(this.#options.acsUrl).pathname,
      cnonce: randomBytes(8).toString('hex'),
      nc: ++this.#nc,
    });
  }

  #send(
    body: string,
    authorization: string | undefined,
  ): Promise<{ status: number; body: Buffer; challenges: string[] }> {
    return new Promise((resolve, reject) => {
      const payload = Buffer.from(body);
      const request = httpRequest(
        this.#options.acsUrl,
        {
          method: 'POST',
          agent: this.#agent,
          timeout: this.#options.timeoutMs ?? 10_000,
          ...(this.#options.localAddress ? { localAddress: this.#options.localAddress } : {}),
          headers: {
            'content-length': payload.length,
            ...(payload.length > 0
              ? { 'content-type': 'text/xml; charset="utf-8"', soapaction: '' }
              : {}),
            ...(this.#cookie && !this.#options.ignoreCookies ? { cookie: this.#cookie } : {}),
            ...(authorization ? { authorization } : {}),
            ...(this.#options.closeBetweenRequests ? { connection: 'close' } : {}),
          },
        },
        (response: IncomingMessage) => {
          const setCookie = response.headers['set-cookie']?.[0];
          if (setCookie) this.#cookie = setCookie.split(';')[0];
          const chunks: Buffer[] = [];
          let size = 0;
          response.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size <= 1024 * 1024) chunks.push(chunk);
          });
          response.on('end', () =>
            resolve({
              status: response.statusCode ?? 0,
              body: Buffer.concat(chunks),
              challenges: response.headersDistinct['www-authenticate'] ?? [],
            }),
          );
          response.on('error', reject);
        },
      );
      request.on('timeout', () => request.destroy(new Error('the ACS did not answer in time')));
      request.on('error', reject);
      request.end(payload);
    });
  }
}
