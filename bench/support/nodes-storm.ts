/**
 * The storm of several nodes: a fleet imported into one PostgreSQL database, three nodes on
 * it behind a balancer, the storm spread over them, one node SIGKILLed a third of the way
 * through, and around it what the nodes must agree on. It returns its figures and findings;
 * bench/storm-nodes.ts prints them, test/store/nodes.test.ts holds them to the rules.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { ProvisioningEvent } from '../../src/model/event.ts';
import { startPostgres } from '../../test/support/postgres.ts';
import {
  alive,
  api,
  Balancer,
  bootThrough,
  differences,
  eventsOf,
  findProbe,
  killNode,
  postgresMemoryMb,
  postgresPids,
  propagate,
  startNode,
  versionsIn,
  type Node,
  type Propagation,
} from './nodes.ts';
import {
  cpuSeconds,
  fleet,
  fleetCsv,
  MIX,
  peakRssMb,
  storm,
  type Phone,
  type StormResult,
} from './storm.ts';

export interface NodesStormOptions {
  phones: number;
  concurrency: number;
  /** PostgreSQL with fsync, as operators run it (a benchmark), or without (a test). */
  durable: boolean;
  /** Phones of each family whose files are compared across the nodes. */
  samplePerFamily: number;
  /** Phones of each node whose events are read back from the others (all when larger). */
  eventsPerNode: number;
  /** Changes timed while the cluster is idle. */
  idleChanges: number;
  /**
   * A third of the way through, hold new phones this long before C is killed, so that what
   * C served until then is written for certain; the kill comes once a few more have booted,
   * with phones under way on C. 0: C is killed as the third phone boots, no lull.
   */
  lullMs: number;
  /** The plugndial to run: the compiled build (a benchmark) or the sources (a test). */
  bin: string;
  /** Then the same storm against one fresh node on the same database, for the ratio. */
  peer: boolean;
  progress?: (line: string) => void;
}

export interface NodeFigures {
  name: string;
  /** Phones whose boot ended on this node. */
  served: number;
  cpuS: number;
  peakMb: number;
  killed: boolean;
}

/** One family's files, compared between the nodes. */
export interface Agreement {
  vendor: string;
  phones: number;
  files: number;
  /** The UVCs and file versions inside them, the same on every node. */
  versions: number;
  example?: string;
}

export interface NodesStormReport {
  storm: StormResult;
  /** The same phones against one node, nothing killed (when asked for). */
  peer?: { storm: StormResult; cpuS: number; peakMb: number };
  importS: number;
  /** Phones that had booted when node C was killed, and when (ms into the storm). */
  killedAfterPhones: number;
  killedAtMs: number;
  nodes: NodeFigures[];
  postgres: { cpuS: number; peakRssMb: number; peakPssMb: number; processes: number };
  propagation: { idle: Propagation[]; storm: Propagation[] };
  /** Before the storm on all three nodes at once, and after it on the two left. */
  agreement: { before: Agreement[]; after: Agreement[]; differences: string[] };
  events: {
    /** Phones whose events were read from every surviving node, by the node that served them. */
    checked: Record<string, number>;
    /** Events of one phone that the nodes answered differently, or that were missing. */
    problems: string[];
    /**
     * Phones served by the killed node in its last second, their events visible / all, and
     * when those whose events are not all there ended (ms from the kill, earliest and latest).
     */
    lastSecond: { visible: number; phones: number; lost: [number, number] | undefined };
    /** The newest events, read from each surviving node: the same list on every one. */
    newest: { count: number; same: boolean };
  };
}

const PROBE_KEY = 'accounts.1.display_name';
/** Events are flushed every 200 ms: a phone done this long before the kill is on record. */
const FLUSHED_MS = 1000;

export async function runNodesStorm(options: NodesStormOptions): Promise<NodesStormReport> {
  const say = options.progress ?? ((): void => undefined);
  const dir = mkdtempSync(join(tmpdir(), 'plugndial-nodes-'));
  const postgres = await startPostgres({ durable: options.durable });
  const nodes: Node[] = [];
  try {
    const databaseUrl = postgres.url;
    const phones = fleet(options.phones);
    const csv = join(dir, 'fleet.csv');
    writeFileSync(csv, fleetCsv(phones));
    const importing = performance.now();
    const imported = spawnSync(
      options.bin,
      ['device', 'import', csv, '--database', databaseUrl, '--data-dir', join(dir, 'import')],
      { encoding: 'utf8', timeout: 300_000 },
    );
    if (imported.status !== 0) throw new Error(`device import: ${imported.stderr}`);
    const importS = (performance.now() - importing) / 1000;
    say(`fleet imported into PostgreSQL in ${importS.toFixed(1)} s`);

    for (const name of ['A', 'B', 'C'])
      nodes.push(await startNode(name, databaseUrl, join(dir, `node-${name}`), options.bin));
    const [a, b, c] = nodes as [Node, Node, Node];
    say(`nodes A, B, C listening at ${nodes.map((node) => node.port).join(', ')}`);

    const samples = samplePhones(phones, options.samplePerFamily);
    const before = await compareNodes(nodes, samples, true);
    say(`files of ${samples.length} phones compared on A, B and C`);

    const probe = await findProbe(a, phones[0]!, PROBE_KEY);
    const idle: Propagation[] = [];
    for (let k = 0; k < options.idleChanges; k++)
      idle.push(...(await propagate(a, [b, c], probe, PROBE_KEY, `idle-${k}-${Date.now()}`)));

    // PostgreSQL's memory through the storm: sampled, since its backends come and go.
    const pgCpuBefore = postgresCpuSeconds(postgres.dataDir);
    let pgPeak = postgresMemoryMb(postgres.dataDir);
    const sampler = setInterval(() => {
      const now = postgresMemoryMb(postgres.dataDir);
      pgPeak = { rss: Math.max(pgPeak.rss, now.rss), pss: Math.max(pgPeak.pss, now.pss) };
    }, 250);

    const cpuBefore = nodes.map((node) => cpuSeconds(node.pid));
    const figures = new Map<string, { cpuS: number; peakMb: number }>();
    const killAfter = Math.floor(options.phones / 3);
    let began = 0;
    let killedAt = 0;
    let lullAt: number | undefined;
    let lullFrom = 0;
    const balancer = new Balancer(nodes, (booted) => {
      if (booted < killAfter || c.killed) return;
      if (options.lullMs > 0 && lullAt === undefined) {
        lullAt = booted;
        lullFrom = performance.now();
        balancer.hold(options.lullMs);
        say(`a lull of ${options.lullMs} ms when ${booted} phones had booted`);
        return;
      }
      // Not before the lull is over: the phones in flight when it began finish within it, and
      // on a loaded machine they would make up the count below before C's earlier phones are
      // old enough to be on record.
      if (
        lullAt !== undefined &&
        (performance.now() - lullFrom < options.lullMs ||
          booted < lullAt + Math.ceil(options.concurrency / 4))
      )
        return;
      figures.set(c.name, { cpuS: cpuSeconds(c.pid) - cpuBefore[2]!, peakMb: peakRssMb(c.pid) });
      killedAt = performance.now();
      killNode(c);
      say(`node C killed (SIGKILL) when ${booted} of ${options.phones} phones had booted`);
    });

    // Changes keep coming through A during the storm, each timed to B (and C while it lives).
    let storming = true;
    const during: Propagation[] = [];
    const changes = (async (): Promise<void> => {
      for (let k = 0; storming; k++) {
        const readers = [b, c].filter(alive);
        during.push(...(await propagate(a, readers, probe, PROBE_KEY, `storm-${k}-${Date.now()}`)));
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    })();
    began = performance.now();
    const stormFrom = new Date();
    let result: StormResult;
    try {
      result = await storm(balancer.watch(phones), a.doors, {
        concurrency: options.concurrency,
        doorsFor: balancer.doorsFor,
      });
    } finally {
      storming = false;
      clearInterval(sampler);
    }
    await changes;
    const stormUntil = new Date();
    for (const [i, node] of nodes.entries())
      if (!node.killed)
        figures.set(node.name, {
          cpuS: cpuSeconds(node.pid) - cpuBefore[i]!,
          peakMb: peakRssMb(node.pid),
        });
    const pgCpuS = postgresCpuSeconds(postgres.dataDir) - pgCpuBefore;
    const processes = postgresPids(postgres.dataDir).length;

    const survivors = nodes.filter(alive);
    const after = await compareNodes(survivors, samples, false);
    // The survivors' own last events are written within 200 ms of being recorded.
    await new Promise((resolve) => setTimeout(resolve, FLUSHED_MS));
    const events = await checkEvents(balancer, survivors, {
      phones,
      perNode: options.eventsPerNode,
      // The phones booted outside the storm too: the probe, and those compared across nodes.
      skip: new Set([phones[0]!, ...samples].map((phone) => phone.identity.mac)),
      window: { since: stormFrom.toISOString(), until: stormUntil.toISOString() },
      killedAt,
    });

    let peer: NodesStormReport['peer'];
    if (options.peer) {
      await Promise.all(survivors.map((node) => node.server.stop()));
      const lone = await startNode('D', databaseUrl, join(dir, 'node-D'), options.bin);
      nodes.push(lone);
      say('the peer: the same phones against one fresh node on the same database');
      const cpu = cpuSeconds(lone.pid);
      const alone = await storm(phones, lone.doors, { concurrency: options.concurrency });
      peer = { storm: alone, cpuS: cpuSeconds(lone.pid) - cpu, peakMb: peakRssMb(lone.pid) };
    }

    const served = new Map<string, number>();
    for (let i = 0; i < phones.length; i++) {
      const node = balancer.servedBy(i)?.node;
      if (node) served.set(node, (served.get(node) ?? 0) + 1);
    }
    return {
      storm: result,
      ...(peer ? { peer } : {}),
      importS,
      killedAfterPhones: killAfter,
      killedAtMs: killedAt - began,
      nodes: nodes.slice(0, 3).map((node) => ({
        name: node.name,
        served: served.get(node.name) ?? 0,
        ...figures.get(node.name)!,
        killed: node.killed,
      })),
      postgres: { cpuS: pgCpuS, peakRssMb: pgPeak.rss, peakPssMb: pgPeak.pss, processes },
      propagation: { idle, storm: during },
      agreement: {
        before: before.agreement,
        after: after.agreement,
        differences: [...before.differences, ...after.differences],
      },
      events,
    };
  } finally {
    await Promise.all(nodes.map((node) => node.server.stop()));
    await postgres.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The first `count` phones of each family, Gigaset's and Fanvil's twice as many. */
function samplePhones(phones: readonly Phone[], count: number): Phone[] {
  const picked: Phone[] = [];
  for (const { vendor } of MIX) {
    const wanted = vendor === 'gigaset' || vendor === 'fanvil' ? 2 * count : count;
    picked.push(...phones.filter((phone) => phone.identity.vendor === vendor).slice(0, wanted));
  }
  return picked;
}

/**
 * Boots each sample phone through every node, as a phone behind the balancer would, and
 * compares what they served. `atOnce`: on every node at the same time, so the nodes race
 * to give a content its first version.
 */
async function compareNodes(
  nodes: readonly Node[],
  samples: readonly Phone[],
  atOnce: boolean,
): Promise<{ agreement: Agreement[]; differences: string[] }> {
  const byVendor = new Map<string, Agreement>();
  const found: string[] = [];
  for (const phone of samples) {
    const boots = atOnce
      ? await Promise.all(nodes.map((node) => bootThrough(node, phone)))
      : await sequential(nodes.map((node) => () => bootThrough(node, phone)));
    const [first, ...others] = boots;
    for (const [i, other] of others.entries())
      for (const difference of differences(first!, other))
        found.push(`${phone.identity.mac} A/${nodes[i + 1]!.name}: ${difference}`);
    const versions = versionsIn(first!);
    const vendor = phone.identity.vendor;
    const entry = byVendor.get(vendor) ?? { vendor, phones: 0, files: 0, versions: 0 };
    entry.phones++;
    entry.files += first!.length;
    entry.versions += versions.length;
    entry.example ??= versions[0];
    byVendor.set(vendor, entry);
  }
  return { agreement: [...byVendor.values()], differences: found };
}

async function sequential<T>(tasks: (() => Promise<T>)[]): Promise<T[]> {
  const results: T[] = [];
  for (const task of tasks) results.push(await task());
  return results;
}

interface EventsCheck {
  phones: readonly Phone[];
  perNode: number;
  skip: ReadonlySet<string>;
  window: { since: string; until: string };
  killedAt: number;
}

/**
 * Reads back, from every surviving node, the storm's events of phones each node served (a
 * spread of up to `perNode` of each). Every node must answer the same list, and a phone that
 * booted at its first attempt must have as many events as the other phones of its family
 * (its requests that name it: a file common to a family names no phone). The killed node's
 * phones of its last second may have had their events in its unwritten batch.
 */
async function checkEvents(
  balancer: Balancer,
  readers: readonly Node[],
  check: EventsCheck,
): Promise<NodesStormReport['events']> {
  const checked: Record<string, number> = {};
  const problems: string[] = [];
  const lastSecond: NodesStormReport['events']['lastSecond'] = {
    visible: 0,
    phones: 0,
    lost: undefined,
  };
  const byNode = new Map<string, number[]>();
  check.phones.forEach((phone, i) => {
    const attempt = balancer.servedBy(i);
    if (!attempt || check.skip.has(phone.identity.mac)) return;
    byNode.set(attempt.node, [...(byNode.get(attempt.node) ?? []), i]);
  });
  const window = `&since=${check.window.since}&until=${check.window.until}`;
  const seen: {
    index: number;
    node: string;
    count: number;
    once: boolean;
    late: boolean;
    endedAt: number;
  }[] = [];
  for (const [node, indexes] of byNode) {
    const step = Math.max(1, Math.floor(indexes.length / check.perNode));
    const killed = balancer.nodes.find((n) => n.name === node)!.killed;
    for (let k = 0; k < indexes.length; k += step) {
      const index = indexes[k]!;
      const mac = check.phones[index]!.identity.mac;
      const views = await Promise.all(readers.map((reader) => eventsOf(reader, mac, window)));
      const ids = views.map((events) => events.map((event) => event.id).join(','));
      if (ids.some((list) => list !== ids[0]))
        problems.push(`${mac}: the nodes answer different events`);
      const attempts = balancer.attempts.get(index)!;
      // Each event names a node the phone went to: the one that served that request.
      const tried = new Set(attempts.map((attempt) => attempt.node));
      const stranger = views[0]!.find((event) => !tried.has(event.node ?? '-'));
      if (stranger)
        problems.push(
          `${mac} went to ${[...tried].join(', ')}, but an event names ${stranger.node ?? 'no node'}`,
        );
      const endedAt = attempts.at(-1)!.endedAt;
      const late = killed && endedAt > check.killedAt - FLUSHED_MS;
      const once = attempts.length === 1;
      seen.push({ index, node, count: views[0]!.length, once, late, endedAt });
    }
  }
  // A family's events per boot, as the phones booted at once on a surviving node have them.
  const perBoot = new Map<string, number>();
  for (const entry of seen) {
    if (!entry.once || balancer.nodes.find((n) => n.name === entry.node)!.killed) continue;
    const vendor = check.phones[entry.index]!.identity.vendor;
    perBoot.set(vendor, Math.max(perBoot.get(vendor) ?? 0, entry.count));
  }
  for (const { index, node, count, once, late, endedAt } of seen) {
    const { mac, vendor } = check.phones[index]!.identity;
    const expected = perBoot.get(vendor) ?? 1;
    const complete = once ? count === expected : count >= expected;
    if (late) {
      lastSecond.phones++;
      if (complete) lastSecond.visible++;
      else {
        const at = endedAt - check.killedAt;
        const [from, to] = lastSecond.lost ?? [at, at];
        lastSecond.lost = [Math.min(from, at), Math.max(to, at)];
      }
      continue;
    }
    checked[node] = (checked[node] ?? 0) + 1;
    if (!complete)
      problems.push(
        `${mac} (${vendor}, served by ${node}${once ? '' : ' after a retry'}): ${count} events, ${expected} per boot`,
      );
  }
  // What each node served, the killed one too, asked of one that is left.
  for (const node of balancer.nodes) {
    const own = await api<ProvisioningEvent[]>(
      readers[0]!,
      'GET',
      `/events?node=${node.name}&limit=100`,
    );
    if (own.length === 0 || own.some((event) => event.node !== node.name))
      problems.push(
        `/events?node=${node.name} on ${readers[0]!.name}: ${own.length} events, not all of ${node.name}`,
      );
  }
  const newest = await Promise.all(
    readers.map((reader) => api<ProvisioningEvent[]>(reader, 'GET', '/events?limit=1000')),
  );
  const lists = newest.map((events) => JSON.stringify(events));
  return {
    checked,
    problems,
    lastSecond,
    newest: { count: newest[0]!.length, same: lists.every((list) => list === lists[0]) },
  };
}

/** CPU of the PostgreSQL server: the postmaster, its live backends and those that ended. */
function postgresCpuSeconds(dataDir: string): number {
  const [postmaster, ...children] = postgresPids(dataDir);
  const fields = (pid: number): number[] => {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat
      .slice(stat.lastIndexOf(')') + 2)
      .split(' ')
      .map(Number);
  };
  // utime, stime at 11 and 12; cutime, cstime (children waited for) at 13 and 14.
  const own = fields(postmaster!);
  let ticks = own[11]! + own[12]! + own[13]! + own[14]!;
  for (const pid of children) {
    try {
      const child = fields(pid);
      ticks += child[11]! + child[12]!;
    } catch {
      // ended meanwhile: counted in the postmaster's cutime from now on
    }
  }
  return ticks / 100;
}
