import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  blockChannel,
  publishRequest,
  storeQueryChannel,
  tr069Channel,
  type RequestKind,
} from '../../src/channels.ts';
import { Counter, Histogram } from '../../src/metrics/exposition.ts';
import { ServerMetrics } from '../../src/metrics/server-metrics.ts';
import type { ProvisioningEvent } from '../../src/model/event.ts';

function event(fields: Partial<ProvisioningEvent>): ProvisioningEvent {
  return {
    at: '2026-01-01T00:00:00.000Z',
    file: 'x',
    transport: 'http',
    address: '127.0.0.1',
    status: 200,
    bytes: 10,
    durationMs: 2,
    ...fields,
  };
}

function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

test('histograms are cumulative with +Inf, sum and count; label values are escaped', () => {
  const histogram = new Histogram('t_seconds', 'help', ['door'], [0.01, 0.1]);
  for (const value of [0.005, 0.05, 0.05, 3]) histogram.at('tftp').observe(value);
  const text = histogram.render();
  assert.equal(sample(text, 't_seconds_bucket{door="tftp",le="0.01"}'), 1);
  assert.equal(sample(text, 't_seconds_bucket{door="tftp",le="0.1"}'), 3);
  assert.equal(sample(text, 't_seconds_bucket{door="tftp",le="+Inf"}'), 4);
  assert.equal(sample(text, 't_seconds_count{door="tftp"}'), 4);
  assert.ok(Math.abs(sample(text, 't_seconds_sum{door="tftp"}')! - 3.105) < 1e-9);
  const counter = new Counter('t_total', 'a "quoted"\nhelp', ['reason']);
  counter.at('a"b\\c\nd').inc(2);
  assert.match(counter.render(), /^t_total\{reason="a\\"b\\\\c\\nd"\} 2$/m);
  assert.match(counter.render(), /^# HELP t_total a "quoted"\\nhelp$/m);
  assert.match(new Counter('u_total', 'h', []).render(), /^u_total 0$/m);
  // The same child for the same values, whatever their type.
  assert.equal(counter.at('x'), counter.at('x'));
  assert.equal(new Counter('n_total', 'h', ['status']).at(200).labels[0], '200');
});

test('what the doors publish becomes the families the operator reads', async () => {
  let inFlight = 3;
  const metrics = new ServerMetrics({
    vendors: ['yealink', 'fanvil'],
    tftpInFlight: () => inFlight,
    events: () => ({ pending: 7, dropped: 1 }),
    blockedAddresses: () => ({ anonymous: 2, all: 1 }),
  });
  try {
    const request = (kind: RequestKind, vendor: string, fields: Partial<ProvisioningEvent>): void =>
      publishRequest(event(fields), vendor, kind);
    request('config', 'yealink', {});
    request('config', 'someone-else', { status: 404 });
    request('firmware', 'fanvil', { transport: 'tftp', retransmissions: 3, durationMs: 1500 });
    request('firmware', 'fanvil', { transport: 'tftp', status: 408, reason: 'timeout' });
    request('pnp', 'yealink', { transport: 'sip', bytes: 40 });
    request('pnp', 'unknown', {
      transport: 'sip',
      status: 404,
      bytes: 0,
      reason: 'unknown-ignored',
    });
    request('resync', 'yealink', { transport: 'sip', status: 200 });
    request('resync', 'yealink', { transport: 'sip', status: 408 });
    request('resync', 'fanvil', { transport: 'acs', status: 401 });
    tr069Channel.publish({ what: 'session' });
    tr069Channel.publish({ what: 'download', faultCode: 0 });
    tr069Channel.publish({ what: 'download', faultCode: 9010 });
    blockChannel.publish({ scope: 'anonymous' });
    storeQueryChannel.publish({ engine: 'postgres', what: 'transaction', seconds: 0.002 });
    inFlight = 1;
    const text = await metrics.render();
    const at = (series: string): number | undefined => sample(text, series);
    assert.equal(
      at('plugndial_requests_total{door="http",vendor="yealink",kind="config",status="200"}'),
      1,
    );
    assert.equal(
      at('plugndial_requests_total{door="http",vendor="other",kind="config",status="404"}'),
      1,
    );
    assert.equal(at('plugndial_tftp_retransmissions_total'), 3);
    assert.equal(at('plugndial_tftp_timeouts_total'), 1);
    assert.equal(at('plugndial_request_duration_seconds_bucket{door="tftp",le="1"}'), 1);
    assert.equal(at('plugndial_pnp_subscribes_total{result="answered",reason=""}'), 1);
    assert.equal(
      at('plugndial_pnp_subscribes_total{result="ignored",reason="unknown-ignored"}'),
      1,
    );
    assert.equal(at('plugndial_resyncs_total{via="sip",result="ok"}'), 1);
    assert.equal(at('plugndial_resyncs_total{via="sip",result="timeout"}'), 1);
    assert.equal(at('plugndial_resyncs_total{via="tr069",result="failed"}'), 1);
    assert.equal(at('plugndial_tr069_sessions_total'), 1);
    assert.equal(at('plugndial_tr069_downloads_total{result="ok",fault=""}'), 1);
    assert.equal(at('plugndial_tr069_downloads_total{result="fault",fault="9010"}'), 1);
    assert.equal(at('plugndial_address_blocks_total{scope="anonymous"}'), 1);
    assert.equal(at('plugndial_blocked_addresses{scope="all"}'), 1);
    assert.equal(
      at('plugndial_store_query_duration_seconds_count{engine="postgres",what="transaction"}'),
      1,
    );
    assert.equal(at('plugndial_tftp_transfers_in_flight'), 1);
    assert.equal(at('plugndial_event_queue_depth'), 7);
    assert.equal(at('plugndial_events_dropped_total'), 1);
    assert.doesNotMatch(text, /nodejs_active_handles_total/);
  } finally {
    metrics.close();
  }
  // Closed: nothing more is counted, and publishing costs nothing.
  publishRequest(event({}), 'yealink', 'config');
});
