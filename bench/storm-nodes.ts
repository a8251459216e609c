/**
 * A boot storm against several nodes: three nodes of the compiled build sharing one
 * PostgreSQL 15 server, the phones spread over them round-robin as a load balancer would,
 * node C SIGKILLed once a third of the phones have set out; a phone whose attempt failed
 * tries again on another node. Around the storm it measures what makes several nodes one
 * service:
 *   - a change through node A's API (a device's display name), timed until B and C's phone
 *     doors serve it: on the idle cluster, and every half second during the storm;
 *   - sample phones of every family booted through each node (the same Host, as behind the
 *     balancer): the same files, bodies and ETags, Gigaset UVCs and Fanvil versions, on all
 *     three at once before the storm (the nodes race to version a content) and on the two
 *     left after it;
 *   - the events of phones each node served (the killed one's too) read back from every
 *     surviving node.
 * The peer: the same phones against one fresh node on the same database, nothing killed;
 * it prints 3 nodes / 1 node in phones/s.
 *
 *   npm run build && node --import tsx bench/storm-nodes.ts [--phones 10000] [--concurrency 128] [--quick]
 *
 * It prints phones/s, boot percentiles, retries and failures, each node's CPU (utime+stime)
 * and peak RSS (VmHWM), and the PostgreSQL server's CPU and memory (RSS and PSS summed over
 * its processes, peak of samples every 250 ms). Exits non-zero when a phone fails, the nodes
 * serve different files, a change does not reach a node, or events are missing.
 * --quick: 300 phones.
 */
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';

import { COMPILED_BIN } from '../test/support/serve.ts';
import { killAll } from './support/children.ts';
import { runNodesStorm, type NodesStormReport } from './support/nodes-storm.ts';
import {
  percentile,
  printRow,
  RETRIES,
  RETRY_PAUSE_MS,
  type StormResult,
} from './support/storm.ts';
import type { Propagation } from './support/nodes.ts';

const { values } = parseArgs({
  options: {
    phones: { type: 'string' },
    concurrency: { type: 'string', default: '128' },
    quick: { type: 'boolean', default: false },
  },
});
const PHONES = Number(values.phones ?? (values.quick ? 300 : 10_000));
const CONCURRENCY = Number(values.concurrency);
if (!Number.isInteger(PHONES) || PHONES < 30 || PHONES > 1_000_000)
  throw new Error('--phones: expected 30 … 1000000');
if (!Number.isInteger(CONCURRENCY) || CONCURRENCY < 1 || CONCURRENCY > 4096)
  throw new Error('--concurrency: expected 1 … 4096');

function median(list: readonly number[]): number {
  return percentile(
    [...list].sort((x, y) => x - y),
    50,
  );
}

function times(samples: readonly Propagation[]): string {
  if (samples.length === 0) return 'no samples';
  const byNode = new Map<string, Propagation[]>();
  for (const sample of samples)
    byNode.set(sample.node, [...(byNode.get(sample.node) ?? []), sample]);
  const lines = [...byNode].map(([node, list]) => {
    const late = list.map((sample) => sample.ms - sample.answeredMs);
    const max = Math.max(...late);
    const learnt = list.map((sample) => Math.max(0, sample.notBeforeMs - sample.answeredMs));
    return `${node} served it median ${median(late).toFixed(0)} ms, max ${max.toFixed(0)} ms after A answered (${list.length} changes${max <= 1000 ? '' : ', OVER 1 s'}); the last poll that got the old file set out at most ${Math.max(...learnt).toFixed(0)} ms after A answered; the poll that saw it took median ${median(list.map((sample) => sample.pollMs)).toFixed(0)} ms`;
  });
  const answered = [...new Set(samples.map((sample) => sample.answeredMs))];
  lines.push(`A answered the change in median ${median(answered).toFixed(0)} ms`);
  return lines.join('\n                ');
}

function print(report: NodesStormReport): void {
  printRow({ name: 'plugndial, 3 nodes on one PostgreSQL, HTTP', result: report.storm });
  if (report.peer)
    printRow({
      name: 'plugndial, 1 node on the same PostgreSQL, HTTP (the peer)',
      result: report.peer.storm,
      cpuS: report.peer.cpuS,
      peakMb: report.peer.peakMb,
    });
  if (report.peer) {
    const rate = (result: StormResult): number => result.phones / result.wallMs;
    console.log(
      `\n3 nodes (one killed) / 1 node: ${(rate(report.storm) / rate(report.peer.storm)).toFixed(2)}× phones/s`,
    );
  }
  console.log(`\nthe 3 nodes:`);
  console.log(
    `  node C killed ${(report.killedAtMs / 1000).toFixed(2)} s in, when ${report.killedAfterPhones} phones had booted`,
  );
  for (const node of report.nodes)
    console.log(
      `  node ${node.name}: ${node.served} phones finished there; CPU ${node.cpuS.toFixed(2)} s, peak RSS ${node.peakMb.toFixed(0)} MB${node.killed ? ' (until its SIGKILL)' : ''}`,
    );
  const pg = report.postgres;
  console.log(
    `  PostgreSQL: CPU ${pg.cpuS.toFixed(2)} s; memory at its peak RSS ${pg.peakRssMb.toFixed(0)} MB, PSS ${pg.peakPssMb.toFixed(0)} MB (${pg.processes} processes after the storm)`,
  );
  console.log(
    `\na device's display name changed through A's API, polled on the other nodes' phone doors:`,
  );
  console.log(`  idle:         ${times(report.propagation.idle)}`);
  console.log(`  during storm: ${times(report.propagation.storm)}`);
  console.log(
    `\nthe same files on every node (a sample of each family, through the balancer's Host):`,
  );
  for (const [when, list] of [
    ['before the storm, A B C at once', report.agreement.before],
    ['after it, A B', report.agreement.after],
  ] as const) {
    const families = list
      .map((entry) => `${entry.vendor} ${entry.phones}/${entry.files}/${entry.versions}`)
      .join(', ');
    console.log(`  ${when} (phones/files/versions): ${families}`);
  }
  for (const entry of report.agreement.before)
    if (entry.example) console.log(`    e.g. ${entry.vendor}: ${entry.example}`);
  console.log(`  differences: ${report.agreement.differences.length}`);
  for (const difference of report.agreement.differences.slice(0, 10))
    console.log(`    DIFFERS ${difference}`);
  const events = report.events;
  const lost = events.lastSecond.lost;
  const checked = Object.entries(events.checked)
    .map(([node, n]) => `${n} of ${node}`)
    .join(', ');
  console.log(
    `\nevents, read back from A and B (each names the node that served it, one the phone went to; each node's asked of A by --node):`,
  );
  console.log(`  phones checked: ${checked}; problems ${events.problems.length}`);
  console.log(
    `  C's phones of its last second: ${events.lastSecond.visible} of ${events.lastSecond.phones} with all their events${lost ? ` (the others ended ${lost[0].toFixed(0)} … ${lost[1].toFixed(0)} ms from the kill: in its unwritten batch, or booted with their last, optional requests unanswered)` : ''}`,
  );
  console.log(
    `  newest ${events.newest.count} events: ${events.newest.same ? 'the same on A and B' : 'DIFFER between A and B'}`,
  );
  for (const problem of events.problems.slice(0, 10)) console.log(`    PROBLEM ${problem}`);
}

async function main(): Promise<number> {
  console.log(
    `plugndial boot storm on 3 nodes${values.quick ? ' (--quick)' : ''}: ${PHONES} phones, ${CONCURRENCY} at once; node ${process.version}, ${cpus().length} CPUs, the compiled build`,
  );
  console.log(
    `each phone: its vendor's DHCP answer for its node, its boot sequence; up to ${RETRIES} retries ${RETRY_PAUSE_MS} ms apart, each on the next node`,
  );
  try {
    const report = await runNodesStorm({
      phones: PHONES,
      concurrency: CONCURRENCY,
      durable: true,
      samplePerFamily: values.quick ? 2 : 5,
      eventsPerNode: values.quick ? PHONES : 200,
      idleChanges: 10,
      peer: true,
      bin: COMPILED_BIN,
      lullMs: 0,
      progress: (line) => console.log(line),
    });
    print(report);
    const late = [...report.propagation.idle, ...report.propagation.storm].some(
      (sample) => sample.ms - sample.answeredMs > 1000,
    );
    if (late) console.log('\nA change took over 1 s after A answered to reach a node.');
    return report.storm.failed > 0 ||
      report.agreement.differences.length > 0 ||
      report.events.problems.length > 0 ||
      !report.events.newest.same ||
      (report.peer?.storm.failed ?? 0) > 0
      ? 1
      : 0;
  } finally {
    killAll();
  }
}

process.exitCode = await main();
