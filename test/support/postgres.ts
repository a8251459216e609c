import { execFile } from 'node:child_process';
import { access, chown, constants, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A throwaway PostgreSQL server owned by one test file. */
export interface TestPostgres {
  url: string;
  /** The server's data directory (its postmaster.pid names the server process). */
  dataDir: string;
  stop(): Promise<void>;
}

const BINARIES = ['initdb', 'pg_ctl', 'postgres'] as const;

/** Names the first PostgreSQL binary missing from PATH, or undefined when all are there. */
export async function missingPostgresBinary(): Promise<string | undefined> {
  for (const binary of BINARIES) {
    if (!(await onPath(binary))) return binary;
  }
  return undefined;
}

/**
 * Defines `what`'s PostgreSQL tests when the server binaries are on PATH. Without them the
 * tests cannot run: under CI (which installs PostgreSQL) that is a failing test; on a
 * developer's machine one skipped test that says which binary is missing.
 */
export async function withPostgres(what: string, define: () => void): Promise<void> {
  const missing = await missingPostgresBinary();
  if (missing === undefined) {
    define();
    return;
  }
  const why = `PostgreSQL binary "${missing}" is not on PATH; CI must provide PostgreSQL 15 (initdb, pg_ctl, postgres)`;
  if (process.env['CI']) {
    test(`PostgreSQL is available for ${what}`, () => {
      throw new Error(why);
    });
  } else {
    test(`${what} on PostgreSQL`, { skip: why }, () => undefined);
  }
}

async function onPath(binary: string): Promise<boolean> {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    try {
      await access(join(dir, binary), constants.X_OK);
      return true;
    } catch {
      // not in this directory
    }
  }
  return false;
}

/**
 * Starts a PostgreSQL server in a temporary directory on a free port. PostgreSQL refuses
 * to run as root, so under root its commands run as the `postgres` OS user.
 */
export async function startPostgres(options: { durable?: boolean } = {}): Promise<TestPostgres> {
  const dir = await mkdtemp(join(tmpdir(), 'plugndial-pg-'));
  const asRoot = process.getuid?.() === 0;
  const command = (binary: string, args: string[]): [string, string[]] =>
    asRoot ? ['runuser', ['-u', 'postgres', '--', binary, ...args]] : [binary, args];
  const exec = async (binary: string, args: string[]): Promise<void> => {
    const [file, argv] = command(binary, args);
    await run(file, argv, { timeout: 60_000 });
  };

  if (asRoot) {
    const { stdout: uid } = await run('id', ['-u', 'postgres']);
    const { stdout: gid } = await run('id', ['-g', 'postgres']);
    await chown(dir, Number(uid.trim()), Number(gid.trim()));
  }
  const data = join(dir, 'data');
  const port = await freePort();
  await exec('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync']);
  // Tests need no durability; a benchmark measures the server as operators run it.
  const settings = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1${options.durable ? '' : ' -c fsync=off'}`;
  await exec('pg_ctl', ['-D', data, '-o', settings, '-l', join(dir, 'log'), '-w', 'start']);

  let stopped = false;
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    dataDir: data,
    async stop(): Promise<void> {
      if (stopped) return;
      stopped = true;
      try {
        await exec('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
