/**
 * A boot storm: the morning after a power cut, when every phone of a site boots at once.
 * N emulated phones of a mixed fleet (the phone scripts `plugndial simulate` plays), each
 * taking its discovery answer (the DHCP options `plugndial dhcp` gives its vendor, read the
 * way that vendor reads them) and then its whole boot sequence — every file, in its own
 * order and over its own door — at most C phones at once, against one freshly started
 * server from the compiled build, the fleet imported first.
 *
 *   npm run build && node --import tsx bench/storm.ts [--phones 10000] [--concurrency 128] [--quick] [--no-nginx] [--no-tftp]
 *
 * Three storms, each on a freshly started server:
 *   1. plugndial, HTTP only (the doors the DHCP answer names: HTTP), every file recorded;
 *   2. nginx serving the recorded files from disk, the same phones over HTTP: the anchor,
 *      the speed of a static server with nothing to decide;
 *   3. plugndial with its TFTP door on too: the families that fetch from TFTP when DHCP
 *      names one (Yealink, Flyingvoice, Fanvil, Cisco) do so.
 * It prints phones/s, files/s, p50/p95/p99 boot time, retries and failures, the server's
 * CPU time (utime+stime) and peak RSS (VmHWM), and the ratio plugndial/nginx.
 *
 * Exits non-zero when any phone fails to boot (after its retries) in any storm, or a server
 * does not start; the figures themselves are a measurement, not a test. --quick (500 phones)
 * finishes in well under a minute, for CI.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';

import type { DoorUrls, Driver, PhoneFetch, PhoneIdentity } from '../src/drivers/driver.ts';
import { driverForVendor, drivers } from '../src/drivers/registry.ts';
import { planSite } from '../src/dhcp/plan.ts';
import { encodeValue } from '../src/formats/dhcp-options.ts';
import type { Mac } from '../src/model/mac.ts';
import { phoneFetcher } from '../src/simulate/fetch.ts';
import { COMPILED_BIN, serve, type ServeProcess } from '../test/support/serve.ts';
import { killAll, track } from './support/children.ts';
import { NGINX, startNginx } from './support/nginx.ts';

const { values } = parseArgs({
  options: {
    phones: { type: 'string' },
    concurrency: { type: 'string', default: '128' },
    quick: { type: 'boolean', default: false },
    'no-nginx': { type: 'boolean', default: false },
    'no-tftp': { type: 'boolean', default: false },
  },
});
const PHONES = Number(values.phones ?? (values.quick ? 500 : 10_000));
const CONCURRENCY = Number(values.concurrency);
if (!Number.isInteger(PHONES) || PHONES < 1 || PHONES > 1_000_000)
  throw new Error('--phones: expected 1 … 1000000');
if (!Number.isInteger(CONCURRENCY) || CONCURRENCY < 1 || CONCURRENCY > 4096)
  throw new Error('--concurrency: expected 1 … 4096');

/** A phone that did not finish its boot tries again after a pause, as phones do; twice at most. */
const RETRIES = 2;
const RETRY_PAUSE_MS = 200;
/** A whole storm gives up after this long; phones not started by then count as failed. */
const STORM_DEADLINE_MS = 10 * 60_000;

/**
 * The fleet, in twentieths: every family with a phone script, a site's usual skew towards
 * Yealink and its OEMs. The MAC block is the vendor's own (DHCP's MAC prefixes).
 */
const MIX: readonly { vendor: string; twentieths: number; prefix?: string }[] = [
  { vendor: 'yealink', twentieths: 4 },
  { vendor: 'flyingvoice', twentieths: 3 },
  { vendor: 'fanvil', twentieths: 3 },
  { vendor: 'gigaset', twentieths: 2 },
  { vendor: 'snom', twentieths: 2 },
  { vendor: 'grandstream', twentieths: 2 },
  { vendor: 'poly', twentieths: 1 },
  { vendor: 'cisco', twentieths: 1 },
  { vendor: 'auerswald', twentieths: 1 },
  // OEM phones come from many makers' blocks; a locally administered one stands for them.
  { vendor: 'oem', twentieths: 1, prefix: '02a0b0' },
];
const SLOTS = MIX.flatMap((entry) => Array<string>(entry.twentieths).fill(entry.vendor));

interface Phone {
  identity: PhoneIdentity;
  driver: Driver;
}

function fleet(): Phone[] {
  const phones: Phone[] = [];
  for (let i = 0; i < PHONES; i++) {
    const vendor = SLOTS[i % SLOTS.length]!;
    const driver = driverForVendor(vendor)!;
    const prefix =
      MIX.find((entry) => entry.vendor === vendor)!.prefix ?? driver.dhcp!.macPrefixes[vendor]![0]!;
    const mac = `${prefix}${i.toString(16).padStart(6, '0')}` as Mac;
    phones.push({ identity: { mac, vendor }, driver });
  }
  return phones;
}

/** Each phone, every account its own: no two files alike. */
function fleetCsv(phones: readonly Phone[]): string {
  const rows = ['mac,vendor,accounts.1.user,accounts.1.password,accounts.1.registrar'];
  phones.forEach((phone, i) =>
    rows.push(
      `${phone.identity.mac},${phone.identity.vendor},${10_000 + i},pw-${i},pbx.example.com`,
    ),
  );
  return `${rows.join('\n')}\n`;
}

/**
 * What each vendor's phone makes of the DHCP answer for these doors: the options the
 * driver offers, as bytes on the wire, read back by the driver's own phone-side reading.
 */
function discovery(doors: DoorUrls): Map<string, { baseUrl: string; input?: string }> {
  const plan = planSite(drivers, { doors });
  if (!plan.ok) throw plan.error;
  const starts = new Map<string, { baseUrl: string; input?: string }>();
  for (const vendor of plan.value.vendors) {
    if (!vendor.offer) continue;
    const options = new Map<number, Buffer>();
    for (const option of vendor.offer.options) {
      const bytes = encodeValue(option.value);
      if (bytes.ok) options.set(option.code, bytes.value);
    }
    const driver = driverForVendor(vendor.vendor)!;
    const derived = driver.dhcp!.derive(vendor.vendor, options, {});
    if (derived) starts.set(vendor.vendor, derived.start);
  }
  return starts;
}

interface StormResult {
  wallMs: number;
  /** The emulated phones' own CPU time: they share the machine with the server. */
  phonesCpuS: number;
  bootMs: number[];
  files: number;
  retries: number;
  failed: number;
  failures: string[];
  /** Files fetched over each scheme. */
  schemes: Map<string, number>;
  /** Boot time by vendor, for "no family below half of the fastest". */
  byVendor: Map<string, number[]>;
}

/** One storm: every phone boots once (retrying on failure), C at a time. */
async function storm(
  phones: readonly Phone[],
  doors: DoorUrls,
  record?: Map<string, Buffer>,
): Promise<StormResult> {
  const starts = discovery(doors);
  const base = phoneFetcher();
  const result: StormResult = {
    wallMs: 0,
    phonesCpuS: 0,
    bootMs: [],
    files: 0,
    retries: 0,
    failed: 0,
    failures: [],
    schemes: new Map(),
    byVendor: new Map(),
  };
  const fetch: PhoneFetch = async (url, options) => {
    const answer = await base(url, options);
    const scheme = url.slice(0, url.indexOf(':'));
    result.files++;
    result.schemes.set(scheme, (result.schemes.get(scheme) ?? 0) + 1);
    if (record && answer.status === 200 && !options?.upload && scheme === 'http')
      record.set(decodeURIComponent(new URL(url).pathname), answer.body);
    return answer;
  };
  const began = performance.now();
  const cpu = process.cpuUsage();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < phones.length) {
      const phone = phones[next++]!;
      if (performance.now() - began > STORM_DEADLINE_MS) {
        result.failed++;
        continue;
      }
      const start = starts.get(phone.identity.vendor);
      if (!start) {
        result.failed++;
        if (result.failures.length < 10)
          result.failures.push(`${phone.identity.vendor}: no DHCP answer for these doors`);
        continue;
      }
      const identity = { ...phone.identity, ...(start.input ? { input: start.input } : {}) };
      const booted = performance.now();
      let ok = false;
      let why = '';
      for (let attempt = 0; attempt <= RETRIES && !ok; attempt++) {
        if (attempt > 0) {
          result.retries++;
          await new Promise((resolve) => setTimeout(resolve, RETRY_PAUSE_MS));
        }
        try {
          const run = await phone.driver.phone.run(identity, start.baseUrl, fetch);
          ok = run.ok;
          const miss = run.steps.find((step) => step.status !== 200 && step.note);
          why = miss ? `${miss.url} ${miss.status} ${miss.note}` : 'not ok';
        } catch (error) {
          why = error instanceof Error ? error.message : String(error);
        }
      }
      const ms = performance.now() - booted;
      if (!ok) {
        result.failed++;
        if (result.failures.length < 10)
          result.failures.push(`${identity.vendor} ${identity.mac}: ${why.slice(0, 200)}`);
        continue;
      }
      result.bootMs.push(ms);
      const times = result.byVendor.get(identity.vendor) ?? [];
      times.push(ms);
      result.byVendor.set(identity.vendor, times);
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, phones.length) }, worker));
  result.wallMs = performance.now() - began;
  const used = process.cpuUsage(cpu);
  result.phonesCpuS = (used.user + used.system) / 1e6;
  return result;
}

/** utime+stime of a process, in seconds (clock ticks of 1/100 s on Linux). */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // After the command: state is field 3, so utime (14) and stime (15) are at 11 and 12.
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function peakRssMb(pid: number): number {
  const text = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/^VmHWM:\s+(\d+) kB/m.exec(text)?.[1] ?? 0) / 1024;
}

function replaceAll(body: Buffer, from: Buffer, to: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  for (let found = body.indexOf(from); found >= 0; found = body.indexOf(from, at)) {
    parts.push(body.subarray(at, found), to);
    at = found + from.length;
  }
  if (at === 0) return body;
  parts.push(body.subarray(at));
  return Buffer.concat(parts);
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

interface Row {
  name: string;
  /** Where the phones reached the server, as its files name it. */
  origin?: string;
  result: StormResult;
  cpuS?: number;
  peakMb?: number;
}

function printRow({ name, result, cpuS, peakMb }: Row): void {
  const sorted = [...result.bootMs].sort((a, b) => a - b);
  const perS = (count: number): string => ((count / result.wallMs) * 1000).toFixed(0);
  const ms = (p: number): string => `${percentile(sorted, p).toFixed(0)} ms`;
  const schemes = [...result.schemes].map(([scheme, n]) => `${n} ${scheme}`).join(', ');
  console.log(`\n${name}`);
  console.log(
    `  ${PHONES} phones in ${(result.wallMs / 1000).toFixed(2)} s: ${perS(PHONES)} phones/s, ${perS(result.files)} files/s (${result.files} files: ${schemes})`,
  );
  console.log(`  boot time p50 ${ms(50)}, p95 ${ms(95)}, p99 ${ms(99)}`);
  console.log(
    `  retries ${result.retries}, failed phones ${result.failed}; the phones' own CPU ${result.phonesCpuS.toFixed(2)} s`,
  );
  if (cpuS !== undefined && peakMb !== undefined)
    console.log(
      `  server CPU ${cpuS.toFixed(2)} s (utime+stime), peak RSS ${peakMb.toFixed(0)} MB`,
    );
  const medians = [...result.byVendor].map(([vendor, times]) => {
    const s = [...times].sort((a, b) => a - b);
    return `${vendor} ${percentile(s, 50).toFixed(0)}`;
  });
  console.log(`  median boot by family (ms): ${medians.join(', ')}`);
  for (const failure of result.failures) console.log(`  FAILED ${failure}`);
}

async function plugndialStorm(
  name: string,
  dataDir: string,
  phones: readonly Phone[],
  tftp: boolean,
  record?: Map<string, Buffer>,
): Promise<Row> {
  let server: ServeProcess | undefined;
  try {
    // Every emulated phone comes from 127.0.0.1, where a site's phones have an address each:
    // the miss throttle (20 misses a minute per address; a boot sequence's expected misses,
    // like Cisco's model file or Flyingvoice's bare MAC, are one or two per phone) and the
    // TFTP door's per-address cap (16) would refuse a storm that no real site sends.
    const oneAddress = ['--miss-limit', '0'];
    const tftpDoor = tftp
      ? ['--tftp', '127.0.0.1:0', '--tftp-transfers-per-address', String(Math.max(16, CONCURRENCY))]
      : ['--tftp', 'off'];
    server = await serve(
      ['--data-dir', dataDir, '--http', '127.0.0.1:0', ...tftpDoor, ...oneAddress, '--sip', 'off'],
      90_000,
      COMPILED_BIN,
    );
    track(server.child);
    const pid = server.child.pid!;
    const doors: DoorUrls = { http: `http://127.0.0.1:${server.ports['http']}/` };
    if (tftp) doors.tftp = `tftp://127.0.0.1:${server.ports['tftp']}/`;
    const cpuBefore = cpuSeconds(pid);
    const result = await storm(phones, doors, record);
    return {
      name,
      origin: `http://127.0.0.1:${server.ports['http']}`,
      result,
      cpuS: cpuSeconds(pid) - cpuBefore,
      peakMb: peakRssMb(pid),
    };
  } finally {
    await server?.stop();
  }
}

async function main(): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'plugndial-storm-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  try {
    const phones = fleet();
    const share = MIX.map((entry) => `${entry.twentieths * 5}% ${entry.vendor}`).join(', ');
    console.log(
      `plugndial boot storm${values.quick ? ' (--quick)' : ''}: ${PHONES} phones, ${CONCURRENCY} at once; node ${process.version}, ${cpus().length} CPUs, the compiled build`,
    );
    console.log(`fleet: ${share}`);
    console.log(
      `each phone: its vendor's DHCP answer, then its whole boot sequence; up to ${RETRIES} retries ${RETRY_PAUSE_MS} ms apart`,
    );

    const dataDir = join(dir, 'data');
    const csv = join(dir, 'fleet.csv');
    writeFileSync(csv, fleetCsv(phones));
    const imported = performance.now();
    const result = spawnSync(COMPILED_BIN, ['device', 'import', csv, '--data-dir', dataDir], {
      encoding: 'utf8',
      timeout: 300_000,
    });
    if (result.status !== 0) throw new Error(`device import: ${result.stderr}`);
    console.log(`fleet imported in ${((performance.now() - imported) / 1000).toFixed(1)} s`);

    const rows: Row[] = [];
    const recorded = new Map<string, Buffer>();
    const http = await plugndialStorm(
      'plugndial, HTTP (fresh server)',
      dataDir,
      phones,
      false,
      recorded,
    );
    rows.push(http);

    if (!values['no-nginx']) {
      // The same fleet's files, as plugndial rendered them, on disk for nginx: nginx reads
      // them at each request, so they are written once it has its port, and the server's
      // own address inside them (Gigaset's chain, Cisco's rules) becomes nginx's.
      const web = join(dir, 'nginx');
      const version = spawnSync(NGINX, ['-v'], { encoding: 'utf8', timeout: 5000 }).stderr.trim();
      const nginx = await startNginx(web, {});
      try {
        const from = Buffer.from(http.origin!);
        const to = Buffer.from(`http://127.0.0.1:${nginx.port}`);
        for (const [path, body] of recorded) {
          const file = join(web, 'root', path);
          mkdirSync(dirname(file), { recursive: true });
          writeFileSync(file, replaceAll(body, from, to));
        }
        const nginxResult = await storm(phones, { http: `http://127.0.0.1:${nginx.port}/` });
        rows.push({
          name: `nginx, HTTP (${version}, ${recorded.size} files on disk)`,
          result: nginxResult,
        });
      } finally {
        await nginx.stop();
      }
    }
    if (!values['no-tftp'])
      rows.push(
        await plugndialStorm('plugndial, HTTP and TFTP (fresh server)', dataDir, phones, true),
      );

    for (const row of rows) printRow(row);
    const nginx = rows.find((row) => row.name.startsWith('nginx'));
    if (nginx) {
      const ratio = (a: StormResult, b: StormResult, n: (r: StormResult) => number): string =>
        (n(a) / a.wallMs / (n(b) / b.wallMs)).toFixed(2);
      console.log(
        `\nplugndial/nginx: ${ratio(http.result, nginx.result, () => PHONES)}× phones/s, ${ratio(http.result, nginx.result, (r) => r.files)}× files/s`,
      );
    }
    // A phone that failed on the anchor too: its figures would compare unlike storms.
    return rows.some((row) => row.result.failed > 0) ? 1 : 0;
  } finally {
    killAll();
    rmSync(dir, { recursive: true, force: true });
  }
}

process.exitCode = await main();
