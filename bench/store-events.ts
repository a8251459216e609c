/**
 * How long the embedded store keeps the main thread (the one that answers phones) busy:
 *   (a) 50,000 provisioning events appended in batches of 500, one batch after another, as
 *       the EventRecorder writes them during a boot storm,
 *   (b) queries of those events: the newest 100, one phone's newest 100, the newest 10,000,
 *   (c) an 8 MiB file written and read back in 256 KiB chunks (bytea).
 *
 *   node --import tsx bench/store-events.ts [--events N] [--batch N] [--file-mib N] [--database URL]
 *
 * The embedded store (SQLite) in a temporary data directory, or a PostgreSQL database
 * (--database; its tables are used as they are). For each: wall time, the CPU time of this
 * process, the main thread's busy time (event loop utilisation) and the gaps between ticks of
 * a 1 ms timer while it ran (the longest, the 99th percentile): how long a phone's request
 * could have waited. A measurement, not a test: it exits 0 unless the store fails.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import { parseArgs } from 'node:util';

import type { ProvisioningEvent } from '../src/model/event.ts';
import { openStore } from '../src/store/open.ts';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '50000' },
    batch: { type: 'string', default: '500' },
    'file-mib': { type: 'string', default: '8' },
    database: { type: 'string' },
  },
});
const EVENTS = Number(values.events);
const BATCH = Number(values.batch);
const FILE_BYTES = Number(values['file-mib']) * 1024 * 1024;

interface Measure {
  wallMs: number;
  cpuMs: number;
  busyMs: number;
  maxDelayMs: number;
  p99DelayMs: number;
}

/**
 * Runs `work` while a 1 ms timer probes the event loop. monitorEventLoopDelay is no use here:
 * a query that resolves in microtasks starves the timer phase, so it records nothing at all.
 */
async function measure(work: () => Promise<void>): Promise<Measure> {
  const gaps: number[] = [];
  let last = performance.now();
  let probe: NodeJS.Timeout | undefined;
  const tick = (): void => {
    const now = performance.now();
    gaps.push(now - last);
    last = now;
    probe = setTimeout(tick, 1);
  };
  probe = setTimeout(tick, 1);
  const elu = performance.eventLoopUtilization();
  const cpu = process.cpuUsage();
  const started = performance.now();
  await work();
  const wallMs = performance.now() - started;
  const cpuUsed = process.cpuUsage(cpu);
  const used = performance.eventLoopUtilization(elu);
  // One more turn of the loop, so a probe starved until now records its wait.
  await new Promise((resolve) => setTimeout(resolve, 2));
  clearTimeout(probe);
  gaps.sort((a, b) => a - b);
  return {
    wallMs,
    cpuMs: (cpuUsed.user + cpuUsed.system) / 1000,
    busyMs: used.active,
    maxDelayMs: gaps.at(-1) ?? wallMs,
    p99DelayMs: gaps[Math.floor(gaps.length * 0.99)] ?? wallMs,
  };
}

function event(i: number): ProvisioningEvent {
  const mac = `0015650000${(i % 256).toString(16).padStart(2, '0')}`;
  return {
    at: new Date(Date.UTC(2026, 0, 1, 0, 0, 0, i)).toISOString(),
    mac,
    driver: 'yealink',
    file: `${mac}.cfg`,
    transport: 'http',
    address: `192.0.2.${i % 250}`,
    status: 200,
    bytes: 2560,
    durationMs: 0.4,
    userAgent: 'Yealink SIP-T54W 96.86.0.100 00:15:65:00:00:00',
  };
}

function report(name: string, m: Measure, extra = ''): void {
  console.log(
    `${name.padEnd(34)} wall ${m.wallMs.toFixed(0).padStart(6)} ms   CPU ${m.cpuMs
      .toFixed(0)
      .padStart(6)} ms   main thread busy ${m.busyMs
      .toFixed(0)
      .padStart(6)} ms (${((m.busyMs / m.wallMs) * 100).toFixed(0).padStart(3)}%)   ` +
      `loop delay max ${m.maxDelayMs.toFixed(1).padStart(6)} ms, p99 ${m.p99DelayMs.toFixed(1).padStart(6)} ms${extra}`,
  );
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'plugndial-bench-store-'));
  try {
    const store = await openStore(
      values.database ? { databaseUrl: values.database } : { dataDir: join(dir, 'data') },
    );
    try {
      // Warm up the statement path and the JIT once, outside the measurement.
      await store.appendEvents(Array.from({ length: BATCH }, (_, i) => event(i)));

      const batches = Array.from({ length: Math.ceil(EVENTS / BATCH) }, (_, b) =>
        Array.from({ length: Math.min(BATCH, EVENTS - b * BATCH) }, (_, i) => event(b * BATCH + i)),
      );
      const append = await measure(async () => {
        for (const batch of batches) await store.appendEvents(batch);
      });
      report(
        `append ${EVENTS} events, ${BATCH} a batch`,
        append,
        `   ${((EVENTS / append.wallMs) * 1000).toFixed(0)} events/s, CPU ${(
          (append.cpuMs * 1000) /
          EVENTS
        ).toFixed(1)} µs an event`,
      );

      for (const [name, query, expected] of [
        ['query the newest 100', {}, 100],
        ["query one phone's newest 100", { mac: event(7).mac }, 100],
        ['query the newest 10,000', { limit: 10_000 }, 10_000],
      ] as const) {
        let found = 0;
        const queried = await measure(async () => {
          found = (await store.queryEvents(query)).length;
        });
        if (found !== Math.min(expected, EVENTS)) throw new Error(`${name}: found ${found}`);
        report(name, queried);
      }

      const bytes = Buffer.alloc(FILE_BYTES, 7);
      const write = await measure(async () => {
        await store.putFile('bench.bin', Readable.from([bytes]), 'application/octet-stream');
      });
      report(`write a ${FILE_BYTES / 1024 / 1024} MiB file`, write);
      let read = 0;
      const readBack = await measure(async () => {
        const handle = await store.openFile('bench.bin');
        for await (const chunk of handle!.stream()) read += (chunk as Buffer).length;
      });
      if (read !== FILE_BYTES) throw new Error(`read ${read} bytes, not ${FILE_BYTES}`);
      report(`read it back`, readBack);
    } finally {
      await store.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
