/**
 * plugndial's HTTP door against nginx serving the same bytes: same run, same load tool (wrk),
 * one process each, keep-alive and one new connection per request (what phones do), plus the
 * in-process cost of a cold resolve+render.
 *
 *   node --import tsx bench/http.ts [--quick] [--compiled]
 *
 * --compiled serves from the build in dist/ with plain node (`npm run build` first), as
 * installed; without it, from the sources through tsx.
 *
 * Exits 0 whatever the ratios (a measurement, not a test); non-zero when a server does not
 * start or wrk sees socket errors or non-2xx answers from plugndial.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';

import { addDevices, type DeviceInput } from '../src/management/devices.ts';
import { openRuntime, type Runtime } from '../src/runtime.ts';
import { BIN, COMPILED_BIN, run, serve, type ServeProcess } from '../test/support/serve.ts';
import { isRunning, killAll, track, runBench } from './support/children.ts';
import { NGINX, startNginx, type NginxProcess } from './support/nginx.ts';
import { runWrk, type WrkResult } from './support/wrk.ts';

const QUICK = process.argv.includes('--quick');
const COMPILED = process.argv.includes('--compiled');
/** Full run stays under ~2 minutes, --quick under ~30 s (setup included). */
const PLAN = QUICK
  ? { rounds: 1, seconds: 2, warmupSeconds: 1, coldDevices: 500 }
  : { rounds: 3, seconds: 5, warmupSeconds: 2, coldDevices: 2000 };
/** Moderate, and the same for both servers; wrk always runs one thread. */
const CONNECTIONS = 32;
/** Devices answered first and not measured, so "cold" means cold data, not cold JIT. */
const JIT_WARMUP_DEVICES = 100;

const MAC = '00:21:F2:00:00:01';
const FILE = '0021f2000001.cfg';

type Server = 'nginx' | 'plugndial';
type Mode = 'keep-alive' | 'new connection';
const MODES: readonly Mode[] = ['keep-alive', 'new connection'];
const SERVERS: readonly Server[] = ['nginx', 'plugndial'];
/** Targets from the issue: plugndial req/s as a fraction of nginx's. */
const RPS_TARGET: Record<Mode, number> = { 'keep-alive': 0.4, 'new connection': 0.5 };
const COLD_MEDIAN_TARGET_MS = 1;

interface HttpResults {
  bytes: number;
  runs: Record<Mode, Record<Server, WrkResult[]>>;
  /** wrk's socket errors or non-2xx answers from plugndial: the run is not valid. */
  failures: string[];
  warnings: string[];
}

interface ColdResults {
  devices: number;
  coldMs: number[];
  warmMs: number[];
}

async function main(): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'plugndial-bench-'));
  // Also on SIGINT/SIGTERM, which end the process without running the finally below.
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  try {
    printSetup();
    const http = await measureHttp(dir);
    // After the servers are stopped, so nothing else competes for the two cores.
    const cold = await measureCold(join(dir, 'cold'), PLAN.coldDevices);
    printTable(http, cold);
    for (const warning of http.warnings) console.log(`warning: ${warning}`);
    for (const failure of http.failures) console.log(`FAILED: ${failure}`);
    return http.failures.length > 0 ? 1 : 0;
  } finally {
    killAll();
    rmSync(dir, { recursive: true, force: true });
  }
}

function printSetup(): void {
  const nginxVersion = spawnSync(NGINX, ['-v'], { encoding: 'utf8', timeout: 5000 }).stderr.trim();
  const wrkVersion = (
    spawnSync('wrk', ['-v'], { encoding: 'utf8', timeout: 5000 }).stdout.split('\n')[0] ?? ''
  ).trim();
  console.log(
    `plugndial HTTP bench${QUICK ? ' (--quick)' : ''}: node ${process.version}, ${cpus().length} CPUs, ${COMPILED ? 'compiled build (dist/)' : 'sources through tsx'}`,
  );
  console.log(`peer: ${nginxVersion}, worker_processes 1; load: ${wrkVersion.split(' [')[0]}`);
  console.log(
    `wrk -t1 -c${CONNECTIONS} -d${PLAN.seconds}s --latency [-H 'Connection: close'], ` +
      `${PLAN.rounds} round(s) alternating nginx/plugndial, medians reported\n`,
  );
}

async function measureHttp(dir: string): Promise<HttpResults> {
  const dataDir = join(dir, 'data');
  let server: ServeProcess | undefined;
  let nginx: NginxProcess | undefined;
  try {
    server = await serve(
      ['--data-dir', dataDir, '--http', '127.0.0.1:0', '--tftp', 'off', '--sip', 'off'],
      90_000,
      COMPILED ? COMPILED_BIN : BIN,
    );
    track(server.child);
    const port = server.ports.http;
    if (port === undefined)
      throw new Error(`plugndial did not say where its http door listens:\n${server.log()}`);
    // The server is running, so the CLI goes through its admin API.
    const added = run([
      'device',
      'add',
      MAC,
      '--vendor',
      'flyingvoice',
      '--set',
      'accounts.1.user=1001',
      '--set',
      'accounts.1.password=s3cret',
      '--set',
      'accounts.1.registrar=pbx.example.com',
      '--data-dir',
      dataDir,
    ]);
    if (added.code !== 0)
      throw new Error(`device add failed (${added.code}):\n${added.out}${added.err}`);

    const plugndialUrl = `http://127.0.0.1:${port}/${FILE}`;
    // The first request renders and fills the cache; the second is what wrk will get.
    await fetchBytes(plugndialUrl);
    const bytes = await fetchBytes(plugndialUrl);
    nginx = await startNginx(join(dir, 'nginx'), { [FILE]: bytes });
    const nginxUrl = `http://127.0.0.1:${nginx.port}/${FILE}`;
    if (!(await fetchBytes(nginxUrl)).equals(bytes))
      throw new Error('nginx does not serve the bytes plugndial serves');
    console.log(`${FILE}: ${bytes.length} bytes, identical from both servers`);

    const urls: Record<Server, string> = { nginx: nginxUrl, plugndial: plugndialUrl };
    // Not recorded: lets Node's JIT and both servers' caches settle.
    for (const name of SERVERS) {
      await runWrk(urls[name], {
        connections: CONNECTIONS,
        seconds: PLAN.warmupSeconds,
        close: false,
      });
    }

    const runs: HttpResults['runs'] = {
      'keep-alive': { nginx: [], plugndial: [] },
      'new connection': { nginx: [], plugndial: [] },
    };
    const failures: string[] = [];
    const warnings: string[] = [];
    for (let round = 1; round <= PLAN.rounds; round++) {
      for (const mode of MODES) {
        for (const name of SERVERS) {
          const result = await runWrk(urls[name], {
            connections: CONNECTIONS,
            seconds: PLAN.seconds,
            close: mode === 'new connection',
          });
          runs[mode][name].push(result);
          console.log(
            `round ${round}  ${mode.padEnd(14)}  ${name.padEnd(9)}  ${fmtInt(result.requestsPerSecond).padStart(7)} req/s` +
              `  p99 ${fmtMs(result.p99Ms).padStart(9)}  (${result.requests} requests)`,
          );
          if (result.socketErrors > 0 || result.non2xx > 0) {
            const what = `${name}, ${mode}, round ${round}: ${result.socketErrors} socket errors, ${result.non2xx} non-2xx`;
            (name === 'plugndial' ? failures : warnings).push(what);
          }
          if (server.child.exitCode !== null || server.child.signalCode !== null) {
            throw new Error(`plugndial exited during the run:\n${server.log()}`);
          }
        }
      }
    }
    console.log('');
    return { bytes: bytes.length, runs, failures, warnings };
  } finally {
    await nginx?.stop();
    if (server && isRunning(server.child)) await server.stop();
  }
}

async function fetchBytes(url: string): Promise<Buffer> {
  const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  const body = Buffer.from(await response.arrayBuffer());
  if (response.status !== 200) throw new Error(`GET ${url} answered ${response.status}`);
  return body;
}

/**
 * The pipeline in-process, no HTTP: every device's first request reads the device from the
 * store, resolves and renders; its second comes from the caches.
 */
async function measureCold(dataDir: string, count: number): Promise<ColdResults> {
  const runtime = await openRuntime({ dataDir });
  try {
    const inputs: DeviceInput[] = [];
    for (let i = 0; i < JIT_WARMUP_DEVICES + count; i++) {
      inputs.push({
        mac: `00:21:f2:10:${hex2(i >> 8)}:${hex2(i & 0xff)}`,
        vendor: 'flyingvoice',
        settings: {
          'accounts.1.user': String(1000 + i),
          'accounts.1.password': 's3cret',
          'accounts.1.registrar': 'pbx.example.com',
        },
      });
    }
    // One insert, one generation: no cache is emptied between the passes below.
    const devices = await addDevices(runtime.store, inputs, new Date());
    const macs = devices.map((d) => d.mac);
    for (const mac of macs.slice(0, JIT_WARMUP_DEVICES)) await timeAnswer(runtime, mac);
    const measured = macs.slice(JIT_WARMUP_DEVICES);
    const coldMs: number[] = [];
    for (const mac of measured) coldMs.push(await timeAnswer(runtime, mac));
    const warmMs: number[] = [];
    for (const mac of measured) warmMs.push(await timeAnswer(runtime, mac));
    return { devices: measured.length, coldMs, warmMs };
  } finally {
    await runtime.close();
  }
}

/** One request as the HTTP door makes it, including recording its event (done). */
async function timeAnswer(runtime: Runtime, mac: string): Promise<number> {
  const started = performance.now();
  const answer = await runtime.pipeline.answer({
    transport: 'http',
    rawPath: `/${mac}.cfg`,
    query: '',
    remoteAddress: '127.0.0.1',
    origin: 'http://127.0.0.1',
  });
  answer.done({ status: 200, bytes: answer.size });
  const elapsed = performance.now() - started;
  if (answer.status !== 200) throw new Error(`/${mac}.cfg answered ${answer.status} in-process`);
  return elapsed;
}

function printTable(http: HttpResults, cold: ColdResults): void {
  const rows: string[][] = [['measurement', 'nginx', 'plugndial', 'ratio', 'target', 'result']];
  for (const mode of MODES) {
    const nginxRps = median(http.runs[mode].nginx.map((r) => r.requestsPerSecond));
    const ourRps = median(http.runs[mode].plugndial.map((r) => r.requestsPerSecond));
    const rpsRatio = ourRps / nginxRps;
    const target = RPS_TARGET[mode];
    rows.push([
      `req/s, ${mode}`,
      fmtInt(nginxRps),
      fmtInt(ourRps),
      `${rpsRatio.toFixed(2)}x`,
      `>= ${target.toFixed(1)}x`,
      rpsRatio >= target ? 'PASS' : 'BELOW',
    ]);
    const nginxP99 = median(http.runs[mode].nginx.map((r) => r.p99Ms));
    const ourP99 = median(http.runs[mode].plugndial.map((r) => r.p99Ms));
    rows.push([
      `p99 latency, ${mode} *`,
      fmtMs(nginxP99),
      fmtMs(ourP99),
      `${(nginxP99 / ourP99).toFixed(2)}x`,
      '-',
      '-',
    ]);
  }
  const coldMedian = median(cold.coldMs);
  rows.push([
    `cold resolve+render, median`,
    '-',
    fmtMs(coldMedian),
    '-',
    `<= ${fmtMs(COLD_MEDIAN_TARGET_MS)}`,
    coldMedian <= COLD_MEDIAN_TARGET_MS ? 'PASS' : 'BELOW',
  ]);
  rows.push(['cold resolve+render, p99', '-', fmtMs(percentile(cold.coldMs, 99)), '-', '-', '-']);
  rows.push(['warm (cached), median', '-', fmtMs(median(cold.warmMs)), '-', '-', '-']);

  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((row) => row[c]!.length)));
  for (const [i, row] of rows.entries()) {
    console.log(
      row
        .map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!)))
        .join('  '),
    );
    if (i === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  }
  console.log('');
  console.log(
    'ratio: req/s is plugndial/nginx; * p99 is nginx/plugndial. Higher is better for both.',
  );
  console.log(
    `HTTP: ${http.bytes}-byte cfg, warm cache, medians of ${PLAN.rounds} run(s) of ${PLAN.seconds} s per server and mode.`,
  );
  console.log(
    `cold/warm: in-process pipeline.answer() + done(), ${cold.devices} devices (after ${JIT_WARMUP_DEVICES} unmeasured), embedded store.`,
  );
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Nearest-rank percentile. */
function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function fmtInt(n: number): string {
  return Math.round(n).toString();
}

function fmtMs(ms: number): string {
  return ms < 1 ? `${(ms * 1000).toFixed(0)} us` : `${ms.toFixed(2)} ms`;
}

function hex2(n: number): string {
  return n.toString(16).padStart(2, '0');
}

runBench(main);
