import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';

import { adminToken, ensureDataDir, readToken, runningServer } from '../config/data-dir.ts';
import { PlugndialError, pndError, type ErrorCode, ERRORS } from '../errors.ts';

/** Management commands speak the admin API, to the running server or to an in-process one. */
export interface ApiClient {
  readonly mode: 'server' | 'local';
  request<T>(method: string, path: string, body?: unknown, contentType?: string): Promise<T>;
  /** A GET whose answer is streamed, not held: a backup may be larger than memory. */
  download(path: string): Promise<Readable>;
  close(): Promise<void>;
}

export interface ConnectOptions {
  dataDir: string;
  databaseUrl?: string;
}

export async function connect(options: ConnectOptions): Promise<ApiClient> {
  const server = runningServer(options.dataDir);
  const token = readToken(options.dataDir);
  if (server && token) return remoteClient(server.api, token);
  return localClient(options);
}

function remoteClient(base: string, token: string): ApiClient {
  return {
    mode: 'server',
    download: (path) => fetchStream(base, token, path),
    async request<T>(
      method: string,
      path: string,
      body?: unknown,
      contentType?: string,
    ): Promise<T> {
      let response: Response;
      const isStream = body !== undefined && typeof (body as Readable).pipe === 'function';
      try {
        response = await fetch(`${base}${path}`, {
          method,
          headers: {
            authorization: `Bearer ${token}`,
            ...(body !== undefined ? { 'content-type': contentType ?? 'application/json' } : {}),
          },
          ...(body !== undefined
            ? isStream
              ? { body: body as unknown as ReadableStream, duplex: 'half' }
              : { body: contentType ? String(body) : JSON.stringify(body) }
            : {}),
        } as RequestInit);
      } catch (error) {
        throw pndError(
          'PND_SERVER_UNREACHABLE',
          `the server at ${base} does not answer (${(error as Error).message}); is it still running?`,
        );
      }
      let text: string;
      try {
        text = await response.text();
      } catch (error) {
        throw pndError(
          'PND_SERVER_UNREACHABLE',
          `the server at ${base} stopped in the middle of its answer (${(error as Error).message}); whether the change was made is unknown: check with the show or list command once it runs again`,
        );
      }
      return decode<T>(response.status, text);
    },
    async close(): Promise<void> {},
  };
}

/**
 * The admin API in this process, on the data directory's store. Loaded only here: a command
 * talking to a running server needs none of the server's code, and starts in a fraction.
 */
async function localClient(options: ConnectOptions): Promise<ApiClient> {
  ensureDataDir(options.dataDir);
  const [{ default: Fastify }, { adminApi }, { openRuntime }] = await Promise.all([
    import('fastify'),
    import('../api/admin-api.ts'),
    import('../runtime.ts'),
  ]);
  const runtime = await openRuntime(options);
  const token = adminToken(options.dataDir).token;
  const app = Fastify({ logger: false, bodyLimit: 64 * 1024 * 1024 });
  await app.register(adminApi, {
    prefix: '/api/v1',
    store: runtime.store,
    pipeline: runtime.pipeline,
    recorder: runtime.recorder,
    token,
    now: runtime.now,
  });
  await app.ready();
  // Streams need a socket: the in-process API listens on loopback the first time one is asked.
  let listening: Promise<string> | undefined;
  return {
    mode: 'local',
    async download(path: string): Promise<Readable> {
      listening ??= app.listen({ host: '127.0.0.1', port: 0 });
      return fetchStream(`${await listening}/api/v1`, token, path);
    },
    async request<T>(
      method: string,
      path: string,
      body?: unknown,
      contentType?: string,
    ): Promise<T> {
      const isStream = body !== undefined && typeof (body as Readable).pipe === 'function';
      const response = await app.inject({
        method: method as 'GET',
        url: `/api/v1${path}`,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body !== undefined ? { 'content-type': contentType ?? 'application/json' } : {}),
        },
        ...(body !== undefined
          ? { payload: isStream || contentType ? (body as string) : JSON.stringify(body) }
          : {}),
      });
      return decode<T>(response.statusCode, response.body);
    },
    async close(): Promise<void> {
      await app.close();
      await runtime.close();
    },
  };
}

/** `base` ends in /api/v1. */
async function fetchStream(base: string, token: string, path: string): Promise<Readable> {
  let response: Response;
  try {
    response = await fetch(`${base}${path}`, {
      headers: { authorization: `Bearer ${token}` },
    });
  } catch (error) {
    throw pndError(
      'PND_SERVER_UNREACHABLE',
      `the server at ${base} does not answer (${(error as Error).message}); is it still running?`,
    );
  }
  if (response.status < 200 || response.status >= 300 || !response.body) {
    decode(response.status, await response.text());
    throw pndError('PND_INTERNAL', `the server answered ${response.status} without a body`);
  }
  return Readable.fromWeb(response.body as WebReadableStream);
}

function decode<T>(status: number, text: string): T {
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  if (status >= 200 && status < 300) return body as T;
  const error = body as
    { code?: string; message?: string; details?: Record<string, unknown> } | undefined;
  const code = (error?.code && error.code in ERRORS ? error.code : 'PND_INTERNAL') as ErrorCode;
  throw new PlugndialError(code, error?.message ?? `the server answered ${status}`, error?.details);
}
