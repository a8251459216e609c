import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { tftpGet } from '../../src/simulate/tftp-client.ts';
import { cli } from '../support/cli.ts';
import { tempDir } from '../support/harness.ts';
import { requirePeer } from '../support/peer.ts';
import { serve, type ServeProcess } from '../support/serve.ts';

// GET /metrics of a real server after phones fetched over HTTP and TFTP: what was counted,
// who may read it, and promtool (Prometheus's own checker) on the text.

const MAC = '0021f20000f1';
let dir: string;
let server: ServeProcess;
let base: string;
let token: string;

before(async () => {
  dir = tempDir();
  server = await serve([
    '--data-dir',
    dir,
    '--http',
    '127.0.0.1:0',
    '--tftp',
    '127.0.0.1:0',
    '--sip',
    'off',
  ]);
  base = `http://127.0.0.1:${server.ports['http']}`;
  token = readFileSync(join(dir, 'admin-token'), 'utf8').trim();
  const added = await cli('device', 'add', MAC, '--vendor', 'flyingvoice', '--data-dir', dir);
  assert.equal(added.code, 0, added.err);
});

after(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** The value of one sample, by its name and labels as written. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

async function scrape(): Promise<string> {
  const response = await fetch(`${base}/metrics`, {
    headers: { authorization: `Bearer ${token}` },
  });
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  return response.text();
}

test('/metrics wants the admin token unless it is public', async () => {
  assert.equal((await fetch(`${base}/metrics`)).status, 401);
  const wrong = await fetch(`${base}/metrics`, { headers: { authorization: 'Bearer nope' } });
  assert.equal(wrong.status, 401);
  assert.equal(((await wrong.json()) as { code: string }).code, 'PND_UNAUTHORIZED');
  assert.equal(
    (await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${token}` } })).status,
    200,
  );
});

test('requests are counted by door, vendor, kind and status, with latency, TFTP, store and process metrics', async () => {
  for (let i = 0; i < 2; i++) assert.equal((await fetch(`${base}/${MAC}.cfg`)).status, 200);
  assert.equal((await fetch(`${base}/no-such-file.bin`)).status, 404);
  const boot = await tftpGet({
    host: '127.0.0.1',
    port: server.ports['tftp']!,
    path: `${MAC}.boot`,
  });
  assert.ok(boot.length > 0);
  // The TFTP event is counted once the transfer has ended on the server's side too.
  let text = '';
  for (let i = 0; i < 100; i++) {
    text = await scrape();
    if (sample(text, 'plugndial_request_duration_seconds_count{door="tftp"}') === 1) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.equal(
    sample(
      text,
      'plugndial_requests_total{door="http",vendor="flyingvoice",kind="config",status="200"}',
    ),
    2,
  );
  assert.equal(
    sample(
      text,
      'plugndial_requests_total{door="http",vendor="unknown",kind="other",status="404"}',
    ),
    1,
  );
  assert.equal(
    sample(
      text,
      'plugndial_requests_total{door="tftp",vendor="flyingvoice",kind="boot",status="200"}',
    ),
    1,
  );
  assert.equal(sample(text, 'plugndial_request_duration_seconds_count{door="http"}'), 3);
  // The 404 waited out the refusal floor (25 ms): it is above the 10 ms bucket.
  assert.ok(sample(text, 'plugndial_request_duration_seconds_bucket{door="http",le="0.01"}')! <= 2);
  assert.equal(sample(text, 'plugndial_request_duration_seconds_bucket{door="http",le="+Inf"}'), 3);
  assert.equal(sample(text, 'plugndial_tftp_transfers_in_flight'), 0);
  assert.equal(sample(text, 'plugndial_tftp_timeouts_total'), 0);
  assert.equal(sample(text, 'plugndial_tr069_sessions_total'), 0);
  assert.equal(sample(text, 'plugndial_blocked_addresses{scope="anonymous"}'), 0);
  assert.ok(sample(text, 'plugndial_event_queue_depth')! >= 0);
  assert.ok(
    sample(text, 'plugndial_store_query_duration_seconds_count{engine="sqlite",what="query"}')! > 0,
  );
  assert.ok(sample(text, 'process_resident_memory_bytes')! > 0);
  assert.match(text, /^nodejs_eventloop_lag_seconds /m);
  assert.match(text, /^# TYPE plugndial_requests_total counter$/m);
  assert.match(text, /^# TYPE plugndial_request_duration_seconds histogram$/m);
});

test('promtool check metrics accepts the text', async (t) => {
  if (!requirePeer(t, 'promtool', 'prometheus')) return;
  const text = await scrape();
  const checked = spawnSync('promtool', ['check', 'metrics'], {
    input: text,
    encoding: 'utf8',
    timeout: 30_000,
  });
  assert.equal(checked.status, 0, `${checked.stdout}${checked.stderr}`);
  assert.equal(`${checked.stdout}${checked.stderr}`.trim(), '');
});
