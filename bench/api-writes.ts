/**
 * Durable changes under concurrency: C clients (wrk) creating devices through the admin API
 * for S seconds, every answer given only once its change is on the disk. plugndial on the
 * embedded store against plugndial on a PostgreSQL server run as operators run it (fsync and
 * synchronous_commit on): the server whose group commit is the field's yardstick. While the
 * writes run, a phone fetches its file once every 20 ms over the HTTP door: its median and
 * worst wait say whether the disk's turns hold the phones up.
 *
 *   npm run build && node --import tsx bench/api-writes.ts [--connections 32] [--seconds 8]
 *
 * Prints writes/s, p99, the phone's wait, the devices the store holds afterwards (every
 * answered write, none twice) and the ratio embedded / PostgreSQL. Exits non-zero when a
 * server does not start, a write is refused, or the count of devices differs from the
 * writes answered; the figures themselves are a measurement, not a test.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import { startPostgres } from '../test/support/postgres.ts';
import { COMPILED_BIN, httpOnly, serve } from '../test/support/serve.ts';
import { killAll, track } from './support/children.ts';
import { runWrk, type WrkResult } from './support/wrk.ts';

const { values } = parseArgs({
  options: {
    connections: { type: 'string', default: '32' },
    seconds: { type: 'string', default: '8' },
  },
});
const CONNECTIONS = Number(values.connections);
const SECONDS = Number(values.seconds);
if (!Number.isInteger(CONNECTIONS) || CONNECTIONS < 1 || CONNECTIONS > 1024)
  throw new Error('--connections: expected 1 … 1024');
if (!Number.isInteger(SECONDS) || SECONDS < 1 || SECONDS > 120)
  throw new Error('--seconds: expected 1 … 120');

/** A phone of the fleet that is there before the writes start, outside the writes' MACs. */
const PHONE = '0021f3000001';

/**
 * wrk's script: each request a new device, its MAC from one counter (wrk runs one thread, so
 * every connection shares it): no two requests name one device, up to 16 million of them.
 */
const SCRIPT = `
local counter = 0
request = function()
  counter = counter + 1
  local mac = string.format("0021f2%06x", counter)
  local body = '{"mac":"' .. mac .. '","vendor":"flyingvoice"}'
  return wrk.format("POST", "/api/v1/devices", {
    ["content-type"] = "application/json",
    ["authorization"] = "Bearer " .. os.getenv("PLUGNDIAL_TOKEN"),
  }, body)
end
`;

interface Row {
  store: string;
  wrk: WrkResult;
  devices: number;
  phoneMedianMs: number;
  phoneMaxMs: number;
}

async function measure(store: string, storeArgs: string[], dir: string): Promise<Row> {
  const dataDir = join(dir, `data-${store.split(' ')[0]}`);
  const server = await serve(
    [...storeArgs, ...httpOnly(dataDir), '--admin', '127.0.0.1:0', '--acs', 'off'],
    90_000,
    COMPILED_BIN,
  );
  track(server.child);
  try {
    const admin = `http://127.0.0.1:${server.ports['admin']}`;
    const token = readFileSync(join(dataDir, 'admin-token'), 'utf8').trim();
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const made = await fetch(`${admin}/api/v1/devices`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ mac: PHONE, vendor: 'flyingvoice' }),
    });
    if (made.status !== 201) throw new Error(`${store}: the phone was not added: ${made.status}`);
    const script = join(dir, 'writes.lua');
    writeFileSync(script, SCRIPT);
    process.env['PLUGNDIAL_TOKEN'] = token;

    // The phone, while the writes run: one fetch every 20 ms, each timed.
    const waits: number[] = [];
    let writing = true;
    const phone = (async () => {
      const url = `http://127.0.0.1:${server.ports['http']}/${PHONE}.cfg`;
      while (writing) {
        const started = performance.now();
        const response = await fetch(url);
        await response.arrayBuffer();
        if (response.status !== 200) throw new Error(`${store}: the phone got ${response.status}`);
        waits.push(performance.now() - started);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    let wrk: WrkResult;
    try {
      wrk = await runWrk(admin, {
        connections: CONNECTIONS,
        seconds: SECONDS,
        close: false,
        script,
      });
    } finally {
      writing = false;
      await phone;
    }
    const page = await fetch(`${admin}/api/v1/fleet/devices?limit=1`, { headers });
    const { total } = (await page.json()) as { total: number };
    waits.sort((a, b) => a - b);
    return {
      store,
      wrk,
      // Less the phone added first.
      devices: total - 1,
      phoneMedianMs: waits[Math.floor(waits.length / 2)] ?? Number.NaN,
      phoneMaxMs: waits.at(-1) ?? Number.NaN,
    };
  } finally {
    server.child.kill('SIGTERM');
  }
}

function printRow(row: Row): void {
  const answered = row.wrk.requests - row.wrk.non2xx;
  console.log(
    `  ${row.store.padEnd(22)} ${row.wrk.requestsPerSecond.toFixed(0).padStart(7)} writes/s` +
      `  p99 ${row.wrk.p99Ms.toFixed(1)} ms  refused ${row.wrk.non2xx}, socket errors ${row.wrk.socketErrors}` +
      `  phone median ${row.phoneMedianMs.toFixed(1)} ms, worst ${row.phoneMaxMs.toFixed(1)} ms` +
      `  devices stored ${row.devices}, writes answered ${answered}`,
  );
}

async function main(): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'plugndial-api-writes-'));
  const postgres = await startPostgres({ durable: true });
  try {
    console.log(
      `plugndial durable API writes: ${CONNECTIONS} clients creating devices for ${SECONDS} s; node ${process.version}, ${cpus().length} CPUs, the compiled build`,
    );
    console.log(
      `load average before: ${loadavg()
        .map((n) => n.toFixed(2))
        .join(' ')}`,
    );
    const embedded = await measure('embedded (SQLite)', [], dir);
    printRow(embedded);
    const shared = await measure('PostgreSQL (fsync on)', ['--database', postgres.url], dir);
    printRow(shared);
    console.log(
      `embedded / PostgreSQL: ${(embedded.wrk.requestsPerSecond / shared.wrk.requestsPerSecond).toFixed(2)}x writes/s`,
    );
    // wrk counts the answers it read; writes still in flight when it stopped may be stored too.
    const bad = [embedded, shared].filter((row) => {
      const answered = row.wrk.requests - row.wrk.non2xx;
      return (
        row.wrk.non2xx > 0 ||
        row.wrk.socketErrors > 0 ||
        row.devices < answered ||
        row.devices > answered + CONNECTIONS
      );
    });
    for (const row of bad)
      console.log(`✗ ${row.store}: refused writes, or fewer devices than writes answered`);
    return bad.length > 0 ? 1 : 0;
  } finally {
    killAll();
    await postgres.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

process.exitCode = await main();
