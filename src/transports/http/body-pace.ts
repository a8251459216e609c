// The pace of request bodies that node:http reads (uploads: the admin API's firmware and CSV,
// phones' PUTs). A whole-request deadline would cut a large image on a slow link and still
// let a client hold a connection for all of it by sending one byte now and then; what tells a
// slow uploader from a slow-loris is progress. A body is cut when nothing of it arrives for
// `stallMs`, or when, past its first `stallMs`, it arrives slower than 1 KiB/s on average. The
// pace is judged when some of the body has come since the last look: a body that stopped is
// one that stalled, whatever its average, so the reason given never depends on where the
// last byte fell between two looks. The client is told 408 when no answer has begun.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

import type { LimitReached, OnLimit } from '../../provisioning/limit-recorder.ts';

/** Bodies slower than this on average, after their first `stallMs`, are cut. */
export const MIN_BODY_BYTES_PER_SECOND = 1024;
/** How often bodies under way are looked at. */
const SWEEP_MS = 1000;
/** How long a cut client has to read its 408 before the socket goes. */
const GOODBYE_MS = 1000;

interface Watched {
  request: IncomingMessage;
  response: ServerResponse;
  socket: Socket;
  since: number;
  readAtStart: number;
  read: number;
  progressAt: number;
}

export interface BodyPaceOptions {
  door: LimitReached['door'];
  stallMs: number;
  onLimit?: OnLimit;
}

export class BodyPace {
  readonly #options: BodyPaceOptions;
  readonly #watched = new Set<Watched>();
  #timer: NodeJS.Timeout | undefined;

  constructor(options: BodyPaceOptions) {
    this.#options = options;
  }

  /** Follows the request's body, if it has one still to come, until it is read or cut. */
  watch(request: IncomingMessage, response: ServerResponse): void {
    if (request.complete || !hasBody(request)) return;
    const socket = request.socket;
    const now = Date.now();
    const entry: Watched = {
      request,
      response,
      socket,
      since: now,
      readAtStart: socket.bytesRead,
      read: socket.bytesRead,
      progressAt: now,
    };
    this.#watched.add(entry);
    const forget = (): void => {
      this.#watched.delete(entry);
    };
    response.once('close', forget);
    socket.once('close', forget);
    if (this.#timer === undefined) {
      this.#timer = setInterval(() => this.#sweep(), SWEEP_MS);
      this.#timer.unref();
    }
  }

  /** Looks at every body under way. */
  #sweep(): void {
    const now = Date.now();
    const { stallMs } = this.#options;
    for (const entry of this.#watched) {
      const { request, socket } = entry;
      if (request.complete || socket.destroyed) {
        this.#watched.delete(entry);
        continue;
      }
      const moved = socket.bytesRead > entry.read;
      if (moved) {
        entry.read = socket.bytesRead;
        entry.progressAt = now;
      }
      const elapsed = now - entry.since;
      const rate = ((entry.read - entry.readAtStart) * 1000) / Math.max(elapsed, 1);
      if (now - entry.progressAt >= stallMs) {
        this.#cut(entry, `no byte of a request body for ${stallMs / 1000} s`);
      } else if (moved && elapsed >= stallMs && rate < MIN_BODY_BYTES_PER_SECOND) {
        this.#cut(
          entry,
          `a request body at ${Math.round(rate)} B/s, below ${MIN_BODY_BYTES_PER_SECOND} B/s`,
        );
      }
    }
    if (this.#watched.size === 0 && this.#timer !== undefined) {
      clearInterval(this.#timer);
      this.#timer = undefined;
    }
  }

  #cut(entry: Watched, detail: string): void {
    this.#watched.delete(entry);
    const { response, socket } = entry;
    this.#options.onLimit?.({
      door: this.#options.door,
      limit: 'http-header-timeout',
      address: socket.remoteAddress ?? '',
      detail,
    });
    if (!response.headersSent && socket.writable) {
      response.shouldKeepAlive = false;
      response.writeHead(408, { 'content-length': 0, connection: 'close' });
      response.end();
      setTimeout(() => socket.destroy(), GOODBYE_MS).unref();
      return;
    }
    socket.destroy();
  }
}

function hasBody(request: IncomingMessage): boolean {
  const headers = request.headers;
  if (headers['transfer-encoding'] !== undefined) return true;
  const length = Number(headers['content-length'] ?? 0);
  return Number.isFinite(length) && length > 0;
}
