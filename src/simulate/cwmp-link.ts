// The CPE's HTTP link to its ACS: one POST per CWMP message on a single connection, the
// session cookie sent back, and digest credentials presented once challenged. It speaks
// through the phones' own small client (http-client.ts), as their file fetches do.

import { randomBytes } from 'node:crypto';

import { digestAuthorization, parseDigestChallenge } from '../crypto/digest.ts';
import { parseEnvelope, type Envelope } from '../tr069/soap.ts';
import { AnswerTimeout, httpPost, KeptConnections, type PhoneTls } from './http-client.ts';

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
  /** An https: ACS: the CA the CPE trusts, its own certificate and key. */
  tls?: PhoneTls;
}

export class AcsLink {
  readonly #options: AcsLinkOptions;
  /** The session's one connection; none kept when every request has a connection of its own. */
  readonly #connections: KeptConnections | undefined;
  #cookie: string | undefined;
  #authorization: { username: string; password: string } | undefined;

  constructor(options: AcsLinkOptions) {
    this.#options = options;
    this.#connections = options.closeBetweenRequests ? undefined : new KeptConnections();
  }

  close(): void {
    this.#connections?.close();
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

  async #send(
    body: string,
    authorization: string | undefined,
  ): Promise<{ status: number; body: Buffer; challenges: string[] }> {
    const payload = Buffer.from(body);
    const headers: [string, string][] = [];
    if (payload.length > 0)
      headers.push(['Content-Type', 'text/xml; charset="utf-8"'], ['SOAPAction', '']);
    if (this.#cookie && !this.#options.ignoreCookies) headers.push(['Cookie', this.#cookie]);
    if (authorization) headers.push(['Authorization', authorization]);
    try {
      const answer = await httpPost(this.#options.acsUrl, payload, {
        headers,
        timeoutMs: this.#options.timeoutMs ?? 10_000,
        ...(this.#options.localAddress ? { localAddress: this.#options.localAddress } : {}),
        ...(this.#connections ? { connections: this.#connections } : {}),
        ...(this.#options.tls ? { tls: this.#options.tls } : {}),
      });
      const setCookie = answer.cookies[0];
      if (setCookie) this.#cookie = setCookie.split(';')[0];
      return answer;
    } catch (error) {
      if (error instanceof AnswerTimeout) throw new Error('the ACS did not answer in time');
      throw error;
    }
  }
}
