// Where a transfer's blocks come from: a rendered file already in memory, or a stream
// from the store read just ahead of what the window needs (the stream's own buffer and
// pull-based reads give back-pressure; nothing is read whole).

import type { Readable } from 'node:stream';

/** Bytes reserved in front of every block for the DATA header. */
export const HEADER_SIZE = 4;

export interface BlockSource {
  /**
   * The next block as a packet with HEADER_SIZE free bytes in front of the payload. The
   * payload is `size` bytes, shorter only for the last block (possibly empty); undefined
   * when the bytes are not there yet (call `wait`) or the source failed (see `failure`).
   */
  nextPacket(size: number): Buffer | undefined;
  /** Calls `ready` once, when `nextPacket` may succeed or the source has failed. */
  wait(ready: () => void): void;
  readonly failure: Error | undefined;
  close(): void;
}

export function bufferSource(body: Buffer): BlockSource {
  let offset = 0;
  return {
    nextPacket(size: number): Buffer {
      const length = Math.max(0, Math.min(size, body.length - offset));
      const packet = Buffer.allocUnsafe(HEADER_SIZE + length);
      body.copy(packet, HEADER_SIZE, offset, offset + length);
      offset += length;
      return packet;
    },
    wait(ready: () => void): void {
      queueMicrotask(ready);
    },
    failure: undefined,
    close(): void {},
  };
}

export function streamSource(stream: Readable, transform?: (chunk: Buffer) => Buffer): BlockSource {
  return new StreamSource(stream, transform);
}

class StreamSource implements BlockSource {
  readonly #chunks: Buffer[] = [];
  #available = 0;
  #ended = false;
  #waiter: (() => void) | undefined;
  failure: Error | undefined;

  readonly #stream: Readable;
  readonly #transform: ((chunk: Buffer) => Buffer) | undefined;

  constructor(stream: Readable, transform: ((chunk: Buffer) => Buffer) | undefined) {
    this.#stream = stream;
    this.#transform = transform;
    stream.on('readable', () => this.#wake());
    stream.on('end', () => {
      this.#ended = true;
      this.#wake();
    });
    stream.on('error', (error: Error) => {
      this.failure = error;
      this.#wake();
    });
    stream.on('close', () => {
      if (!this.#ended && this.failure === undefined) {
        this.failure = new Error('stream closed before its end');
        this.#wake();
      }
    });
  }

  nextPacket(size: number): Buffer | undefined {
    if (this.failure !== undefined) return undefined;
    while (this.#available < size && !this.#ended) {
      const chunk: unknown = this.#stream.read();
      if (chunk === null) break;
      const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
      const converted = this.#transform ? this.#transform(bytes) : bytes;
      if (converted.length === 0) continue;
      this.#chunks.push(converted);
      this.#available += converted.length;
    }
    if (this.#available < size && !this.#ended) return undefined;
    const length = Math.min(size, this.#available);
    const packet = Buffer.allocUnsafe(HEADER_SIZE + length);
    let at = HEADER_SIZE;
    while (at < packet.length) {
      const head = this.#chunks[0] as Buffer;
      const take = Math.min(head.length, packet.length - at);
      head.copy(packet, at, 0, take);
      at += take;
      if (take === head.length) this.#chunks.shift();
      else this.#chunks[0] = head.subarray(take);
    }
    this.#available -= length;
    return packet;
  }

  wait(ready: () => void): void {
    this.#waiter = ready;
    if (this.#ended || this.failure !== undefined) this.#wake();
  }

  close(): void {
    this.#waiter = undefined;
    this.#chunks.length = 0;
    this.#available = 0;
    if (!this.#stream.destroyed) this.#stream.destroy();
  }

  #wake(): void {
    const waiter = this.#waiter;
    if (waiter === undefined) return;
    this.#waiter = undefined;
    queueMicrotask(waiter);
  }
}

/** A byte range of a stored file, as an answer's opener streams it. */
export type RangeOpener = (range: { start: number; end: number }) => Readable;

/**
 * Blocks of a stored file read a range at a time, only when the window needs them: nothing
 * before the first block is due, and never more than `readAhead` bytes (at least one
 * window) beyond what was sent. A transfer held half-done holds its window and that much,
 * not the store's fetch of several chunks a whole-file stream keeps going.
 */
export function rangeSource(
  open: RangeOpener,
  size: number,
  readAhead: number,
  transform?: (chunk: Buffer) => Buffer,
): BlockSource {
  return new RangeSource(open, size, readAhead, transform);
}

class RangeSource implements BlockSource {
  readonly #chunks: Buffer[] = [];
  #available = 0;
  /** The next byte of the file to read. */
  #offset = 0;
  #reading: Readable | undefined;
  #waiter: (() => void) | undefined;
  #closed = false;
  failure: Error | undefined;

  readonly #open: RangeOpener;
  readonly #size: number;
  readonly #readAhead: number;
  readonly #transform: ((chunk: Buffer) => Buffer) | undefined;

  constructor(
    open: RangeOpener,
    size: number,
    readAhead: number,
    transform: ((chunk: Buffer) => Buffer) | undefined,
  ) {
    this.#open = open;
    this.#size = size;
    this.#readAhead = readAhead;
    this.#transform = transform;
  }

  nextPacket(size: number): Buffer | undefined {
    if (this.failure !== undefined) return undefined;
    const rest = this.#offset >= this.#size && this.#reading === undefined;
    if (this.#available < size && !rest) {
      this.#fill(size);
      if (this.#available < size) return undefined;
    }
    const length = Math.min(size, this.#available);
    const packet = Buffer.allocUnsafe(HEADER_SIZE + length);
    let at = HEADER_SIZE;
    while (at < packet.length) {
      const head = this.#chunks[0] as Buffer;
      const take = Math.min(head.length, packet.length - at);
      head.copy(packet, at, 0, take);
      at += take;
      if (take === head.length) this.#chunks.shift();
      else this.#chunks[0] = head.subarray(take);
    }
    this.#available -= length;
    return packet;
  }

  wait(ready: () => void): void {
    this.#waiter = ready;
    if (this.failure !== undefined || this.#reading === undefined) this.#wake();
  }

  close(): void {
    this.#closed = true;
    this.#waiter = undefined;
    this.#chunks.length = 0;
    this.#available = 0;
    this.#reading?.destroy();
    this.#reading = undefined;
  }

  /** Starts reading the next range, unless one is under way or the file is read. */
  #fill(size: number): void {
    if (this.#reading !== undefined || this.#offset >= this.#size || this.#closed) return;
    const start = this.#offset;
    const end = Math.min(this.#size, start + Math.max(this.#readAhead, size)) - 1;
    this.#offset = end + 1;
    let stream: Readable;
    try {
      stream = this.#open({ start, end });
    } catch (error) {
      this.failure = error as Error;
      return;
    }
    this.#reading = stream;
    let read = 0;
    stream.on('data', (chunk: Buffer | string) => {
      const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
      read += bytes.length;
      // A copy: the store's chunk behind a slice would stay in memory with it.
      const kept = this.#transform ? this.#transform(bytes) : Buffer.from(bytes);
      if (kept.length > 0) {
        this.#chunks.push(kept);
        this.#available += kept.length;
      }
    });
    stream.once('end', () => {
      this.#reading = undefined;
      if (read !== end - start + 1) this.failure = new Error('the stored file ended early');
      this.#wake();
    });
    stream.once('error', (error: Error) => {
      this.#reading = undefined;
      this.failure = error;
      this.#wake();
    });
  }

  #wake(): void {
    const waiter = this.#waiter;
    if (waiter === undefined) return;
    this.#waiter = undefined;
    queueMicrotask(waiter);
  }
}
