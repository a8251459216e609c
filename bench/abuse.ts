/**
 * The doors under abuse. The compiled server with every door on loopback; per door (HTTP,
 * HTTPS after its TLS handshake, FTP, ACS) a crowd of slow clients trickling a request one
 * byte every few seconds, each reconnecting when cut, plus half-finished TFTP transfers
 * (a read request, then no ACK or the first block's only). While they are held, a phone
 * fetches its configuration over each door again and again: its latency is printed against
 * its latency on the same server idle, with what became of the abusive connections, the
 * server's peak RSS and open files, and the limits in force. Then a 2 GiB Content-Length on
 * each HTTP door: how soon it is refused and how much of the body the server took.
 *
 *   npm run build && node --import tsx bench/abuse.ts [--quick] [--json] [--sources]
 *
 * Full: 2,000 slow connections per door and 1,000 TFTP transfers at the default limits, once
 * from 2,000 addresses in 127.0.0.0/8 and once from one address, 60 s each. --quick (CI): 200
 * per door and 100 TFTP transfers, from 50 addresses and from one, 12 s each, at limits
 * scaled down so that every one of them is reached. --json prints one line `RESULT {…}` at
 * the end; --sources runs the server from the sources through tsx (test/interop/abuse.test.ts)
 * instead of the build in dist/.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { BIN, COMPILED_BIN, logRecords, serve, type ServeProcess } from '../test/support/serve.ts';
import {
  HalfTransfers,
  hugeBody,
  SlowCrowd,
  sourceAddresses,
  type CrowdCounts,
  type HugeBodyResult,
  type TftpCounts,
} from './support/abusers.ts';
import {
  CPE,
  DOORS,
  PHONE,
  type Door,
  type PhoneRun,
  type PhoneSamples,
} from './support/abuse-phone.ts';
import { track, runBench } from './support/children.ts';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean' },
    json: { type: 'boolean' },
    sources: { type: 'boolean' },
  },
});
const QUICK = values.quick === true;
/** The server from the sources through tsx (the CI test: no build step), else the build. */
const SERVER_BIN = values.sources ? BIN : COMPILED_BIN;
const PHONE_SCRIPT = fileURLToPath(new URL('support/abuse-phone.ts', import.meta.url));
const SLOW = QUICK ? 200 : 2000;
const TFTP_HALF = QUICK ? 100 : 1000;
const HOLD_S = QUICK ? 12 : 60;
const BYTE_EVERY_MS = QUICK ? 1000 : 3000;
const IDLE_SAMPLES = 15;

/** Scaled down for --quick so that the caps and deadlines are all met by 200 clients. */
const TIGHT_LIMITS = {
  'http-connections': '128',
  'http-connections-per-address': '8',
  'http-header-timeout': '5',
  'ftp-sessions': '64',
  'ftp-sessions-per-address': '4',
  'ftp-line-timeout': '5',
  'ftp-login-timeout': '5',
  'tftp-transfers': '64',
  'tftp-transfers-per-address': '4',
};
const DEFAULT_LIMITS = {
  'http-connections': '2048',
  'http-connections-per-address': '256',
  'http-header-timeout': '20',
  'ftp-sessions': '256',
  'ftp-sessions-per-address': '8',
  'ftp-line-timeout': '30',
  'ftp-login-timeout': '30',
  'tftp-transfers': '512',
  'tftp-transfers-per-address': '16',
};

export interface AbuseRun {
  name: string;
  addresses: number;
  limits: Record<string, string>;
  idle: Record<Door, PhoneSamples>;
  abused: Record<Door, PhoneSamples>;
  crowds: Record<Exclude<Door, 'tftp'>, CrowdCounts>;
  tftp: TftpCounts;
  /** How long the crowds took to open, before the hold began. */
  openedInS: number;
  server: { peakRssMb: number; peakFds: number; idleFds: number };
  limitsReached: string[];
}

export interface AbuseResult {
  runs: AbuseRun[];
  hugeBody: Record<'http' | 'https' | 'acs', HugeBodyResult>;
}

async function startServer(dir: string, limits: Record<string, string>): Promise<ServeProcess> {
  const doors = DOORS.flatMap((door) => [`--${door}`, '127.0.0.1:0']);
  const flags = Object.entries(limits).flatMap(([name, value]) => [`--${name}`, value]);
  const server = await serve(
    ['--data-dir', dir, ...doors, '--sip', 'off', ...flags],
    90_000,
    SERVER_BIN,
  );
  track(server.child);
  for (const args of [
    ['device', 'add', PHONE, '--vendor', 'flyingvoice'],
    ['device', 'add', CPE, '--vendor', 'fanvil', '--model', 'X4'],
  ]) {
    const added = spawnSync(SERVER_BIN, [...args, '--data-dir', dir], { encoding: 'utf8' });
    if (added.status !== 0) throw new Error(`${args.join(' ')}: ${added.stderr}`);
  }
  return server;
}

/** The phone in its own process (bench/support/abuse-phone.ts): its samples per door. */
function phone(
  server: ServeProcess,
  run: Omit<PhoneRun, 'ports' | 'certificate'>,
): Promise<Record<Door, PhoneSamples>> {
  const certificate = logRecords(server.log()).find(
    (record) => record['msg'] === 'self-signed TLS certificate created',
  )?.['file'];
  if (typeof certificate !== 'string') throw new Error('no self-signed certificate was made');
  const config: PhoneRun = { ports: server.ports, certificate, ...run };
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', PHONE_SCRIPT, JSON.stringify(config)],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    track(child);
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.once('exit', (code) => {
      if (code === 0) resolve(JSON.parse(out) as Record<Door, PhoneSamples>);
      else reject(new Error(`the phone exited with ${code}`));
    });
  });
}

function serverFacts(pid: number): { rssMb: number; fds: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const hwm = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return { rssMb: hwm / 1024, fds: readdirSync(`/proc/${pid}/fd`).length };
}

/** The limit-reached events the server recorded, as "door --limit" with how many. */
function limitsReached(dir: string): string[] {
  const shown = spawnSync(
    SERVER_BIN,
    ['events', '--security', '--json', '--limit', '10000', '--data-dir', dir],
    { encoding: 'utf8', timeout: 60_000 },
  );
  if (shown.status !== 0) throw new Error(`events --security: ${shown.stderr}`);
  const tally = new Map<string, number>();
  for (const event of JSON.parse(shown.stdout) as { kind: string; detail?: string }[]) {
    if (event.kind !== 'limit-reached') continue;
    const which = /^(\w+ --[\w-]+)/.exec(event.detail ?? '')?.[1] ?? '?';
    tally.set(which, (tally.get(which) ?? 0) + 1);
  }
  return [...tally].map(([which, n]) => `${which} ×${n}`).sort();
}

async function abuseRun(
  name: string,
  addresses: string[],
  limits: Record<string, string>,
): Promise<AbuseRun> {
  const dir = mkdtempSync(join(tmpdir(), 'plugndial-abuse-'));
  let server: ServeProcess | undefined;
  try {
    server = await startServer(dir, limits);
    const pid = server.child.pid!;
    const idle = await phone(server, { samples: IDLE_SAMPLES });
    const idleFds = serverFacts(pid).fds;

    // The hold starts once every crowd is open: opening 2,000 TLS connections takes a while.
    let until = Infinity;
    const crowd = (port: number, text: string, filler: string, tls = false): SlowCrowd =>
      new SlowCrowd({
        port,
        tls,
        text,
        filler,
        addresses,
        count: SLOW,
        byteEveryMs: BYTE_EVERY_MS,
        until: () => until,
      });
    const ports = server.ports;
    const crowds = {
      http: crowd(ports['http']!, `GET /${PHONE}.cfg HTTP/1.1\r\nHost: x\r\nX-Slow: `, 'a'),
      https: crowd(ports['https']!, `GET /${PHONE}.cfg HTTP/1.1\r\nHost: x\r\nX-Slow: `, 'a', true),
      ftp: crowd(ports['ftp']!, 'USER anonymous', 'a'),
      acs: crowd(ports['acs']!, 'POST / HTTP/1.1\r\nHost: x\r\nX-Slow: ', 'a'),
    };
    const tftp = new HalfTransfers({
      port: ports['tftp']!,
      file: `${PHONE}.cfg`,
      addresses,
      count: TFTP_HALF,
      until: () => until,
      quietMs: 3000,
    });
    let peakFds = 0;
    let openedInS = 0;
    const watch = setInterval(() => (peakFds = Math.max(peakFds, serverFacts(pid).fds)), 500);
    let abused: Record<Door, PhoneSamples> | undefined;
    try {
      const opening = performance.now();
      await Promise.all([...Object.values(crowds).map((c) => c.start()), tftp.start()]);
      openedInS = (performance.now() - opening) / 1000;
      until = Date.now() + HOLD_S * 1000;
      // The phone on every door at once, again and again while the crowds are held.
      abused = await phone(server, { until: until - 1000 });
    } finally {
      clearInterval(watch);
      for (const c of Object.values(crowds)) c.stop();
      tftp.stop();
    }
    const facts = serverFacts(pid);
    return {
      name,
      addresses: new Set(addresses).size,
      limits,
      idle,
      abused: abused!,
      crowds: {
        http: crowds.http.counts,
        https: crowds.https.counts,
        ftp: crowds.ftp.counts,
        acs: crowds.acs.counts,
      },
      tftp: tftp.counts,
      openedInS,
      server: { peakRssMb: facts.rssMb, peakFds: Math.max(peakFds, facts.fds), idleFds },
      limitsReached: limitsReached(dir),
    };
  } finally {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function hugeBodies(): Promise<AbuseResult['hugeBody']> {
  const dir = mkdtempSync(join(tmpdir(), 'plugndial-abuse-'));
  const server = await startServer(dir, {});
  try {
    const head = (method: string, path: string): string =>
      `${method} ${path} HTTP/1.1\r\nHost: x\r\nContent-Length: 2147483648\r\n\r\n`;
    const cap = 256 * 1024 * 1024;
    return {
      http: await hugeBody(server.ports['http']!, head('POST', `/${PHONE}.cfg`), { cap }),
      https: await hugeBody(server.ports['https']!, head('POST', `/${PHONE}.cfg`), {
        cap,
        tls: true,
      }),
      acs: await hugeBody(server.ports['acs']!, head('POST', '/'), { cap }),
    };
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

function median(values: number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
}

function report(run: AbuseRun): void {
  console.log(
    `\n${run.name}: ${run.addresses} source address(es); the crowds open in ${run.openedInS.toFixed(1)} s, then held ${HOLD_S} s`,
  );
  console.log(
    `limits: ${Object.entries(run.limits)
      .map(([k, v]) => `--${k} ${v}`)
      .join(' ')}`,
  );
  console.log('door   idle median  abused median  p95      ratio  fetches  retried  failed');
  for (const door of DOORS) {
    const idle = median(run.idle[door].ms);
    const abused = run.abused[door];
    console.log(
      `${door.padEnd(6)} ${idle.toFixed(1).padStart(8)} ms ${median(abused.ms).toFixed(1).padStart(10)} ms ${percentile(abused.ms, 0.95).toFixed(0).padStart(6)} ms ${(median(abused.ms) / idle).toFixed(2).padStart(6)} ${String(abused.ms.length).padStart(8)} ${String(abused.retried).padStart(8)} ${String(abused.failed).padStart(7)}`,
    );
  }
  console.log(
    'slow   opened  refused(<1s)  cut  first cut  hold median/p95/max  peak held  never connected (TLS: cut in the handshake)',
  );
  for (const [door, c] of Object.entries(run.crowds)) {
    console.log(
      `${door.padEnd(6)} ${String(c.opened).padStart(6)} ${String(c.refused).padStart(13)} ${String(c.cut).padStart(4)} ${(c.firstCutS === undefined ? '-' : `${c.firstCutS.toFixed(1)} s`).padStart(10)} ${`${(median(c.holdsMs) / 1000).toFixed(1)}/${(percentile(c.holdsMs, 0.95) / 1000).toFixed(1)}/${(Math.max(0, ...c.holdsMs) / 1000).toFixed(1)} s`.padStart(19)} ${String(c.peak).padStart(10)} ${String(c.failed).padStart(16)}`,
    );
  }
  const t = run.tftp;
  console.log(
    `tftp   ${t.requests} read requests: ${t.answered} given a slot, ${t.refused} refused, ${t.retransmits} blocks sent again`,
  );
  console.log(
    `server: peak RSS (VmHWM) ${run.server.peakRssMb.toFixed(0)} MB, open files ${run.server.idleFds} idle, ${run.server.peakFds} at most`,
  );
  console.log(`limit-reached events: ${run.limitsReached.join(', ') || 'none'}`);
}

async function main(): Promise<number> {
  console.log(
    `plugndial doors under abuse${QUICK ? ' (--quick)' : ''}: ${SLOW} slow connections per door (a byte every ${BYTE_EVERY_MS / 1000} s), ${TFTP_HALF} half-finished TFTP transfers; node ${process.version}, ${values.sources ? 'the sources' : 'the compiled build'}`,
  );
  const runs: AbuseRun[] = [];
  if (QUICK) {
    runs.push(await abuseRun('from many addresses', sourceAddresses(50), TIGHT_LIMITS));
    runs.push(await abuseRun('from one address', sourceAddresses(1), TIGHT_LIMITS));
  } else {
    runs.push(await abuseRun('from many addresses', sourceAddresses(SLOW), DEFAULT_LIMITS));
    runs.push(await abuseRun('from one address', sourceAddresses(1), DEFAULT_LIMITS));
  }
  runs.forEach(report);
  const huge = await hugeBodies();
  console.log('\n2 GiB Content-Length (POST), body written as fast as the server takes it:');
  for (const [door, r] of Object.entries(huge)) {
    console.log(
      `${door.padEnd(6)} ${r.status ?? 'no answer'} after ${r.answeredMs?.toFixed(1) ?? '-'} ms; ${(r.written / 1024 / 1024).toFixed(1)} MiB written before ${r.closed ? 'the close' : 'giving up (not closed)'}`,
    );
  }
  if (values.json)
    console.log(`RESULT ${JSON.stringify({ runs, hugeBody: huge } satisfies AbuseResult)}`);
  return 0;
}

runBench(main);
