// The phone emulation's HTTP(S) client: a GET with the phone's User-Agent that answers a
// 401 with Digest (the first algorithm offered that it knows, as phones and curl do), or
// Basic over TLS only, and takes the CA and client certificate a phone would hold.

import { randomBytes } from 'node:crypto';
import { request as httpRequest, type Agent as HttpAgent, type IncomingMessage } from 'node:http';
import { request as httpsRequest, type Agent as HttpsAgent } from 'node:https';

import { digestAuthorization, parseDigestChallenge } from '../crypto/digest.ts';

/** What the phone holds for TLS: the CA it trusts, its own certificate and key (PEM). */
export interface PhoneTls {
  ca?: string | Buffer;
  cert?: string | Buffer;
  key?: string | Buffer;
}

export interface HttpGetOptions {
  userAgent?: string;
  credentials?: { username: string; password: string };
  tls?: PhoneTls;
  timeoutMs?: number;
  /** Sends these bytes with PUT instead of a GET (a phone uploading a log or an override). */
  upload?: Buffer;
  /** The phone's own source address (each emulated phone of a storm has one in 127.0.0.0/8). */
  localAddress?: string;
  /** The connections the phone keeps alive between its requests (else node's global agents). */
  agents?: PhoneAgents;
}

/** One phone's keep-alive connections, per scheme: destroying them is the phone closing them. */
export interface PhoneAgents {
  http: HttpAgent;
  https: HttpsAgent;
}

/** Files a phone fetches are small; anything beyond this is cut off as a failure. */
const MAX_BODY = 256 * 1024 * 1024;

export async function httpGet(
  url: string,
  options: HttpGetOptions = {},
): Promise<{ status: number; body: Buffer }> {
  const target = new URL(url);
  const credentials =
    options.credentials ??
    (target.username
      ? {
          username: decodeURIComponent(target.username),
          password: decodeURIComponent(target.password),
        }
      : undefined);
  target.username = '';
  target.password = '';
  const first = await once(target, options, undefined);
  if (first.status !== 401 || !credentials) return first;
  const authorization = answer(first.challenges, credentials, target, options.upload !== undefined);
  if (!authorization) return first;
  return once(target, options, authorization);
}

function answer(
  challenges: string[],
  credentials: { username: string; password: string },
  target: URL,
  put: boolean,
): string | undefined {
  for (const text of challenges) {
    const digest = parseDigestChallenge(text);
    if (digest && (digest.algorithm === 'SHA-256' || digest.algorithm === 'MD5')) {
      return digestAuthorization(digest, credentials, {
        method: put ? 'PUT' : 'GET',
        uri: `${target.pathname}${target.search}`,
        cnonce: randomBytes(12).toString('hex'),
        nc: 1,
      });
    }
    if (/^\s*Basic\b/i.test(text) && target.protocol === 'https:') {
      return `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
    }
  }
  return undefined;
}

function once(
  target: URL,
  options: HttpGetOptions,
  authorization: string | undefined,
): Promise<{ status: number; body: Buffer; challenges: string[] }> {
  const headers: Record<string, string> = {};
  if (options.userAgent) headers['user-agent'] = options.userAgent;
  if (options.upload) headers['content-length'] = String(options.upload.length);
  const method = options.upload ? 'PUT' : 'GET';
  if (authorization) headers['authorization'] = authorization;
  const tls = options.tls ?? {};
  const secure = target.protocol === 'https:';
  const from = {
    ...(options.localAddress ? { localAddress: options.localAddress } : {}),
    ...(options.agents ? { agent: secure ? options.agents.https : options.agents.http } : {}),
  };
  return new Promise((resolve, reject) => {
    const onResponse = (response: IncomingMessage): void => {
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_BODY) response.destroy(new Error('response too large'));
        else chunks.push(chunk);
      });
      response.on('error', reject);
      response.on('end', () => {
        resolve({
          status: response.statusCode ?? 0,
          body: Buffer.concat(chunks),
          challenges: challengesOf(response.headers['www-authenticate']),
        });
      });
    };
    const request = secure
      ? httpsRequest(
          target,
          {
            method,
            headers,
            ...from,
            ...(tls.ca ? { ca: tls.ca } : {}),
            ...(tls.cert ? { cert: tls.cert } : {}),
            ...(tls.key ? { key: tls.key } : {}),
            minVersion: 'TLSv1.2',
          },
          onResponse,
        )
      : httpRequest(target, { method, headers, ...from }, onResponse);
    request.setTimeout(options.timeoutMs ?? 30_000, () => request.destroy(new Error('timed out')));
    request.on('error', reject);
    request.end(options.upload);
  });
}

/** The challenges of a WWW-Authenticate value: node joins repeated headers with ", ", and each challenge starts with its scheme. */
export function challengesOf(header: string | undefined): string[] {
  return header ? header.split(/,\s*(?=(?:Digest|Basic)\s)/i) : [];
}
