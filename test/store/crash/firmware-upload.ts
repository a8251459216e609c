import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { request } from 'node:http';

import { CHUNK_SIZE } from '../../../src/store/file-blobs.ts';
import { Ledger, random, sleep, type ServerUnderTest } from './support.ts';
import type { CrashWork } from './work.ts';

/** 4 MiB and a ragged end: 17 stored chunks, the last one short. */
const SIZE = 4 * 1024 * 1024 + 12_345;
const CHUNKS = Math.ceil(SIZE / CHUNK_SIZE);
/** The chunks stored when the kill comes, by turn: early, all, middle, late. */
const STRATA: readonly (readonly [number, number])[] = [
  [0, 5],
  [CHUNKS, CHUNKS],
  [6, 11],
  [12, CHUNKS - 1],
];
const PIECE = 64 * 1024;

export interface Image {
  /** Where phones fetch it on the HTTP door. */
  path: string;
  size: number;
  sha256: string;
}

interface Upload extends Image {
  version: string;
}

/** An image's bytes, the same for the same seed. */
function imageBytes(seed: number, size: number): Buffer {
  const next = random(0xf1a5 + seed);
  const bytes = Buffer.alloc(size);
  for (let i = 0; i + 4 <= size; i += 4) bytes.writeUInt32LE(Math.floor(next() * 2 ** 32), i);
  // Not a web page or an error message: what the server refuses as an image.
  bytes[0] = 0x7f;
  return bytes;
}

function imageFor(name: string, seed: number, size: number): { upload: Upload; bytes: Buffer } {
  const bytes = imageBytes(seed, size);
  const version = `crash.${name}`;
  const path = `/firmware/fanvil/X4/${version}/x4-${name}.z`;
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  return { upload: { version, path, size, sha256 }, bytes };
}

/**
 * Streams an image to POST /firmware, 64 KiB at a time as the socket takes it: the status it
 * was answered, undefined when the server went away first.
 */
function postImage(
  server: ServerUnderTest,
  upload: Upload,
  bytes: Buffer,
  declare: boolean,
): Promise<number | undefined> {
  const query = new URLSearchParams({
    vendor: 'fanvil',
    model: 'X4',
    version: upload.version,
    file: upload.path.slice(upload.path.lastIndexOf('/') + 1),
    ...(declare ? { size: String(upload.size), sha256: upload.sha256 } : {}),
  });
  return new Promise((resolve) => {
    const req = request(`${server.api}/firmware?${query.toString()}`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${server.token}`,
        'content-type': 'application/octet-stream',
        'content-length': String(bytes.length),
      },
    });
    req.on('response', (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode));
      response.on('error', () => resolve(undefined));
    });
    req.on('error', () => resolve(undefined));
    let sent = 0;
    const write = (): void => {
      while (sent < bytes.length) {
        const piece = bytes.subarray(sent, Math.min(sent + PIECE, bytes.length));
        sent += piece.length;
        if (!req.write(piece)) return void req.once('drain', write);
      }
      req.end();
    };
    write();
  });
}

/**
 * Fetches an image as a phone does: the status, whether the bytes are the image's, and
 * whether the answer was cut off after it began. Rejects when no answer began at all.
 */
export async function fetchImage(
  door: string,
  image: Image,
  agent = 'crash-phone',
): Promise<{ status: number; whole: boolean; cut: boolean; length: string | null }> {
  const response = await fetch(`${door}${image.path}`, { headers: { 'user-agent': agent } });
  const length = response.headers.get('content-length');
  let body: Buffer;
  try {
    body = Buffer.from(await response.arrayBuffer());
  } catch {
    return { status: response.status, whole: false, cut: true, length };
  }
  const whole =
    body.length === image.size && createHash('sha256').update(body).digest('hex') === image.sha256;
  return { status: response.status, whole, cut: false, length };
}

/**
 * A multi-MiB image streamed up through the admin API, killed once the server has stored a
 * number of its chunks drawn from the seed (none to all: then while it is checked and
 * committed), with and without a declared size and SHA-256. After a restart the
 * catalogue either has no entry for it or one of its exact length and SHA-256 — never a
 * truncated one — and the phones' door serves the same: 404, or every byte.
 */
export class FirmwareUpload implements CrashWork {
  readonly kind = 'firmware upload';
  readonly #ledger = new Ledger<string>((v) => v ?? 'absent');
  readonly #uploads = new Map<string, Upload>();
  /** Images no restart has fetched through the phones' door yet. */
  readonly #unfetched = new Set<string>();
  /** Images a restart has shown whole: what phones may fetch. */
  readonly #whole = new Set<string>();
  readonly #outcomes = { answered: 0, cut: [] as number[] };
  readonly #unexpected: string[] = [];

  /** A small image stored before the first kill, so phones have one to fetch from the start. */
  async prepare(server: ServerUnderTest): Promise<void> {
    const { upload, bytes } = imageFor('first', 0, 300 * 1024);
    const status = await postImage(server, upload, bytes, true);
    assert.equal(status, 201, 'the first image is stored');
    this.#uploads.set(upload.version, upload);
    this.#ledger.answered(upload.version, upload.sha256);
    this.#whole.add(upload.version);
  }

  async crash(server: ServerUnderTest, next: () => number, round: number): Promise<void> {
    const { upload, bytes } = imageFor(String(round), round, SIZE);
    this.#uploads.set(upload.version, upload);
    this.#unfetched.add(upload.version);
    // By what the server has stored, not by time or by the bytes the client has written:
    // loopback's socket buffers take megabytes at once, and how long a chunk takes depends
    // on the machine's load. Uploads take turns at the early, the last (CHUNKS: every chunk
    // stored, the image being checked and committed), the middle and the late chunks, with
    // one drawn from the seed in each; every other one declares its size and SHA-256, so
    // that eight uploads try each part both ways.
    const turn = this.#uploads.size - 2;
    const [from, to] = STRATA[turn % STRATA.length]!;
    const cutAt = from + Math.floor(next() * (to - from + 1));
    const declare = (turn + Math.floor(turn / STRATA.length)) % 2 === 0;
    this.#ledger.sent(upload.version, upload.sha256);
    const progress = server.store.uploadProgress(`firmware:fanvil/X4/${upload.version}`);
    let settled = false;
    const posting = postImage(server, upload, bytes, declare).finally(() => (settled = true));
    try {
      const deadline = Date.now() + 120_000;
      while (!settled && (await progress.read()) < cutAt && Date.now() < deadline) await sleep(1);
    } finally {
      await progress.close();
    }
    await server.kill();
    const status = await posting;
    if (status === 201) {
      this.#ledger.answered(upload.version, upload.sha256);
      this.#outcomes.answered += 1;
    } else if (status === undefined) this.#outcomes.cut.push(cutAt);
    else this.#unexpected.push(`${upload.version}: ${status}`);
  }

  async verify(server: ServerUnderTest, when: string, everything = false): Promise<void> {
    assert.deepEqual(this.#unexpected, [], `${when}: every upload answered was answered 201`);
    const listed =
      await server.get<{ version: string; size: number; sha256: string }[]>(
        '/firmware?vendor=fanvil',
      );
    const entries = new Map(listed.map((image) => [image.version, image]));
    for (const version of entries.keys())
      assert.ok(this.#uploads.has(version), `${when}: image ${version} was never sent`);
    for (const [version, upload] of this.#uploads) {
      const entry = entries.get(version);
      if (entry) {
        assert.equal(entry.size, upload.size, `${when}: the catalogue's ${version} is cut short`);
        assert.equal(entry.sha256, upload.sha256, `${when}: the catalogue's ${version} differs`);
      }
      this.#ledger.check(version, entry ? entry.sha256 : null, when, (a, b) => a === b);
      if (entry) this.#whole.add(version);
      if (!everything && !this.#unfetched.has(version)) continue;
      const served = await fetchImage(server.door, upload).catch((error: unknown) => {
        assert.fail(`${when}: the door gave no answer for ${version}: ${String(error)}`);
      });
      if (entry) {
        assert.equal(served.status, 200, `${when}: the door does not serve ${version}`);
        assert.ok(!served.cut, `${when}: the door cut ${version} off mid-answer (half stored?)`);
        assert.equal(served.length, String(upload.size), `${when}: ${version}'s Content-Length`);
        assert.ok(served.whole, `${when}: the door served ${version} other than it was uploaded`);
      } else {
        assert.equal(
          served.status,
          404,
          `${when}: the door serves ${version}, not in the catalogue`,
        );
      }
      this.#unfetched.delete(version);
    }
  }

  /** The images a restart has shown whole in the catalogue: what phones may fetch. */
  stored(): Image[] {
    return [...this.#whole].map((version) => this.#uploads.get(version)!);
  }

  summary(): string {
    const { answered, cut } = this.#outcomes;
    return `${answered} uploads answered before the kill, ${cut.length} cut by it (after ${cut.join(', ')} of ${CHUNKS} chunks stored)`;
  }

  meaningful(): boolean {
    return this.#outcomes.answered + this.#outcomes.cut.length > 0;
  }
}
