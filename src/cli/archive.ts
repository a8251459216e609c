import {
  closeSync,
  createReadStream,
  createWriteStream,
  fsyncSync,
  openSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

import { pndError } from '../errors.ts';
import { readArchive, readArchiveHeader, type ArchiveHeader } from '../management/archive.ts';
import type { ArchiveCounts } from '../store/archive.ts';
import { dataDirOf, need, parse } from './args.ts';
import { connect } from './client.ts';
import type { CommandIO } from './io.ts';

const USAGE = {
  backup: `plugndial backup <file> [--data-dir D | --database URL]
  the whole store, events included, as one archive file, while the server serves`,
  export: `plugndial export <file> [--events] [--data-dir D | --database URL]
  the store as an archive file, to move it (events only with --events)`,
  restore: `plugndial restore <file> [--data-dir D | --database URL]
  fill an empty store with a backup`,
  import: `plugndial import <file> [--data-dir D | --database URL]
  fill an empty store with an archive, e.g. the embedded store's into PostgreSQL`,
} as const;

export type ArchiveCommand = keyof typeof USAGE;

/**
 * backup/export write an archive of the store (the running server's, through its API, or
 * the data directory's or database's when none runs); restore/import read one into an empty
 * store. The file is written beside its name and renamed when whole, so a failure never
 * leaves a file that looks like a backup.
 */
export function archiveCommand(
  command: ArchiveCommand,
): (args: string[], io: CommandIO) => Promise<number> {
  return async (args: string[], io: CommandIO): Promise<number> => {
    const { values, positionals } = parse(args, { events: { type: 'boolean' } });
    if (values['help']) {
      io.out(`${USAGE[command]}\n`);
      return 0;
    }
    const file = need(positionals, 0, 'archive file', USAGE[command]);
    const progress = progressLine(io);
    const client = await connect(dataDirOf(values));
    try {
      if (command === 'backup' || command === 'export') {
        const events = command === 'backup' || values['events'] === true;
        const archive = await client.download(`/archive?events=${events}`);
        const header = await writeArchive(archive, file, progress);
        progress.done();
        io.out(
          `${command === 'backup' ? 'backup' : 'export'} written to ${file}: ${summary(header.counts)}\n`,
        );
        return 0;
      }
      let size: number;
      try {
        const stat = statSync(file);
        if (!stat.isFile()) throw new Error('not a file');
        size = stat.size;
      } catch {
        throw pndError('PND_INVALID_ARGUMENT', `cannot read ${file}: not a readable file`);
      }
      // What the file is, before a byte of it is sent.
      await readArchiveHeader(createReadStream(file), file);
      let sent = 0;
      const counting = new Transform({
        transform(piece: Buffer, _encoding, done): void {
          sent += piece.length;
          progress.show(`sent ${percent(sent, size)} of ${file}`);
          done(null, piece);
        },
      });
      const restored = await client.request<{ counts: ArchiveCounts; createdAt: string }>(
        'POST',
        `/archive?${new URLSearchParams({ name: file })}`,
        createReadStream(file).pipe(counting),
        'application/gzip',
      );
      progress.done();
      io.out(
        `${command === 'restore' ? 'restored' : 'imported'} ${file} (made ${restored.createdAt}): ${summary(restored.counts)}\n`,
      );
      return 0;
    } finally {
      progress.done();
      await client.close();
    }
  };
}

/**
 * Writes the archive to `<file>.partial`, reading a copy of it as it goes (for progress, and
 * to check it is whole), then syncs and renames it.
 */
async function writeArchive(
  archive: Readable,
  file: string,
  progress: Progress,
): Promise<ArchiveHeader> {
  const partial = `${file}.partial`;
  const check = new Transform({ transform: (piece, _e, done) => done(null, piece) });
  const reading = readArchive(check, file);
  let records = 0;
  let total = Infinity;
  // A header refused here is refused again, with its message, by the count of the records.
  reading.header.then(
    (header) => {
      total = Object.values(header.counts).reduce((sum, n) => sum + (n ?? 0), 0);
    },
    () => {},
  );
  const counted = (async (): Promise<void> => {
    for await (const record of reading.records) {
      if (record.kind === 'chunk') continue;
      records += 1;
      if (records % 500 === 0) progress.show(`${records} of ${total} records`);
    }
  })();
  // Awaited below once the file is written; if the writing fails first, that error is told.
  counted.catch(() => {});
  const tee = new Transform({
    transform(piece: Buffer, _encoding, done): void {
      if (!check.write(piece)) {
        check.once('drain', () => done(null, piece));
        return;
      }
      done(null, piece);
    },
    flush(done): void {
      check.end();
      done();
    },
  });
  try {
    await pipeline(archive, tee, createWriteStream(partial, { mode: 0o600 }));
    await counted;
    const fd = openSync(partial, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(partial, file);
    return await reading.header;
  } catch (error) {
    check.destroy();
    rmSync(partial, { force: true });
    throw error;
  }
}

function summary(counts: ArchiveCounts): string {
  const parts: string[] = [];
  const add = (n: number | undefined, one: string, many: string): void => {
    if (n) parts.push(`${n} ${n === 1 ? one : many}`);
  };
  add(counts.device, 'device', 'devices');
  add(counts.profile, 'profile', 'profiles');
  add(counts.file, 'file', 'files');
  add(counts.firmware, 'firmware image', 'firmware images');
  add(counts.contacts, 'contact list', 'contact lists');
  add(counts['content-version'], 'content version', 'content versions');
  add(counts.credentials, 'set of credentials', 'sets of credentials');
  add(counts.event, 'event', 'events');
  add(counts['security-event'], 'security event', 'security events');
  return parts.length ? parts.join(', ') : 'an empty store';
}

function percent(part: number, whole: number): string {
  return `${whole === 0 ? 100 : Math.floor((part / whole) * 100)}%`;
}

interface Progress {
  show(text: string): void;
  done(): void;
}

/** Progress on standard error: one line rewritten on a terminal, a line a second otherwise. */
function progressLine(io: CommandIO): Progress {
  const terminal = process.stderr.isTTY === true;
  // Quick jobs print no progress at all.
  let last = Date.now();
  let shown = false;
  return {
    show(text: string): void {
      const now = Date.now();
      if (now - last < (terminal ? 100 : 1000)) return;
      last = now;
      shown = true;
      io.err(terminal ? `\r${text}\x1b[K` : `${text}\n`);
    },
    done(): void {
      if (shown && terminal) io.err('\r\x1b[K');
      shown = false;
    },
  };
}
