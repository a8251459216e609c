/**
 * plugndial's TFTP door against tftpd-hpa (in.tftpd) serving the same bytes, measured in the
 * same run with the same load client (tftpGet, in a process of its own):
 *   (a) a 16 MiB image at blksize 1468, lock-step, and with windowsize 16 (tftpd-hpa has no
 *       windowsize: compared with its lock-step),
 *   (b) a 2.5 KiB config, 200 clients at once, 10,000 transfers, as the phones of seed 001
 *       ask (tsize=0, blksize=512),
 *   (c) the door's peak RSS (it runs in a process of its own).
 *
 *   node --import tsx bench/tftp.ts [--quick] [--compiled]
 *
 * --compiled runs the door from the build in dist/ (`npm run build` first).
 *
 * Prints ratios (plugndial / tftpd-hpa). Exits non-zero when a server does not start or a
 * transfer fails; ratios below target are reported, not failed (a measurement, not a test).
 */
import { fork, spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';

import { tftpGet } from '../src/simulate/tftp-client.ts';
import type { TftpDoorStats } from '../src/transports/tftp/server.ts';
import { exited, killAll, track, runBench } from './support/children.ts';
import type { LoadResult } from './tftp-load.ts';

const QUICK = process.argv.includes('--quick');
const COMPILED = process.argv.includes('--compiled');
/** Full run ~2 minutes, --quick ~30 s. */
const PLAN = QUICK
  ? { imageRounds: 3, configTotal: 2000, configRounds: 1 }
  : { imageRounds: 7, configTotal: 10_000, configRounds: 3 };
const IMAGE = 'firmware.rom';
const IMAGE_SIZE = 16 * 1024 * 1024;
const CONFIG = 'y000000000000.cfg';
const CONFIG_SIZE = 2560;
const CONCURRENCY = 200;
const TARGET = { lockStep: 1, windowed: 2, configs: 2 };

type Server = 'tftpd-hpa' | 'plugndial';

interface Load {
  file: string;
  concurrency: number;
  total: number;
  warmup: number;
  blksize: number;
  windowsize?: number;
  tsize: boolean;
}

interface DoorProcess {
  child: ChildProcess;
  port: number;
  request(): Promise<{ stats: TftpDoorStats; rss: number; maxRss: number }>;
}

const failures: string[] = [];

async function main(): Promise<number> {
  if (spawnSync('sh', ['-c', 'command -v in.tftpd']).status !== 0) {
    console.error('in.tftpd is not installed: apt-get install -y tftpd-hpa');
    return 2;
  }
  if (process.getuid?.() !== 0) {
    console.error('run as root: in.tftpd -s chroots into the served directory');
    return 2;
  }
  const startLoad = loadavg()[0] ?? 0;
  const dir = mkdtempSync(join(tmpdir(), 'plugndial-tftp-bench-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  try {
    writeServed(dir);
    const hpaPort = await startTftpdHpa(dir);
    const door = await startDoor(dir);
    const idle = await door.request();
    const ports: Record<Server, number> = { 'tftpd-hpa': hpaPort, plugndial: door.port };
    printSetup();

    const image = (windowsize?: number): Load => ({
      file: IMAGE,
      concurrency: 1,
      total: 2,
      warmup: 1,
      blksize: 1468,
      tsize: true,
      ...(windowsize !== undefined ? { windowsize } : {}),
    });
    const configs = (total: number): Load => ({
      file: CONFIG,
      concurrency: CONCURRENCY,
      total,
      warmup: 0,
      blksize: 512,
      tsize: true,
    });

    // Warm-up, not measured: page cache for tftpd-hpa, JIT for both clients and the door.
    for (const server of ['tftpd-hpa', 'plugndial'] as const) {
      await runLoad(dir, ports[server], image(server === 'plugndial' ? 16 : undefined));
      await runLoad(dir, ports[server], image());
      await runLoad(dir, ports[server], configs(1000));
    }

    const lockStep: Record<Server, number[]> = { 'tftpd-hpa': [], plugndial: [] };
    const windowed: number[] = [];
    for (let round = 0; round < PLAN.imageRounds; round += 1) {
      // Alternate who goes first: a noisy neighbour then hurts both alike.
      const order: Server[] =
        round % 2 === 0 ? ['tftpd-hpa', 'plugndial'] : ['plugndial', 'tftpd-hpa'];
      for (const server of order)
        lockStep[server].push(throughput(await runLoad(dir, ports[server], image())));
      windowed.push(throughput(await runLoad(dir, door.port, image(16))));
    }
    const perSecond: Record<Server, number[]> = { 'tftpd-hpa': [], plugndial: [] };
    for (let round = 0; round < PLAN.configRounds; round += 1) {
      const order: Server[] =
        round % 2 === 0 ? ['tftpd-hpa', 'plugndial'] : ['plugndial', 'tftpd-hpa'];
      for (const server of order) {
        const result = await runLoad(dir, ports[server], configs(PLAN.configTotal));
        perSecond[server].push((result.transfers * 1000) / result.ms);
      }
    }
    const peak = await door.request();
    door.child.send('stop');
    await exited(door.child, 5000);

    // Only the load before the run says anything of other work: during it, tftpd-hpa's
    // process per transfer (200 at once) lifts the load average by itself.
    if (startLoad > 1.5) {
      console.log(
        `warning: load average ${startLoad.toFixed(1)} on ${cpus().length} CPUs before the run: other work skews these numbers`,
      );
    }
    printTable({
      lockStep,
      windowed,
      perSecond,
      idleRss: idle.rss,
      maxRss: peak.maxRss,
      stats: peak.stats,
    });
    for (const failure of failures) console.log(`FAILED: ${failure}`);
    return failures.length > 0 ? 1 : 0;
  } finally {
    killAll();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The same bytes for both servers: a firmware-like image and a config file of seed 001's shape. */
function writeServed(dir: string): void {
  const image = Buffer.allocUnsafe(IMAGE_SIZE);
  let x = 2463534242;
  for (let at = 0; at < IMAGE_SIZE; at += 4) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    image.writeUInt32LE(x >>> 0, at);
  }
  const line =
    '#!version:1.0.0.1\nlocal_time.time_zone=+8\nlocal_time.ntp_server1=cn.pool.ntp.org\n';
  const config = Buffer.from(
    line.repeat(Math.ceil(CONFIG_SIZE / line.length)).slice(0, CONFIG_SIZE),
  );
  for (const [name, bytes] of [
    [IMAGE, image],
    [CONFIG, config],
  ] as const) {
    writeFileSync(join(dir, name), bytes);
    // tftpd-hpa serves only world-readable files.
    chmodSync(join(dir, name), 0o644);
  }
  chmodSync(dir, 0o755);
}

async function freePort(): Promise<number> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

async function startTftpdHpa(dir: string): Promise<number> {
  const port = await freePort();
  const child = spawn('in.tftpd', ['-L', '-a', `127.0.0.1:${port}`, '-u', 'root', '-s', dir], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  track(child);
  await waitServing(port, 'tftpd-hpa');
  return port;
}

function startDoor(dir: string): Promise<DoorProcess> {
  const args = COMPILED ? [dir, '--compiled'] : [dir];
  const child = fork(join(import.meta.dirname, 'tftp-door.ts'), args, {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  track(child);
  const replies: Array<(message: unknown) => void> = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error('the TFTP door did not start in 20 s')),
      20_000,
    );
    child.once('exit', (code) => reject(new Error(`the TFTP door exited (${code})`)));
    child.on('message', (message: unknown) => {
      const port = (message as { port?: number }).port;
      if (port === undefined) {
        replies.shift()?.(message);
        return;
      }
      clearTimeout(timer);
      resolve({
        child,
        port,
        request: () =>
          new Promise((answer) => {
            replies.push(answer as (message: unknown) => void);
            child.send('stats');
          }),
      });
    });
  });
}

async function waitServing(port: number, name: string): Promise<void> {
  try {
    await tftpGet(
      { host: '127.0.0.1', port, path: CONFIG },
      { timeoutMs: 200, retries: 25, dallyMs: 0 },
    );
  } catch (error) {
    throw new Error(`${name} does not serve on port ${port}: ${String(error)}`);
  }
}

function runLoad(dir: string, port: number, load: Load): Promise<LoadResult> {
  const args = [
    '--import',
    'tsx',
    join(import.meta.dirname, 'tftp-load.ts'),
    '--port',
    String(port),
    '--file',
    load.file,
    '--expect',
    join(dir, load.file),
    '--concurrency',
    String(load.concurrency),
    '--total',
    String(load.total),
    '--warmup',
    String(load.warmup),
    '--blksize',
    String(load.blksize),
    ...(load.windowsize !== undefined ? ['--windowsize', String(load.windowsize)] : []),
    ...(load.tsize ? ['--tsize'] : []),
  ];
  const run = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 120_000 });
  const line = run.stdout.trim().split('\n').at(-1) ?? '';
  let result: LoadResult;
  try {
    result = JSON.parse(line) as LoadResult;
  } catch {
    failures.push(`load client on port ${port} printed no result: ${run.stderr.slice(0, 500)}`);
    return Promise.resolve({
      transfers: 0,
      failures: load.total,
      firstError: 'no result',
      bytes: 0,
      ms: 1,
    });
  }
  if (result.failures > 0) {
    failures.push(
      `${result.failures} of ${result.transfers} transfers of ${load.file} failed on port ${port}: ${result.firstError}`,
    );
  }
  return Promise.resolve(result);
}

function throughput(result: LoadResult): number {
  return result.bytes / 1024 / 1024 / (result.ms / 1000);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

function printSetup(): void {
  const version = spawnSync('in.tftpd', ['-V'], { encoding: 'utf8', timeout: 5000 });
  const hpa = `${version.stdout}${version.stderr}`.split('\n')[0]?.trim() ?? 'tftpd-hpa';
  console.log(`TFTP door vs ${hpa} (in.tftpd -L, a process per transfer)`);
  console.log(
    `node ${process.version}, ${cpus().length} CPUs; load client: tftpGet in its own process; door: ${COMPILED ? 'compiled build (dist/)' : 'sources through tsx'}${QUICK ? '; --quick' : ''}`,
  );
  console.log(
    `(a) ${IMAGE_SIZE / 1024 / 1024} MiB image, blksize 1468, tsize, one at a time, median of ${PLAN.imageRounds}` +
      `; (b) ${CONFIG_SIZE} B config, tsize + blksize 512, ${CONCURRENCY} at once, ${PLAN.configTotal} transfers, median of ${PLAN.configRounds}`,
  );
  console.log('');
}

interface Results {
  lockStep: Record<Server, number[]>;
  windowed: number[];
  perSecond: Record<Server, number[]>;
  idleRss: number;
  maxRss: number;
  stats: TftpDoorStats;
}

function printTable(results: Results): void {
  const rows: Array<[string, number, number, number]> = [];
  const hpaImage = median(results.lockStep['tftpd-hpa']);
  rows.push([
    '(a) 16 MiB, lock-step            MiB/s',
    hpaImage,
    median(results.lockStep.plugndial),
    TARGET.lockStep,
  ]);
  rows.push([
    '(a) 16 MiB, windowsize 16 (hpa 1) MiB/s',
    hpaImage,
    median(results.windowed),
    TARGET.windowed,
  ]);
  rows.push([
    `(b) ${CONFIG_SIZE} B config x${CONCURRENCY}   transfers/s`,
    median(results.perSecond['tftpd-hpa']),
    median(results.perSecond.plugndial),
    TARGET.configs,
  ]);
  const pad = (text: string, width: number): string => text.padStart(width);
  console.log(
    `${'scenario'.padEnd(40)}${pad('tftpd-hpa', 11)}${pad('plugndial', 11)}${pad('ratio', 8)}${pad('target', 9)}`,
  );
  for (const [name, hpa, ours, target] of rows) {
    const ratio = ours / hpa;
    const mark = ratio >= target ? '' : '  below target';
    console.log(
      `${name.padEnd(40)}${pad(hpa.toFixed(1), 11)}${pad(ours.toFixed(1), 11)}${pad(`${ratio.toFixed(2)}x`, 8)}${pad(`>= ${target}x`, 9)}${mark}`,
    );
  }
  const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;
  console.log(
    `(c) door RSS: peak ${mib(results.maxRss)} over the whole run, ${mib(results.idleRss)} at start` +
      ' (node + tsx, and the 16 MiB image its fake store keeps in memory)',
  );
  const s = results.stats;
  console.log(
    `door: ${s.delivered} delivered, ${s.failed} failed, ${s.retransmissions} retransmissions, ${s.refused} refused`,
  );
  console.log(
    `runs  lock-step MiB/s hpa [${results.lockStep['tftpd-hpa'].map((v) => v.toFixed(0)).join(' ')}]` +
      ` ours [${results.lockStep.plugndial.map((v) => v.toFixed(0)).join(' ')}]` +
      ` ws16 [${results.windowed.map((v) => v.toFixed(0)).join(' ')}]`,
  );
  console.log(
    `runs  configs/s hpa [${results.perSecond['tftpd-hpa'].map((v) => v.toFixed(0)).join(' ')}]` +
      ` ours [${results.perSecond.plugndial.map((v) => v.toFixed(0)).join(' ')}]`,
  );
}

runBench(main);
