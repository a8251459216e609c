/**
 * A boot storm: the morning after a power cut, when every phone of a site boots at once.
 * N emulated phones of a mixed fleet (the phone scripts `plugndial simulate` plays), each
 * from its own address (127.1.0.0 onwards), taking its discovery answer (the DHCP options
 * `plugndial dhcp` gives its vendor, read the way that vendor reads them) and then its whole
 * boot sequence — every file and its firmware check, in its own order and over its own
 * door — at most C phones at once, against one freshly started server from the compiled
 * build, the fleet imported first with a firmware image for each of its models.
 *
 *   npm run build && node --import tsx bench/storm.ts [--phones 10000] [--concurrency 128]
 *     [--quick] [--no-anchors] [--no-tftp] [--no-https] [--no-ftp] [--no-acs]
 *     [--json FILE]
 *
 * Five storms, each plugndial one on a freshly started server:
 *   1. plugndial, HTTP only (the doors the DHCP answer names: HTTP), every file recorded;
 *   2. nginx serving those files from disk, the same phones: the HTTP anchor;
 *   3. plugndial with its TFTP door on too: the families that fetch from TFTP when DHCP
 *      names one (Yealink, Flyingvoice, Fanvil, Cisco) do so; every file recorded;
 *   4. nginx and tftpd-hpa serving storm 3's files, the same phones: the combined anchor;
 *   5. plugndial with TFTP, HTTPS, FTP and the ACS (HTTP off): the families whose DHCP answer
 *      then names HTTPS (Grandstream, Snom, Gigaset, Auerswald, the OEM) boot over TLS; Poly,
 *      whose phones take an FTP boot server from option 66/160 (FTP from the factory), is
 *      given the DHCP answer for the FTP door alone; and a twentieth of the fleet (the first
 *      of Fanvil's slots) boots as TR-069 CPEs instead of by DHCP and phone script: Inform to
 *      the ACS, the Downloads it sends (over HTTPS) fetched, TransferComplete. No anchor: no
 *      static server speaks CWMP, and none is run for the TLS and FTP doors either.
 * It prints phones/s, files/s, p50/p95/p99 boot time, retries and failures, the server's
 * CPU time (utime+stime) and peak RSS (VmHWM), plugndial against each anchor (phones/s,
 * files/s, each family's median boot time) and a ✓/✗ line per target.
 *
 * Exits non-zero when any phone fails to boot (after its retries) in any storm, or a server
 * (plugndial, nginx, in.tftpd) does not start; the figures themselves are a measurement, not
 * a test. --quick (500 phones) finishes in well under a minute, for CI.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import { CERT_FILE, TLS_DIR } from '../src/config/tls-files.ts';
import type { DoorUrls } from '../src/drivers/driver.ts';
import { COMPILED_BIN, serve, type ServeProcess } from '../test/support/serve.ts';
import { killAll, track } from './support/children.ts';
import { startStaticAnchor, type RecordedFiles } from './support/static-anchor.ts';
import {
  cpuSeconds,
  firmwareImage,
  firmwareModels,
  fleet,
  fleetCsv,
  FIRMWARE_VERSION,
  MIX,
  peakRssMb,
  printRow,
  RETRIES,
  RETRY_PAUSE_MS,
  SLOTS,
  storm,
  type Phone,
  type Row,
} from './support/storm.ts';
import {
  printComparison,
  printVerdicts,
  summary,
  verdicts,
  type Comparison,
} from './support/storm-report.ts';

const { values } = parseArgs({
  options: {
    phones: { type: 'string' },
    concurrency: { type: 'string', default: '128' },
    quick: { type: 'boolean', default: false },
    'no-anchors': { type: 'boolean', default: false },
    'no-tftp': { type: 'boolean', default: false },
    'no-https': { type: 'boolean', default: false },
    'no-ftp': { type: 'boolean', default: false },
    'no-acs': { type: 'boolean', default: false },
    json: { type: 'string' },
  },
});
const PHONES = Number(values.phones ?? (values.quick ? 500 : 10_000));
const CONCURRENCY = Number(values.concurrency);
if (!Number.isInteger(PHONES) || PHONES < 1 || PHONES > 1_000_000)
  throw new Error('--phones: expected 1 … 1000000');
if (!Number.isInteger(CONCURRENCY) || CONCURRENCY < 1 || CONCURRENCY > 4096)
  throw new Error('--concurrency: expected 1 … 4096');

type Door = 'http' | 'tftp' | 'https' | 'ftp' | 'acs';
type StormRow = Row & { doors: Door[] };

interface PlugndialStorm {
  row: StormRow;
  recorded: RecordedFiles;
}

/** One storm on a freshly started server with these doors; every file it served recorded. */
async function plugndialStorm(
  dataDir: string,
  phones: readonly Phone[],
  on: readonly Door[],
): Promise<PlugndialStorm> {
  let server: ServeProcess | undefined;
  try {
    // The server's own per-address limits stand: each phone has its own address.
    server = await serve(
      [
        '--data-dir',
        dataDir,
        '--http',
        on.includes('http') ? '127.0.0.1:0' : 'off',
        '--tftp',
        on.includes('tftp') ? '127.0.0.1:0' : 'off',
        ...(on.includes('https') ? ['--https', '127.0.0.1:0'] : []),
        ...(on.includes('ftp') ? ['--ftp', '127.0.0.1:0'] : []),
        ...(on.includes('acs') ? ['--acs', '127.0.0.1:0'] : []),
        '--sip',
        'off',
      ],
      90_000,
      COMPILED_BIN,
    );
    track(server.child);
    const pid = server.child.pid!;
    const { ports } = server;
    const doors: DoorUrls = {};
    if (on.includes('http')) doors.http = `http://127.0.0.1:${ports['http']}/`;
    if (on.includes('tftp')) doors.tftp = `tftp://127.0.0.1:${ports['tftp']}/`;
    if (on.includes('https')) doors.https = `https://127.0.0.1:${ports['https']}/`;
    // FTP is named to Poly phones alone (the family whose phones take an FTP boot server from
    // DHCP, FTP from the factory); every other family gets the answer for the other doors.
    const ftp = on.includes('ftp') ? { ftp: `ftp://127.0.0.1:${ports['ftp']}/` } : undefined;
    const doorsFor = ftp
      ? (index: number): DoorUrls => (phones[index]!.identity.vendor === 'poly' ? ftp : doors)
      : undefined;
    // The phones trust the certificate the server made for itself on its first HTTPS start.
    const tls = on.includes('https') ? { ca: readFileSync(join(dataDir, TLS_DIR, CERT_FILE)) } : {};
    const recorded: RecordedFiles = {
      http: new Map(),
      httpPort: ports['http'] ?? ports['https']!,
    };
    if (on.includes('tftp')) {
      recorded.tftp = new Map();
      recorded.tftpPort = ports['tftp']!;
    }
    const cpuBefore = cpuSeconds(pid);
    const result = await storm(phones, doors, {
      concurrency: CONCURRENCY,
      tls,
      record: recorded.http,
      ...(recorded.tftp ? { recordTftp: recorded.tftp } : {}),
      ...(doorsFor ? { doorsFor } : {}),
      ...(on.includes('acs')
        ? { cwmp: { acsUrl: `http://127.0.0.1:${ports['acs']}/`, boots: bootsAsCpe } }
        : {}),
    });
    const row: StormRow = {
      name: `plugndial, ${doorNames(on)} (fresh server)`,
      result,
      cpuS: cpuSeconds(pid) - cpuBefore,
      peakMb: peakRssMb(pid),
      doors: [...on],
    };
    return { row, recorded };
  } finally {
    await server?.stop();
  }
}

/** The same phones against nginx (and tftpd-hpa) serving what plugndial served them. */
async function anchorStorm(
  dir: string,
  phones: readonly Phone[],
  recorded: RecordedFiles,
): Promise<StormRow> {
  const anchor = await startStaticAnchor(dir, recorded);
  try {
    const result = await storm(phones, anchor.doors, { concurrency: CONCURRENCY });
    const doors = Object.keys(anchor.doors) as Door[];
    return { name: `${doorNames(doors)} anchor: ${anchor.name}`, result, doors };
  } finally {
    await anchor.stop();
  }
}

/**
 * A twentieth of the fleet, the first of Fanvil's slots in the mix, boots as TR-069 CPEs:
 * Fanvil phones set to *Auto Provision → TR069* take their configuration from the ACS.
 */
const CPE_SLOT = SLOTS.indexOf('fanvil');
function bootsAsCpe(index: number): boolean {
  return index % SLOTS.length === CPE_SLOT;
}

function doorNames(doors: readonly Door[]): string {
  const names = doors.map((door) => (door === 'acs' ? 'the ACS' : door.toUpperCase()));
  return names.length > 1 ? `${names.slice(0, -1).join(', ')} and ${names.at(-1)}` : names[0]!;
}

/** The fleet in the store, with the catalogue image each of its models is offered. */
function importFleet(dir: string, dataDir: string, phones: readonly Phone[]): void {
  const run = (args: string[]): void => {
    const result = spawnSync(COMPILED_BIN, [...args, '--data-dir', dataDir], {
      encoding: 'utf8',
      timeout: 300_000,
    });
    if (result.status !== 0) throw new Error(`${args.slice(0, 2).join(' ')}: ${result.stderr}`);
  };
  const csv = join(dir, 'fleet.csv');
  writeFileSync(csv, fleetCsv(phones, { firmwareVersion: FIRMWARE_VERSION }));
  run(['device', 'import', csv]);
  const image = join(dir, 'firmware.bin');
  writeFileSync(image, firmwareImage());
  const { models, unnamed } = firmwareModels(phones);
  for (const { vendor, model, fileName } of models)
    run([
      'firmware',
      'add',
      image,
      '--vendor',
      vendor,
      '--model',
      model,
      '--version',
      FIRMWARE_VERSION,
      '--name',
      fileName,
    ]);
  console.log(
    `firmware ${FIRMWARE_VERSION} in the catalogue for ${models.map((m) => `${m.vendor} ${m.model}`).join(', ')}`,
  );
  for (const why of unnamed) console.log(`  no catalogue entry for ${why}`);
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
    console.log(
      `load average before: ${loadavg()
        .map((n) => n.toFixed(2))
        .join(' ')}`,
    );
    console.log(`fleet: ${share}`);
    console.log(
      `each phone: its own address from ${phones[0]!.address}, its vendor's DHCP answer, then its whole boot sequence; up to ${RETRIES} retries ${RETRY_PAUSE_MS} ms apart`,
    );

    const dataDir = join(dir, 'data');
    const imported = performance.now();
    importFleet(dir, dataDir, phones);
    console.log(`fleet imported in ${((performance.now() - imported) / 1000).toFixed(1)} s`);

    const rows: StormRow[] = [];
    const plugndial: StormRow[] = [];
    const anchors: StormRow[] = [];
    const comparisons: Comparison[] = [];
    const variants: Door[][] = [['http']];
    if (!values['no-tftp']) variants.push(['http', 'tftp']);
    // HTTPS instead of HTTP: with both on, every family the answer names HTTPS to takes it.
    // FTP rides along for Poly, the one family that boots from an FTP server named by DHCP.
    if (!values['no-https'])
      variants.push([
        ...(values['no-tftp'] ? [] : ['tftp' as const]),
        'https',
        ...(values['no-ftp'] ? [] : ['ftp' as const]),
        ...(values['no-acs'] ? [] : ['acs' as const]),
      ]);
    for (const [i, doors] of variants.entries()) {
      const { row, recorded } = await plugndialStorm(dataDir, phones, doors);
      plugndial.push(row);
      rows.push(row);
      printRow(row);
      // HTTPS has no static anchor here: the anchors are the plain doors' servers.
      if (values['no-anchors'] || doors.includes('https')) continue;
      const anchor = await anchorStorm(join(dir, `anchor-${i}`), phones, recorded);
      anchors.push(anchor);
      rows.push(anchor);
      printRow(anchor);
      comparisons.push({ plugndial: row, anchor });
    }

    for (const comparison of comparisons) printComparison(comparison);
    const list = verdicts(plugndial, anchors, comparisons);
    printVerdicts(list);
    console.log(
      `load average after: ${loadavg()
        .map((n) => n.toFixed(2))
        .join(' ')}`,
    );
    if (values.json)
      writeFileSync(values.json, `${JSON.stringify(summary(rows, list), null, 2)}\n`);
    // A phone that failed on an anchor too: its figures would compare unlike storms.
    return rows.some((row) => row.result.failed > 0) ? 1 : 0;
  } finally {
    killAll();
    rmSync(dir, { recursive: true, force: true });
  }
}

process.exitCode = await main();
