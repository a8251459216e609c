import { request, type IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';

import { pndError } from '../errors.ts';

/** What one call to a running server's API sends. */
export interface ApiCall {
  method: string;
  headers: Record<string, string>;
  /** Text, or a stream sent as it is read (a firmware image). */
  body?: string | Readable;
}

/**
 * One call to the running server's API (`base` ends in /api/v1) on node:http, answered with
 * the response as a stream. Not fetch: fetch's client (undici) is compiled on first use,
 * which took longer than the rest of a management command; node:http is part of Node's own
 * start-up snapshot.
 */
export function callApi(base: string, path: string, call: ApiCall): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const unreachable = (error: Error): void =>
      reject(
        pndError(
          'PND_SERVER_UNREACHABLE',
          `the server at ${base} does not answer (${error.message}); is it still running?`,
        ),
      );
    // No pool: a command makes a call or two, and a pooled socket would hold its process open.
    const outgoing = request(
      `${base}${path}`,
      { method: call.method, headers: call.headers, agent: false },
      resolve,
    );
    outgoing.on('error', unreachable);
    if (call.body === undefined) outgoing.end();
    else if (typeof call.body === 'string') outgoing.end(call.body);
    else {
      call.body.on('error', (error) => outgoing.destroy(error));
      call.body.pipe(outgoing);
    }
  });
}

/**
 * The whole answer as text; an answer cut short (the server stopped in the middle of it) is
 * an error: its change may or may not have been made.
 */
export async function textOf(response: IncomingMessage, base: string): Promise<string> {
  response.setEncoding('utf8');
  let text = '';
  const cut = (why: string): Error =>
    pndError(
      'PND_SERVER_UNREACHABLE',
      `the server at ${base} stopped in the middle of its answer (${why}); whether the change was made is unknown: check with the show or list command once it runs again`,
    );
  try {
    for await (const chunk of response) text += chunk as string;
  } catch (error) {
    throw cut((error as Error).message);
  }
  if (!response.complete) throw cut('the answer ended early');
  return text;
}
