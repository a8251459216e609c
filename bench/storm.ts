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
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';

import type { DoorUrls } from '../src/drivers/driver.ts';
import { COMPILED_BIN, serve, type ServeProcess } from '../test/support/serve.ts';
import { killAll, track } from './support/children.ts';
import { NGINX, startNginx } from './support/nginx.ts';
import {
  cpuSeconds,
  fleet,
  fleetCsv,
  MIX,
  peakRssMb,
  printRow,
  replaceAll,
  RETRIES,
  RETRY_PAUSE_MS,
  storm,
  type Phone,
  type Row,
  type StormResult,
} from './support/storm.ts';

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
    const result = await storm(phones, doors, {
      concurrency: CONCURRENCY,
      ...(record ? { record } : {}),
    });
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
    const phones = fleet(PHONES);
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
        const nginxResult = await storm(
          phones,
          { http: `http://127.0.0.1:${nginx.port}/` },
          { concurrency: CONCURRENCY },
        );
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
