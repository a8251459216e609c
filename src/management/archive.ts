/**
 * The archive file: a store's records as gzip-compressed JSON lines, with a header that says
 * what it is and a footer that says it is whole. Backups, restores and moves between the
 * embedded store and PostgreSQL are all this one format.
 *
 *   {"plugndial":"archive","format":1,"schema":8,"createdAt":…,"engine":"sqlite","events":true,"counts":{…}}
 *   {"kind":"profile","profile":{…}}
 *   …
 *   {"end":true,"records":123}
 */
import { once } from 'node:events';
import { PassThrough, type Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { createGunzip, createGzip } from 'node:zlib';

import { PlugndialError } from '../errors.ts';
import { PROFILE_NAME } from '../model/device.ts';
import { parseMac } from '../model/mac.ts';
import { normalisePath } from '../provisioning/path.ts';
import type { ArchiveCounts, ArchiveKind, ArchiveRecord } from '../store/archive.ts';
import { schemaVersion } from '../store/migrations.ts';
import type { Store } from '../store/store.ts';
import { checkModel, checkOwnKey, checkSettings, checkVendor } from './devices.ts';

export const ARCHIVE_FORMAT = 1;

export interface ArchiveHeader {
  plugndial: 'archive';
  format: number;
  schema: number;
  createdAt: string;
  engine: 'sqlite' | 'postgres';
  events: boolean;
  counts: ArchiveCounts;
}

/** A line longer than this is no record of ours (a chunk's base64 is about 350 KiB). */
const MAX_LINE = 4 * 1024 * 1024;

const KINDS: ReadonlySet<string> = new Set<ArchiveKind>([
  'profile',
  'device',
  'credentials',
  'contacts',
  'file',
  'firmware',
  'chunk',
  'content-version',
  'cwmp',
  'resync',
  'pending',
  'event',
  'security-event',
]);

/**
 * The store as an archive, gzip-compressed, read as one moment while the server serves.
 * A failure half-way destroys the stream with the error, so a reader never takes a cut
 * archive for a whole one (and the footer would be missing anyway).
 */
export function archiveOf(store: Store, options: { events: boolean; now: Date }): Readable {
  const lines = new PassThrough();
  const gzip = createGzip();
  lines.pipe(gzip);
  const write = async (value: unknown): Promise<void> => {
    if (!lines.write(`${JSON.stringify(value)}\n`)) await once(lines, 'drain');
  };
  let records = 0;
  void (async (): Promise<void> => {
    try {
      await store.exportRecords(
        {
          begin: (counts) =>
            write({
              plugndial: 'archive',
              format: ARCHIVE_FORMAT,
              schema: schemaVersion(store.backend === 'postgres' ? 'postgres' : 'sqlite'),
              createdAt: options.now.toISOString(),
              engine: store.backend === 'postgres' ? 'postgres' : 'sqlite',
              events: options.events,
              counts,
            } satisfies ArchiveHeader),
          record: async (record) => {
            records += 1;
            await write(record);
          },
        },
        { events: options.events },
      );
      await write({ end: true, records });
      lines.end();
    } catch (error) {
      gzip.destroy(error as Error);
      lines.destroy();
    }
  })();
  return gzip;
}

/** The first bytes of a SQLite database file. */
const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');

/**
 * Reads an archive: checks what it is before the first record, and that it is whole after
 * the last. `header` resolves with the header (or rejects when there is none); the records
 * are the iterable. Every problem is PND_ARCHIVE_INVALID naming what is wrong and what to do.
 */
export function readArchive(
  source: Readable,
  name = 'the archive',
): { header: Promise<ArchiveHeader>; records: AsyncIterable<ArchiveRecord> } {
  let resolveHeader!: (header: ArchiveHeader) => void;
  let rejectHeader!: (error: unknown) => void;
  const header = new Promise<ArchiveHeader>((resolve, reject) => {
    resolveHeader = resolve;
    rejectHeader = reject;
  });
  // A caller that only wants the records must not see an unhandled rejection.
  header.catch(() => undefined);

  async function* records(): AsyncGenerator<ArchiveRecord> {
    let seenHeader = false;
    let count = 0;
    let ended = false;
    try {
      for await (const line of lines(gunzipped(source, name), name)) {
        if (ended) throw invalid(name, 'there is data after its end');
        const value = parseLine(line, name, count + (seenHeader ? 2 : 1));
        if (!seenHeader) {
          resolveHeader(checkHeader(value, name));
          seenHeader = true;
          continue;
        }
        if ('end' in value) {
          if (value.records !== count) {
            throw invalid(name, `it says ${String(value.records)} records but holds ${count}`);
          }
          ended = true;
          continue;
        }
        count += 1;
        yield checkRecord(value, name, count + 1);
      }
      if (!seenHeader) throw invalid(name, 'it is empty');
      if (!ended)
        throw invalid(name, `it ends after ${count} records without its end: it was cut short`);
    } catch (error) {
      rejectHeader(error);
      throw error;
    }
  }
  return { header, records: records() };
}

/**
 * Gunzips, with the two mistakes operators make told apart: a database file, and a text.
 * The source is never destroyed: a refused upload is read to its end, so the one who sent
 * it (an operator with the admin token) gets the refusal rather than a broken connection.
 */
async function* gunzipped(source: Readable, name: string): AsyncGenerator<Buffer> {
  const gunzip = createGunzip();
  let first = true;
  const refuse = (error: PlugndialError): void => {
    source.unpipe(gunzip);
    source.resume();
    gunzip.destroy(error);
  };
  const onData = (piece: Buffer): void => {
    if (!first) return;
    first = false;
    if (piece.subarray(0, SQLITE_MAGIC.length).equals(SQLITE_MAGIC)) {
      refuse(
        invalid(
          name,
          'it is a SQLite database file, not an archive: to use it as the store, stop plugndial and put it in the data directory as plugndial.db',
        ),
      );
    } else if (piece[0] !== 0x1f || piece[1] !== 0x8b) {
      refuse(
        invalid(
          name,
          'it is not a plugndial archive (not gzip-compressed: perhaps another product’s backup)',
        ),
      );
    }
  };
  // Registered before the pipe, so the first piece is judged before gunzip sees it.
  source.prependListener('data', onData);
  source.once('error', () => gunzip.destroy(invalid(name, 'it could not be read to its end')));
  source.pipe(gunzip);
  try {
    for await (const piece of gunzip as AsyncIterable<Buffer>) yield piece;
  } catch (error) {
    if (error instanceof PlugndialError) throw error;
    throw invalid(name, 'its compressed data is damaged or cut short');
  } finally {
    source.off('data', onData);
    if (!source.readableEnded) {
      source.unpipe(gunzip);
      source.resume();
    }
  }
  if (first) throw invalid(name, 'it is empty');
}

async function* lines(source: AsyncIterable<Buffer>, name: string): AsyncGenerator<string> {
  // A character may be cut between two pieces; the decoder keeps its first bytes.
  const decoder = new StringDecoder('utf8');
  let pending = '';
  for await (const piece of source) {
    pending += decoder.write(piece);
    let newline = pending.indexOf('\n');
    while (newline >= 0) {
      yield pending.slice(0, newline);
      pending = pending.slice(newline + 1);
      newline = pending.indexOf('\n');
    }
    if (pending.length > MAX_LINE) throw invalid(name, 'a line is longer than any record');
  }
  if (pending.length > 0) yield pending;
}

function parseLine(line: string, name: string, number: number): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw invalid(
      name,
      number === 1
        ? 'it is not a plugndial archive (its first line is not one)'
        : `line ${number} is not JSON`,
    );
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalid(name, `line ${number} is not a record`);
  }
  return value as Record<string, unknown>;
}

function checkHeader(value: Record<string, unknown>, name: string): ArchiveHeader {
  if (value.plugndial !== 'archive') {
    throw invalid(name, 'it is not a plugndial archive (perhaps another product’s backup)');
  }
  if (typeof value.format !== 'number' || value.format > ARCHIVE_FORMAT) {
    throw invalid(
      name,
      `it was written in archive format ${String(value.format)} by a newer plugndial (this one reads format ${ARCHIVE_FORMAT}); upgrade plugndial to restore it`,
    );
  }
  const ours = schemaVersion('sqlite');
  if (typeof value.schema !== 'number' || value.schema > ours) {
    throw invalid(
      name,
      `it holds schema version ${String(value.schema)}, newer than this plugndial's ${ours}; upgrade plugndial to restore it`,
    );
  }
  return value as unknown as ArchiveHeader;
}

/**
 * What each kind of record must carry for the restore to read it (a dotted path is inside
 * another object); its scalars are the database's to refuse. A record without one is a
 * damaged archive, named by its line, not a failure inside the restore.
 */
const CARRIED: Partial<Record<ArchiveKind, readonly (readonly [string, 'object' | 'array'])[]>> = {
  device: [['device', 'object']],
  profile: [['profile', 'object']],
  credentials: [
    ['credentials', 'object'],
    ['credentials.firstContact', 'object'],
  ],
  contacts: [
    ['list', 'object'],
    ['list.owner', 'object'],
    ['list.contacts', 'array'],
  ],
  cwmp: [['state', 'object']],
  resync: [['outcome', 'object']],
  pending: [['phone', 'object']],
  event: [['event', 'object']],
  'security-event': [['event', 'object']],
};

function checkRecord(value: Record<string, unknown>, name: string, line: number): ArchiveRecord {
  const kind = value.kind;
  if (typeof kind !== 'string' || !KINDS.has(kind)) {
    throw invalid(name, `line ${line} is a record of an unknown kind`);
  }
  const label = `${/^[aeiou]/.test(kind) ? 'an' : 'a'} ${kind} record`;
  const bad = (what: string): PlugndialError => invalid(name, `line ${line}: ${what}`);
  for (const [path, shape] of CARRIED[kind as ArchiveKind] ?? []) {
    const found = path
      .split('.')
      .reduce<unknown>(
        (inside, field) =>
          typeof inside === 'object' && inside !== null
            ? (inside as Record<string, unknown>)[field]
            : undefined,
        value,
      );
    const carried =
      shape === 'array' ? Array.isArray(found) : typeof found === 'object' && found !== null;
    if (!carried) throw bad(`${label} without its ${path}`);
  }
  switch (kind) {
    case 'device': {
      // What the API would refuse is refused here too: a restored device is served at once.
      const device = value.device as Record<string, unknown>;
      const mac = parseMac(String(device.mac));
      if (!mac.ok) throw bad('a device record without a valid MAC');
      const vendor = checkVendor(String(device.vendor ?? ''));
      if (!vendor.ok) throw bad(`device ${mac.value}: ${vendor.error.message}`);
      const settings = checkSettings(settingsOf(device.settings), `device ${mac.value}: `);
      if (!settings.ok) throw bad(settings.error.message);
      const own = checkOwnKey(
        { vendor: vendor.value, settings: settings.value },
        `device ${mac.value}: `,
      );
      if (!own.ok) throw bad(own.error.message);
      if (device.model !== undefined) {
        const model = checkModel(device.model, `device ${mac.value}: `);
        if (!model.ok) throw bad(model.error.message);
      }
      if (!Array.isArray(device.profiles) || !device.profiles.every(isProfileName))
        throw bad(`device ${mac.value}: its profiles are not a list of profile names`);
      device.settings = settings.value;
      break;
    }
    case 'profile': {
      const profile = value.profile as Record<string, unknown>;
      if (!isProfileName(profile.name)) throw bad('a profile record without a valid name');
      const settings = checkSettings(settingsOf(profile.settings), `profile ${profile.name}: `);
      if (!settings.ok) throw bad(settings.error.message);
      profile.settings = settings.value;
      break;
    }
    case 'chunk':
      if (typeof value.data !== 'string') throw bad('a chunk without its data');
      break;
    case 'file':
    case 'firmware':
      for (const field of ['size', 'chunks', 'chunkSize'] as const) {
        if (!Number.isSafeInteger(value[field]) || (value[field] as number) < 0)
          throw bad(`a ${kind} record without a valid ${field}`);
      }
      if (typeof value.sha256 !== 'string') throw bad(`a ${kind} record without its SHA-256`);
      if (kind === 'file') {
        const segments = normalisePath(String(value.path), {
          percentEncoded: false,
          backslashIsSeparator: false,
        });
        if (!segments || segments.length === 0 || segments.join('/') !== value.path)
          throw bad('a file record whose path is not a served path (relative, without "..")');
      }
      break;
    default:
      break;
  }
  return value as unknown as ArchiveRecord;
}

function settingsOf(settings: unknown): Record<string, unknown> {
  return typeof settings === 'object' && settings !== null && !Array.isArray(settings)
    ? (settings as Record<string, unknown>)
    : { '': settings };
}

function isProfileName(name: unknown): boolean {
  return typeof name === 'string' && PROFILE_NAME.test(name);
}

function invalid(name: string, what: string): PlugndialError {
  return new PlugndialError('PND_ARCHIVE_INVALID', `${name}: ${what}; nothing was stored`);
}

/** Reads just an archive's header: what it is, before anything is sent or stored. */
export async function readArchiveHeader(source: Readable, name?: string): Promise<ArchiveHeader> {
  const archive = readArchive(source, name);
  const iterator = archive.records[Symbol.asyncIterator]();
  try {
    await Promise.race([archive.header, iterator.next()]);
    return await archive.header;
  } finally {
    await iterator.return?.(undefined);
    source.destroy();
  }
}

/** Reads an archive from a stream into the store, which must be empty. */
export async function restoreArchive(
  store: Store,
  source: Readable,
  name?: string,
): Promise<{ header: ArchiveHeader; counts: ArchiveCounts }> {
  const archive = readArchive(source, name);
  // The header is checked before the store is touched; a bad one never opens a transaction.
  const iterator = archive.records[Symbol.asyncIterator]();
  const first = await iterator.next();
  const header = await archive.header;
  const rest: AsyncIterable<ArchiveRecord> = {
    async *[Symbol.asyncIterator](): AsyncGenerator<ArchiveRecord> {
      if (!first.done) yield first.value;
      for (;;) {
        const next = await iterator.next();
        if (next.done) return;
        yield next.value;
      }
    },
  };
  const counts = await store.importRecords(rest);
  return { header, counts };
}
