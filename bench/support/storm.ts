/**
 * The emulated fleet of a boot storm, and the storm itself: N phones of a mixed fleet, each
 * taking its vendor's DHCP answer and then its whole boot sequence, at most C at once. The
 * storm benchmarks (bench/storm.ts) and the tests of several nodes drive the same phones.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

import type { DoorUrls, Driver, PhoneFetch, PhoneIdentity } from '../../src/drivers/driver.ts';
import { driverForVendor, drivers } from '../../src/drivers/registry.ts';
import { planSite } from '../../src/dhcp/plan.ts';
import { encodeValue } from '../../src/formats/dhcp-options.ts';
import { firmwareKey } from '../../src/management/firmware.ts';
import type { Mac } from '../../src/model/mac.ts';
import { phoneFetcher } from '../../src/simulate/fetch.ts';
import { KeptConnections, type PhoneTls } from '../../src/simulate/http-client.ts';
import type { CpeMemory } from '../../src/simulate/cwmp.ts';
import { bootByCwmp } from './storm-cpe.ts';

/** A phone that did not finish its boot tries again after a pause, as phones do; twice at most. */
export const RETRIES = 2;
export const RETRY_PAUSE_MS = 200;
/** A whole storm gives up after this long; phones not started by then count as failed. */
export const STORM_DEADLINE_MS = 10 * 60_000;

/**
 * The fleet, in twentieths: every family with a phone script, a site's usual skew towards
 * Yealink and its OEMs. The MAC block is the vendor's own (DHCP's MAC prefixes).
 */
export const MIX: readonly {
  vendor: string;
  twentieths: number;
  prefix?: string;
}[] = [
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
export const SLOTS = MIX.flatMap((entry) => Array<string>(entry.twentieths).fill(entry.vendor));

export interface Phone {
  identity: PhoneIdentity;
  driver: Driver;
  /** Where it sends from: a site's phones have an address each, so the per-address limits stand. */
  address: string;
}

/**
 * Phone i's own source address in 127.0.0.0/8 (Linux answers every one of them on lo):
 * 127.1.0.0 onwards, 65,536 phones to a second octet.
 */
export function phoneAddress(i: number): string {
  return `127.${1 + Math.floor(i / 65_536)}.${Math.floor(i / 256) % 256}.${i % 256}`;
}

/** `count` phones of the mix, in turn: phone i is the i-th slot's vendor, its MAC from i. */
export function fleet(count: number): Phone[] {
  const phones: Phone[] = [];
  for (let i = 0; i < count; i++) {
    const vendor = SLOTS[i % SLOTS.length]!;
    const driver = driverForVendor(vendor)!;
    const prefix =
      MIX.find((entry) => entry.vendor === vendor)!.prefix ?? driver.dhcp!.macPrefixes[vendor]![0]!;
    const mac = `${prefix}${i.toString(16).padStart(6, '0')}` as Mac;
    phones.push({ identity: { mac, vendor }, driver, address: phoneAddress(i) });
  }
  return phones;
}

/**
 * Each phone, every account its own: no two files alike. With `firmwareVersion`, each is to
 * run that version (`firmware.version`), so a phone that checks its firmware is offered the
 * catalogue's image (firmwareModels says which images the fleet needs).
 */
export function fleetCsv(
  phones: readonly Phone[],
  options: { firmwareVersion?: string } = {},
): string {
  const firmware = options.firmwareVersion;
  const rows = [
    `mac,vendor,accounts.1.user,accounts.1.password,accounts.1.registrar${firmware ? ',firmware.version' : ''}`,
  ];
  phones.forEach((phone, i) =>
    rows.push(
      `${phone.identity.mac},${phone.identity.vendor},${10_000 + i},pw-${i},pbx.example.com${firmware ? `,${firmware}` : ''}`,
    ),
  );
  return `${rows.join('\n')}\n`;
}

/**
 * The vendor and model each phone of the fleet names in its User-Agent, as its driver reads
 * it: the catalogue keys its images by these.
 */
export function firmwareModels(phones: readonly Phone[]): {
  models: { vendor: string; model: string; fileName: string }[];
  /** Models the catalogue cannot name (`firmware add --model` refuses them), with why. */
  unnamed: string[];
} {
  const models = new Map<string, { vendor: string; model: string; fileName: string }>();
  const unnamed = new Set<string>();
  for (const { identity, driver } of phones) {
    const facts = driver.parseUserAgent(driver.phone.userAgent(identity));
    const vendor = facts?.vendor ?? identity.vendor;
    const model = facts?.model;
    if (!model) {
      unnamed.add(`${vendor}: its User-Agent names no model`);
      continue;
    }
    try {
      firmwareKey({ vendor, model, version: FIRMWARE_VERSION });
      // A phone that names its image itself (Grandstream) finds it only under that name.
      const fileName = driver.models?.imageFileName?.(model) ?? 'firmware.bin';
      models.set(`${vendor}/${model}`, { vendor, model, fileName });
    } catch (error) {
      unnamed.add(
        `${vendor} "${model}": ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }
  return { models: [...models.values()], unnamed: [...unnamed] };
}

/**
 * What each vendor's phone makes of the DHCP answer for these doors: the options the
 * driver offers, as bytes on the wire, read back by the driver's own phone-side reading.
 */
export function discovery(doors: DoorUrls): Map<string, { baseUrl: string; input?: string }> {
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

/** The version the fleet is to run, and the catalogue image it is offered (`firmware add`). */
export const FIRMWARE_VERSION = 'storm-2';
const FIRMWARE_MAGIC = Buffer.from('plugndial storm firmware image\n');

/**
 * A stand-in image: 16 KiB (a real one is megabytes, which would make the storm a bulk
 * transfer), recognisable by its first line so the storm counts the firmware it fetched.
 */
export function firmwareImage(): Buffer {
  const image = Buffer.alloc(16 * 1024);
  FIRMWARE_MAGIC.copy(image);
  for (let i = FIRMWARE_MAGIC.length; i < image.length; i++) image[i] = (i * 31 + 7) & 0xff;
  return image;
}

export interface StormResult {
  /** Phones that set out to boot. */
  phones: number;
  wallMs: number;
  /** The emulated phones' own CPU time: they share the machine with the server. */
  phonesCpuS: number;
  bootMs: number[];
  files: number;
  retries: number;
  failed: number;
  failures: string[];
  /** Firmware images fetched (the catalogue's, by firmwareImage's first line). */
  images: number;
  /** Of those, by vendor: the families whose boot checked its firmware. */
  imagesByVendor: Map<string, number>;
  /** Files fetched over each scheme. */
  schemes: Map<string, number>;
  /** Boot time by vendor, for "no family below half of the fastest". */
  byVendor: Map<string, number[]>;
  /** The phones that booted as TR-069 CPEs, and what they exchanged with the ACS. */
  cwmp?: CwmpFigures;
}

export interface CwmpFigures {
  phones: number;
  sessions: number;
  /** CWMP messages the CPEs posted (Inform, TransferComplete, empty POSTs, answers). */
  messages: number;
  /** Files the ACS's Downloads named, fetched (counted under `acs` in `schemes`). */
  downloads: number;
  /** The door those files came over. */
  over: Map<string, number>;
}

export interface StormOptions {
  /** Phones booting at once. */
  concurrency: number;
  /** Filled with every file fetched over HTTP(S), by path, for a static server to serve. */
  record?: Map<string, Buffer>;
  /** Filled with every file fetched over TFTP, by the name asked for, for tftpd to serve. */
  recordTftp?: Map<string, Buffer>;
  /** What the phones trust for HTTPS: the server's certificate. */
  tls?: PhoneTls;
  /**
   * The doors phone `index` is sent to at its `attempt` (0 the first): several nodes behind a
   * balancer, a retry going to another. Without it every phone goes to `doors`.
   */
  doorsFor?: (index: number, attempt: number) => DoorUrls;
  /**
   * Phones that boot as TR-069 CPEs against this ACS instead of by their phone script (and
   * DHCP answer): `boots(index)` says which.
   */
  cwmp?: { acsUrl: string; boots: (index: number) => boolean };
}

/** One storm: every phone boots once (retrying on failure), `concurrency` at a time. */
export async function storm(
  phones: readonly Phone[],
  doors: DoorUrls,
  options: StormOptions,
): Promise<StormResult> {
  const { concurrency, record, recordTftp, tls = {}, doorsFor, cwmp } = options;
  const starts = discovery(doors);
  const startsByDoors = new Map<string, Map<string, { baseUrl: string; input?: string }>>();
  const startFor = (
    index: number,
    attempt: number,
    vendor: string,
  ): { baseUrl: string; input?: string } | undefined => {
    if (!doorsFor) return starts.get(vendor);
    const chosen = doorsFor(index, attempt);
    const key = JSON.stringify(chosen);
    if (!startsByDoors.has(key)) startsByDoors.set(key, discovery(chosen));
    return startsByDoors.get(key)!.get(vendor);
  };
  const result: StormResult = {
    phones: phones.length,
    wallMs: 0,
    phonesCpuS: 0,
    bootMs: [],
    files: 0,
    retries: 0,
    failed: 0,
    failures: [],
    images: 0,
    imagesByVendor: new Map(),
    schemes: new Map(),
    byVendor: new Map(),
    ...(cwmp
      ? { cwmp: { phones: 0, sessions: 0, messages: 0, downloads: 0, over: new Map() } }
      : {}),
  };
  const fetcherOf = (phone: Phone, connections: KeptConnections, viaAcs: boolean): PhoneFetch => {
    const base = phoneFetcher(tls, { localAddress: phone.address, connections });
    return async (url, options) => {
      const answer = await base(url, options);
      const scheme = url.slice(0, url.indexOf(':'));
      // A file a Download named is the ACS's: counted under its door, the scheme noted apart.
      const door = viaAcs ? 'acs' : scheme;
      result.files++;
      result.schemes.set(door, (result.schemes.get(door) ?? 0) + 1);
      if (viaAcs && result.cwmp) {
        result.cwmp.downloads++;
        result.cwmp.over.set(scheme, (result.cwmp.over.get(scheme) ?? 0) + 1);
      }
      if (answer.status !== 200 || options?.upload) return answer;
      if (answer.body.subarray(0, FIRMWARE_MAGIC.length).equals(FIRMWARE_MAGIC)) {
        const vendor = phone.identity.vendor;
        result.images++;
        result.imagesByVendor.set(vendor, (result.imagesByVendor.get(vendor) ?? 0) + 1);
      }
      if (record && (scheme === 'http' || scheme === 'https'))
        record.set(decodeURIComponent(new URL(url).pathname), answer.body);
      if (recordTftp && scheme === 'tftp') recordTftp.set(tftpName(url), answer.body);
      return answer;
    };
  };
  const began = performance.now();
  const cpu = process.cpuUsage();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < phones.length) {
      const index = next++;
      const phone = phones[index]!;
      if (performance.now() - began > STORM_DEADLINE_MS) {
        result.failed++;
        continue;
      }
      const viaAcs = cwmp?.boots(index) ?? false;
      let start = viaAcs ? { baseUrl: cwmp!.acsUrl } : startFor(index, 0, phone.identity.vendor);
      if (!start) {
        result.failed++;
        if (result.failures.length < 10)
          result.failures.push(`${phone.identity.vendor}: no DHCP answer for these doors`);
        continue;
      }
      let identity = { ...phone.identity, ...(start.input ? { input: start.input } : {}) };
      // Its connections are its own, kept alive through its boot and closed at the end of it.
      const connections = new KeptConnections();
      const fetch = fetcherOf(phone, connections, viaAcs);
      const booted = performance.now();
      let ok = false;
      let why = '';
      // A CPE keeps what it remembers (its acknowledged files) from one attempt to the next.
      let memory: CpeMemory = {};
      let configured = false;
      if (viaAcs) result.cwmp!.phones++;
      for (let attempt = 0; attempt <= RETRIES && !ok; attempt++) {
        if (attempt > 0) {
          result.retries++;
          await new Promise((resolve) => setTimeout(resolve, RETRY_PAUSE_MS));
          if (!viaAcs) start = startFor(index, attempt, phone.identity.vendor) ?? start;
          identity = { ...phone.identity, ...(start.input ? { input: start.input } : {}) };
        }
        try {
          if (viaAcs) {
            const boot = await bootByCwmp(phone, cwmp!.acsUrl, fetch, memory, configured);
            ({ ok, why, memory, configured } = boot);
            result.cwmp!.sessions += boot.sessions;
            result.cwmp!.messages += boot.messages;
            continue;
          }
          const run = await phone.driver.phone.run(identity, start.baseUrl, fetch);
          ok = run.ok;
          const miss = run.steps.find((step) => step.status !== 200 && step.note);
          why = miss ? `${miss.url} ${miss.status} ${miss.note}` : 'not ok';
        } catch (error) {
          why = error instanceof Error ? error.message : String(error);
        }
      }
      const ms = performance.now() - booted;
      connections.close();
      if (!ok) {
        result.failed++;
        if (result.failures.length < 10)
          result.failures.push(`${identity.vendor} ${identity.mac}: ${why.slice(0, 200)}`);
        continue;
      }
      result.bootMs.push(ms);
      // CPEs boot another way: their times are a family of their own.
      const family = viaAcs ? `${identity.vendor} (TR-069)` : identity.vendor;
      const times = result.byVendor.get(family) ?? [];
      times.push(ms);
      result.byVendor.set(family, times);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, phones.length) }, worker));
  result.wallMs = performance.now() - began;
  const used = process.cpuUsage(cpu);
  result.phonesCpuS = (used.user + used.system) / 1e6;
  return result;
}

/** The file name a TFTP URL asks for, as the server sees it (without the leading `/`). */
export function tftpName(url: string): string {
  return decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
}

/** utime+stime of a process, in seconds (clock ticks of 1/100 s on Linux). */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // After the command: state is field 3, so utime (14) and stime (15) are at 11 and 12.
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

export function peakRssMb(pid: number): number {
  const text = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/^VmHWM:\s+(\d+) kB/m.exec(text)?.[1] ?? 0) / 1024;
}

export function replaceAll(body: Buffer, from: Buffer, to: Buffer): Buffer {
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

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export interface Row {
  name: string;
  /** Where the phones reached the server, as its files name it. */
  origin?: string;
  result: StormResult;
  cpuS?: number;
  peakMb?: number;
}

export function printRow({ name, result, cpuS, peakMb }: Row): void {
  const sorted = [...result.bootMs].sort((a, b) => a - b);
  const perS = (count: number): string => ((count / result.wallMs) * 1000).toFixed(0);
  const ms = (p: number): string => `${percentile(sorted, p).toFixed(0)} ms`;
  const schemes = [...result.schemes].map(([scheme, n]) => `${n} ${scheme}`).join(', ');
  console.log(`\n${name}`);
  console.log(
    `  ${result.phones} phones in ${(result.wallMs / 1000).toFixed(2)} s: ${perS(result.phones)} phones/s, ${perS(result.files)} files/s (${result.files} files: ${schemes})`,
  );
  console.log(`  boot time p50 ${ms(50)}, p95 ${ms(95)}, p99 ${ms(99)}`);
  console.log(
    `  retries ${result.retries}, failed phones ${result.failed}; firmware images ${result.images}; the phones' own CPU ${result.phonesCpuS.toFixed(2)} s`,
  );
  if (cpuS !== undefined && peakMb !== undefined) {
    console.log(
      `  server CPU ${cpuS.toFixed(2)} s (utime+stime), peak RSS ${peakMb.toFixed(0)} MB`,
    );
    // Server and phones share the machine: how much of it they left is whether the storm
    // could have gone faster here at all.
    const cores = availableParallelism();
    const had = (result.wallMs / 1000) * cores;
    const used = cpuS + result.phonesCpuS;
    console.log(
      `  server and phones together ${used.toFixed(1)} CPU-seconds of the ${had.toFixed(1)} the ${cores} cores had (${((100 * used) / had).toFixed(0)}%)`,
    );
  }
  const medians = [...result.byVendor].map(([vendor, times]) => {
    const s = [...times].sort((a, b) => a - b);
    return `${vendor} ${percentile(s, 50).toFixed(0)}`;
  });
  console.log(`  median boot by family (ms): ${medians.join(', ')}`);
  const images = [...result.imagesByVendor].map(([vendor, n]) => `${vendor} ${n}`).join(', ');
  console.log(`  firmware images by family: ${images || 'none'}`);
  if (result.cwmp) {
    const { phones, sessions, messages, downloads, over } = result.cwmp;
    const doors = [...over].map(([scheme, n]) => `${n} ${scheme}`).join(', ') || 'none';
    console.log(
      `  ACS: ${phones} phones as TR-069 CPEs, ${sessions} CWMP sessions, ${messages} messages, ${downloads} files by Download (${doors}); no static anchor speaks CWMP`,
    );
  }
  for (const failure of result.failures) console.log(`  FAILED ${failure}`);
}
