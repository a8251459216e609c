/**
 * What plugndial costs a small machine, from /proc and the wall clock, in one run:
 *   first start on an empty store to /healthz 200, restarts with 0 and with N devices, idle
 *   RSS with 0 and N devices, peak RSS and files/s during S seconds of fetches of distinct
 *   devices' files (wrk, 32 connections, a new connection per request), the import of N
 *   devices, and a management command's wall time with and without a running server —
 *   for the embedded store, then for PostgreSQL (its server's RSS apart).
 *
 *   node --import tsx bench/footprint.ts [--devices 100000] [--seconds 10] [--no-postgres] [--compiled]
 *
 * A measurement, not a test: it exits 0 whatever the figures, non-zero when a server does
 * not start or a step fails.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import pg from 'pg';

import { BIN, COMPILED_BIN } from '../test/support/serve.ts';
import { missingPostgresBinary, startPostgres } from '../test/support/postgres.ts';
import { exited, isRunning, track } from './support/children.ts';
import { runWrk } from './support/wrk.ts';

const { values } = parseArgs({
  options: {
    devices: { type: 'string', default: '100000' },
    seconds: { type: 'string', default: '10' },
    'no-postgres': { type: 'boolean', default: false },
    compiled: { type: 'boolean', default: false },
  },
});
/** The sources through tsx, or the compiled build as bin/plugndial runs it (`npm run build` first). */
const PLUGNDIAL: [string, ...string[]] = values.compiled ? [COMPILED_BIN] : [BIN];
const DEVICES = Number(values.devices);
const SECONDS = Number(values.seconds);

/** The issue's targets for the embedded store on a 2-core machine. */
const TARGETS = {
  firstStartMs: 1500,
  idleRssMb: 120,
  peakRssMb: 200,
  commandMs: 250,
  filesPerSecond: 2400,
};

interface Running {
  pid: number;
  port: number;
  stop(): Promise<void>;
}

function statusOf(pid: number): { rssMb: number; hwmMb: number } {
  const text = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string): number =>
    Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0);
  return { rssMb: kb('VmRSS') / 1024, hwmMb: kb('VmHWM') / 1024 };
}

/** Starts `plugndial serve` (HTTP only) and measures the time until /healthz answers 200. */
async function start(store: string[]): Promise<Running & { startMs: number }> {
  const port = await freePort();
  const began = performance.now();
  const child = spawn(
    PLUGNDIAL[0],
    [
      ...PLUGNDIAL.slice(1),
      'serve',
      '--admin',
      'off',
      ...store,
      '--http',
      `127.0.0.1:${port}`,
      '--tftp',
      'off',
      '--sip',
      'off',
      '--acs',
      'off',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  track(child);
  let errors = '';
  child.stderr!.on('data', (chunk: Buffer) => (errors += chunk.toString()));
  for (;;) {
    if (!isRunning(child)) throw new Error(`serve exited:\n${errors}`);
    try {
      const response = await fetch(`http://127.0.0.1:${port}/healthz`);
      await response.arrayBuffer();
      if (response.status === 200) break;
    } catch {
      // not listening yet
    }
    if (performance.now() - began > 120_000) throw new Error(`serve did not start:\n${errors}`);
    await sleep(10);
  }
  const startMs = performance.now() - began;
  return {
    pid: child.pid!,
    port,
    startMs,
    async stop(): Promise<void> {
      child.kill('SIGTERM');
      if (!(await exited(child, 20_000))) child.kill('SIGKILL');
    },
  };
}

/** Wall time of one command, the median of `times`. */
function command(args: string[], times = 5): number {
  const walls: number[] = [];
  for (let i = 0; i < times; i += 1) {
    const began = performance.now();
    const result = spawnSync(PLUGNDIAL[0], [...PLUGNDIAL.slice(1), ...args], {
      encoding: 'utf8',
      timeout: 120_000,
    });
    walls.push(performance.now() - began);
    if (result.status !== 0) throw new Error(`plugndial ${args.join(' ')}: ${result.stderr}`);
  }
  walls.sort((a, b) => a - b);
  return walls[Math.floor(walls.length / 2)]!;
}

function macOf(i: number): string {
  return `0021f2${i.toString(16).padStart(6, '0')}`;
}

interface Figures {
  firstStartMs: number;
  firstStartRssMb: number;
  firstStartPeakMb: number;
  restartEmptyMs: number;
  idleEmptyRssMb: number;
  importMs: number;
  restartFullMs: number;
  /** 2 s after the start: the startup check's read of every device may still be in the heap. */
  startFullRssMb: number;
  /** Once V8 has collected what the start left (it does within about 10 s of quiet). */
  idleFullRssMb: number;
  fetchPeakMb: number;
  filesPerSecond: number;
  failures: number;
  commandWithServerMs: number;
  commandWithoutServerMs: number;
  databaseRssMb?: number;
}

async function measure(dir: string, store: string[], databaseRss?: () => number): Promise<Figures> {
  const first = await start(store);
  await sleep(500);
  const firstStatus = statusOf(first.pid);
  await first.stop();

  const empty = await start(store);
  await sleep(2000);
  const idleEmpty = statusOf(empty.pid).rssMb;

  // Phones of one family, each with its own account: every file differs.
  const csv = join(dir, 'fleet.csv');
  const rows = ['mac,vendor,accounts.1.user,accounts.1.password,accounts.1.registrar'];
  for (let i = 0; i < DEVICES; i += 1)
    rows.push(`${macOf(i)},flyingvoice,${1000 + i},pw-${i},pbx.example.com`);
  writeFileSync(csv, `${rows.join('\n')}\n`);
  const imported = performance.now();
  command(['device', 'import', csv, ...store], 1);
  const importMs = performance.now() - imported;
  await empty.stop();

  const full = await start(store);
  await sleep(2000);
  const startFull = statusOf(full.pid).rssMb;
  // The start checks every device in the background (the check report in the log), and the
  // garbage of that read stays in the old generation until V8's memory reducer runs, some
  // 8 s later; idle is after that.
  await sleep(10_000);
  const idleFull = statusOf(full.pid).rssMb;

  const script = join(dir, 'distinct.lua');
  writeFileSync(
    script,
    `local n = ${DEVICES}
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", string.format("/0021f2%06x.cfg", (i * 7919) % n))
end
`,
  );
  const load = await runWrk(`http://127.0.0.1:${full.port}`, {
    connections: 32,
    seconds: SECONDS,
    close: true,
    script,
  });
  const fetchPeak = statusOf(full.pid).hwmMb;
  const withServer = command(['device', 'show', macOf(7), ...store]);
  const databaseRssMb = databaseRss?.();
  await full.stop();
  const withoutServer = command(['device', 'show', macOf(7), ...store], 3);
  return {
    firstStartMs: first.startMs,
    firstStartRssMb: firstStatus.rssMb,
    firstStartPeakMb: firstStatus.hwmMb,
    restartEmptyMs: empty.startMs,
    idleEmptyRssMb: idleEmpty,
    importMs,
    restartFullMs: full.startMs,
    startFullRssMb: startFull,
    idleFullRssMb: idleFull,
    fetchPeakMb: fetchPeak,
    filesPerSecond: load.requestsPerSecond,
    failures: load.socketErrors + load.non2xx,
    commandWithServerMs: withServer,
    commandWithoutServerMs: withoutServer,
    ...(databaseRssMb !== undefined ? { databaseRssMb } : {}),
  };
}

function report(name: string, f: Figures, targets: boolean): void {
  const mark = (value: number, target: number, lowerIsBetter = true): string =>
    targets
      ? (lowerIsBetter ? value <= target : value >= target)
        ? '  ✓'
        : `  ✗ (target ${target})`
      : '';
  const ms = (value: number): string => `${value.toFixed(0)} ms`;
  const mb = (value: number): string => `${value.toFixed(0)} MB`;
  console.log(`\n${name}`);
  console.log(
    `  first start to healthy          ${ms(f.firstStartMs).padStart(9)}   RSS ${mb(f.firstStartRssMb)} (peak ${mb(f.firstStartPeakMb)})${mark(f.firstStartMs, TARGETS.firstStartMs)}`,
  );
  console.log(
    `  restart, 0 devices              ${ms(f.restartEmptyMs).padStart(9)}   idle RSS ${mb(f.idleEmptyRssMb)}`,
  );
  console.log(`  import of ${DEVICES} devices      ${ms(f.importMs).padStart(9)}`);
  console.log(
    `  restart, ${DEVICES} devices       ${ms(f.restartFullMs).padStart(9)}   RSS ${mb(f.startFullRssMb)} at 2 s, idle ${mb(f.idleFullRssMb)} at 12 s${mark(f.idleFullRssMb, TARGETS.idleRssMb)}`,
  );
  console.log(
    `  ${SECONDS} s of distinct devices' files   ${f.filesPerSecond.toFixed(0).padStart(6)} files/s   peak RSS ${mb(f.fetchPeakMb)}${mark(f.fetchPeakMb, TARGETS.peakRssMb)}${f.failures ? `   ${f.failures} FAILED` : ''}${mark(f.filesPerSecond, TARGETS.filesPerSecond, false)}`,
  );
  console.log(
    `  device show, server running     ${ms(f.commandWithServerMs).padStart(9)}${mark(f.commandWithServerMs, TARGETS.commandMs)}`,
  );
  console.log(
    `  device show, no server          ${ms(f.commandWithoutServerMs).padStart(9)}${mark(f.commandWithoutServerMs, TARGETS.commandMs)}`,
  );
  if (f.databaseRssMb !== undefined)
    console.log(`  PostgreSQL server's RSS         ${mb(f.databaseRssMb).padStart(9)}`);
}

/** The RSS of a PostgreSQL server: its postmaster and every process it started. */
function postgresRss(dataDir: string): number {
  const postmaster = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  let kb = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (Number(entry) !== postmaster && ppid !== postmaster) continue;
      kb += statusOf(Number(entry)).rssMb * 1024;
    } catch {
      // gone meanwhile
    }
  }
  return kb / 1024;
}

async function main(): Promise<void> {
  console.log(
    `plugndial footprint: ${DEVICES} devices, ${SECONDS} s of fetches; node ${process.version}, ${values.compiled ? 'the compiled build' : 'the sources through tsx'}`,
  );
  const dir = mkdtempSync(join(tmpdir(), 'plugndial-footprint-'));
  try {
    report('embedded (SQLite)', await measure(dir, ['--data-dir', join(dir, 'data')]), true);
    if (values['no-postgres']) return;
    const missing = await missingPostgresBinary();
    if (missing) {
      console.log(`\nPostgreSQL: skipped ("${missing}" is not on PATH)`);
      return;
    }
    const server = await startPostgres({ durable: true });
    try {
      const client = new pg.Client(server.url);
      await client.connect();
      await client.query('CREATE DATABASE footprint');
      await client.end();
      const url = server.url.replace(/\/postgres$/, '/footprint');
      report(
        'PostgreSQL',
        await measure(dir, ['--data-dir', join(dir, 'pg-node'), '--database', url], () =>
          postgresRss(server.dataDir),
        ),
        false,
      );
    } finally {
      await server.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
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

await main();
