/**
 * Several nodes on one PostgreSQL database, as a site runs them behind a load balancer: the
 * nodes (compiled build, HTTP door only), the balancer that spreads phones over them and
 * sends a retry elsewhere, and what the nodes must agree on — the files and their ETags, the
 * versions phones compare (Gigaset UVCs, Fanvil versions), a change made on any one of them,
 * the events each recorded. bench/storm-nodes.ts and test/store/nodes.test.ts share it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';

import type { DoorUrls, PhoneFetch, PhoneRun } from '../../src/drivers/driver.ts';
import type { ProvisioningEvent } from '../../src/model/event.ts';
import { COMPILED_BIN, serve, type ServeProcess } from '../../test/support/serve.ts';
import { isRunning, track } from './children.ts';
import { discovery, type Phone } from './storm.ts';

/** The name phones reach the balancer by: every node sees it as the Host, as behind one. */
export const BALANCER = 'provisioning.example';

export interface Node {
  name: string;
  server: ServeProcess;
  pid: number;
  /** The phones' door (HTTP), on loopback. */
  port: number;
  doors: DoorUrls;
  /** The admin listener's origin, and the token of the node's own data directory. */
  admin: string;
  token: string;
  /** Set when the node is killed: its process may not have been reaped yet. */
  killed: boolean;
}

export function alive(node: Node): boolean {
  return !node.killed && isRunning(node.server.child);
}

/** SIGKILL, as a power cut or the OOM killer ends a node: nothing is flushed or closed. */
export function killNode(node: Node): void {
  node.killed = true;
  node.server.child.kill('SIGKILL');
}

/** Starts one node on `databaseUrl` (the compiled build unless told), on free loopback ports. */
export async function startNode(
  name: string,
  databaseUrl: string,
  dataDir: string,
  bin = COMPILED_BIN,
): Promise<Node> {
  const server = await serve(
    [
      '--database',
      databaseUrl,
      // Its events say it served them.
      '--node',
      name,
      '--data-dir',
      dataDir,
      '--http',
      '127.0.0.1:0',
      '--admin',
      '127.0.0.1:0',
      '--tftp',
      'off',
      '--sip',
      'off',
      // The phones have an address each, but the bench's own checks (propagation polls,
      // identity samples, a phone booted on every node) all come from 127.0.0.1.
      '--miss-limit',
      '0',
    ],
    90_000,
    bin,
  );
  track(server.child);
  const port = server.ports['http']!;
  return {
    name,
    server,
    pid: server.child.pid!,
    port,
    doors: { http: `http://127.0.0.1:${port}/` },
    admin: `http://127.0.0.1:${server.ports['admin']}`,
    token: readFileSync(join(dataDir, 'admin-token'), 'utf8').trim(),
    killed: false,
  };
}

/** One call of a node's admin API; anything but a 2xx is an error that says which node. */
export async function api<T>(node: Node, method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${node.admin}/api/v1${path}`, {
    method,
    headers: {
      authorization: `Bearer ${node.token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(60_000),
  });
  const text = await response.text();
  if (!response.ok)
    throw new Error(`${method} ${path} on node ${node.name}: ${response.status} ${text}`);
  return JSON.parse(text) as T;
}

/** One attempt of one phone's boot, as the storm played it. */
export interface Attempt {
  node: string;
  ok: boolean;
  /** performance.now() when the attempt ended. */
  endedAt: number;
  /** Requests the phone made in this attempt. */
  requests: number;
}

/**
 * The balancer in front of the nodes: phone i goes to node i mod n, a retry to the next one;
 * a node whose process is gone is passed over, as a health check that finds its port closed
 * would. `onBooted` hears how many phones have booted so far (the storm's progress).
 */
export class Balancer {
  readonly nodes: readonly Node[];
  /** Each phone's attempts by index, filled by the phones `watch` returns. */
  readonly attempts = new Map<number, Attempt[]>();
  readonly #onBooted: (booted: number) => void;
  readonly #byOrigin = new Map<string, Node>();
  #booted = 0;
  #gate: Promise<void> = Promise.resolve();

  constructor(nodes: readonly Node[], onBooted: (booted: number) => void = () => undefined) {
    this.nodes = nodes;
    this.#onBooted = onBooted;
    for (const node of nodes) this.#byOrigin.set(`127.0.0.1:${node.port}`, node);
  }

  readonly doorsFor = (index: number, attempt: number): DoorUrls => {
    for (let step = 0; step < this.nodes.length; step++) {
      const node = this.nodes[(index + attempt + step) % this.nodes.length]!;
      if (alive(node)) return node.doors;
    }
    return this.nodes[(index + attempt) % this.nodes.length]!.doors;
  };

  /** Phones setting out in the next `ms` wait until it is over: a lull in the storm. */
  hold(ms: number): void {
    this.#gate = new Promise((resolve) => setTimeout(resolve, ms));
  }

  /** The fleet, each phone's boot noting which node it went to and how it ended. */
  watch(phones: readonly Phone[]): Phone[] {
    return phones.map((phone, index) => {
      const script = phone.driver.phone;
      const run = async (...args: Parameters<typeof script.run>): Promise<PhoneRun> => {
        const [identity, baseUrl, fetch, memory] = args;
        await this.#gate;
        const node = this.#byOrigin.get(new URL(baseUrl).host)?.name ?? baseUrl;
        let requests = 0;
        const counted: PhoneFetch = (url, options) => {
          requests++;
          return fetch(url, options);
        };
        const note = (ok: boolean): void => {
          const list = this.attempts.get(index) ?? [];
          list.push({ node, ok, endedAt: performance.now(), requests });
          this.attempts.set(index, list);
          if (ok) this.#onBooted(++this.#booted);
        };
        try {
          const result = await script.run(identity, baseUrl, counted, memory);
          note(result.ok);
          return result;
        } catch (error) {
          note(false);
          throw error;
        }
      };
      return { ...phone, driver: { ...phone.driver, phone: { ...script, run } } };
    });
  }

  /** The node each phone finished on (its last attempt, when that one succeeded). */
  servedBy(index: number): Attempt | undefined {
    const last = this.attempts.get(index)?.at(-1);
    return last?.ok ? last : undefined;
  }
}

/** One file as a node served it through the balancer. */
export interface Served {
  url: string;
  status: number;
  etag: string | undefined;
  body: Buffer;
}

/**
 * A phone's client reaching `node` through the balancer: URLs name BALANCER, the request goes
 * to the node's port with that Host, so the node writes the balancer's address into its files
 * as it would for a real one. Each answer is appended to `served`.
 */
export function throughBalancer(node: Node, served: Served[] = []): PhoneFetch {
  return (url, options = {}) =>
    new Promise((resolve, reject) => {
      const target = new URL(url);
      if (target.host !== BALANCER) {
        resolve({ status: 502, body: Buffer.alloc(0) });
        return;
      }
      const req = request(
        {
          host: '127.0.0.1',
          port: node.port,
          method: options.upload ? 'PUT' : 'GET',
          path: `${target.pathname}${target.search}`,
          headers: {
            host: BALANCER,
            ...(options.userAgent ? { 'user-agent': options.userAgent } : {}),
            ...(options.upload ? { 'content-length': options.upload.length } : {}),
          },
          timeout: 30_000,
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => {
            const answer = { status: response.statusCode ?? 0, body: Buffer.concat(chunks) };
            const etag = response.headers.etag;
            if (!options.upload) served.push({ url, ...answer, etag });
            resolve(answer);
          });
          response.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${url}: no answer from node ${node.name}`)));
      req.on('error', reject);
      req.end(options.upload);
    });
}

/** Every file one phone's boot fetches from `node` through the balancer, as a fresh phone. */
export async function bootThrough(node: Node, phone: Phone): Promise<Served[]> {
  const start = discovery({ http: `http://${BALANCER}/` }).get(phone.identity.vendor);
  if (!start) throw new Error(`${phone.identity.vendor}: no DHCP answer for the balancer`);
  const identity = { ...phone.identity, ...(start.input ? { input: start.input } : {}) };
  const served: Served[] = [];
  const run = await phone.driver.phone.run(identity, start.baseUrl, throughBalancer(node, served));
  if (!run.ok) {
    const miss = run.steps.find((step) => step.status !== 200 && step.note);
    throw new Error(
      `${phone.identity.mac} did not boot on node ${node.name}: ${miss?.url} ${miss?.note}`,
    );
  }
  return served;
}

/** The versions a phone compares inside its files: Gigaset's UVCs, Fanvil's file versions. */
export function versionsIn(served: readonly Served[]): string[] {
  const versions: string[] = [];
  for (const { url, body } of served) {
    const text = body.toString('latin1');
    const file = new URL(url).pathname;
    for (const [uvc] of text.matchAll(/\b\d{4}-\d{2}-\d{2}_\d{2}:\d{2}:\d{2}\b/g))
      versions.push(`${file} UVC ${uvc}`);
    const fanvil = /^<<VOIP CONFIG FILE>>Version:(\S+)/.exec(text)?.[1];
    const digests = /<Digests>([^<]+)<\/Digests>/.exec(text)?.[1];
    if (fanvil ?? digests) versions.push(`${file} version ${fanvil ?? digests}`);
  }
  return versions;
}

/**
 * What differs between the boots of one phone on two nodes: a file's status, body or ETag,
 * or the files fetched. Empty when the nodes agree.
 */
export function differences(a: readonly Served[], b: readonly Served[]): string[] {
  const found: string[] = [];
  if (a.length !== b.length) found.push(`${a.length} files against ${b.length}`);
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x.url !== y.url) found.push(`file ${i}: ${x.url} against ${y.url}`);
    else if (x.status !== y.status) found.push(`${x.url}: status ${x.status} against ${y.status}`);
    else if (!x.body.equals(y.body)) found.push(`${x.url}: the bodies differ`);
    else if (x.etag !== y.etag) found.push(`${x.url}: ETag ${x.etag} against ${y.etag}`);
  }
  return found;
}

/** A phone's file that shows one of its settings, to watch a change arrive on other nodes. */
export interface Probe {
  mac: string;
  url: string;
  userAgent: string | undefined;
}

/** Sets the probe's setting through `writer` and finds the file of `phone` that shows it. */
export async function findProbe(writer: Node, phone: Phone, key: string): Promise<Probe> {
  const marker = `probe-${Date.now()}`;
  await api(writer, 'PATCH', `/devices/${phone.identity.mac}`, { settings: { [key]: marker } });
  const start = discovery({ http: `http://${BALANCER}/` }).get(phone.identity.vendor)!;
  let found: Probe | undefined;
  const fetch = throughBalancer(writer);
  const spy: PhoneFetch = async (url, options) => {
    const answer = await fetch(url, options);
    if (!found && answer.body.includes(marker))
      found = { mac: phone.identity.mac, url, userAgent: options?.userAgent };
    return answer;
  };
  const identity = { ...phone.identity, ...(start.input ? { input: start.input } : {}) };
  await phone.driver.phone.run(identity, start.baseUrl, spy);
  if (!found) throw new Error(`no file of ${phone.identity.mac} shows ${key}`);
  return found;
}

export interface Propagation {
  node: string;
  /** From the change being sent to node A until this node served it. */
  ms: number;
  /** How long node A took to answer the change (it is committed by then). */
  answeredMs: number;
  /** The round trip of the poll that found it: how much of `ms` is the door's own latency. */
  pollMs: number;
  /** When the last poll that did not find it set out: the node learnt of it later than this. */
  notBeforeMs: number;
}

const POLL_MS = 5;
const PROPAGATION_DEADLINE_MS = 10_000;

/**
 * One change through `writer` (the probe's setting to a new value), then each reader's phone
 * door polled until the probe's file shows it. Rejects when a reader still serves the old
 * file after 10 s: a node that does not follow the others. A reader that dies meanwhile (the
 * node killed mid-storm) gives no time.
 */
export async function propagate(
  writer: Node,
  readers: readonly Node[],
  probe: Probe,
  key: string,
  value: string,
): Promise<Propagation[]> {
  const began = performance.now();
  let answeredMs = NaN;
  const change = api(writer, 'PATCH', `/devices/${probe.mac}`, {
    settings: { [key]: value },
  }).then(() => (answeredMs = performance.now() - began));
  const watch = async (node: Node): Promise<Omit<Propagation, 'answeredMs'> | undefined> => {
    const fetch = throughBalancer(node);
    let notBeforeMs = 0;
    for (;;) {
      const polled = performance.now();
      let answer;
      try {
        answer = await fetch(probe.url, probe.userAgent ? { userAgent: probe.userAgent } : {});
      } catch (error) {
        if (!alive(node)) return undefined;
        throw error;
      }
      const now = performance.now();
      if (answer.status === 200 && answer.body.includes(value))
        return { node: node.name, ms: now - began, pollMs: now - polled, notBeforeMs };
      notBeforeMs = polled - began;
      if (performance.now() - began > PROPAGATION_DEADLINE_MS)
        throw new Error(`node ${node.name} still serves ${probe.url} without ${key}=${value}`);
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  };
  const [, ...times] = await Promise.all([change, ...readers.map(watch)]);
  return times.flatMap((time) => (time ? [{ ...time, answeredMs }] : []));
}

/** One phone's events as one node answers them, oldest first. */
export async function eventsOf(node: Node, mac: string, query = ''): Promise<ProvisioningEvent[]> {
  const path = `/events?mac=${mac}&limit=10000${query}`;
  const events = await api<ProvisioningEvent[]>(node, 'GET', path);
  return events.reverse();
}

/** The PostgreSQL server's processes: the postmaster (postmaster.pid) and its children. */
export function postgresPids(dataDir: string): number[] {
  const postmaster = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  const pids = [postmaster];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === postmaster) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

/**
 * The server's memory now, in MB: resident (each backend counts the shared buffers it has
 * touched again) and proportional (shared pages split between the processes that map them).
 */
export function postgresMemoryMb(dataDir: string): { rss: number; pss: number } {
  let rss = 0;
  let pss = 0;
  for (const pid of postgresPids(dataDir)) {
    try {
      const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
      rss += Number(/^Rss:\s+(\d+) kB/m.exec(rollup)?.[1] ?? 0);
      pss += Number(/^Pss:\s+(\d+) kB/m.exec(rollup)?.[1] ?? 0);
    } catch {
      // gone meanwhile
    }
  }
  return { rss: rss / 1024, pss: pss / 1024 };
}
