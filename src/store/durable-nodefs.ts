/**
 * PGlite's data directory on the host's file system, made durable. PGlite starts PostgreSQL
 * with fsync off (`-F`), and Emscripten's NODEFS would ignore an fsync anyway: a committed
 * change sat in the page cache, safe from a process crash but not from a power loss. Here
 * fsync reaches the host (fs.fsyncSync), WAL flushes use fsync() rather than the fdatasync()
 * Emscripten drops, and `-F` is left out, so a COMMIT returns only once its WAL is on disk.
 */
import { fsyncSync } from 'node:fs';

import { PGlite } from '@electric-sql/pglite';
import { NodeFS } from '@electric-sql/pglite/nodefs';

/** The start parameters PGlite uses, with fsync on and WAL flushed through fsync(). */
export function durableStartParams(): string[] {
  return [
    ...PGlite.defaultStartParams.filter((param) => param !== '-F'),
    '-c',
    'wal_sync_method=fsync',
  ];
}

interface EmscriptenStream {
  nfd?: number;
}

interface EmscriptenModule {
  NODEFS: { stream_ops: Record<string, unknown> };
  FS: { ErrnoError: new (errno: number) => Error };
}

/** Emscripten's errno for EIO: PostgreSQL treats a failed fsync as fatal, as it should. */
const EIO = 29;

export class DurableNodeFS extends NodeFS {
  override async init(pg: PGlite, opts: Parameters<NodeFS['init']>[1]): ReturnType<NodeFS['init']> {
    const { emscriptenOpts } = await super.init(pg, opts);
    const preRun = (emscriptenOpts.preRun ?? []) as ((module: EmscriptenModule) => void)[];
    return {
      emscriptenOpts: {
        ...emscriptenOpts,
        preRun: [
          (module: EmscriptenModule): void => {
            module.NODEFS.stream_ops['fsync'] = (stream: EmscriptenStream): number => {
              if (stream.nfd === undefined) return 0;
              try {
                fsyncSync(stream.nfd);
              } catch (error) {
                const code = (error as NodeJS.ErrnoException).code;
                // Pipes and the like cannot be synced and need not be.
                if (code === 'EINVAL' || code === 'EROFS') return 0;
                throw new module.FS.ErrnoError(EIO);
              }
              return 0;
            };
          },
          ...preRun,
        ],
      } as typeof emscriptenOpts,
    };
  }
}
