import { subscribe, unsubscribe } from 'node:diagnostics_channel';

import { collectDefaultMetrics, Registry } from 'prom-client';

import {
  blockChannel,
  requestChannel,
  storeQueryChannel,
  tr069Channel,
  type BlockMessage,
  type RequestMessage,
  type StoreQueryMessage,
  type Tr069Message,
} from '../channels.ts';
import { Collected, Counter, Histogram } from './exposition.ts';

/** What the metrics read when scraped, from the parts of the running server that keep it. */
export interface MetricSources {
  /** Every vendor a driver speaks: anything else is counted as `other`. */
  vendors: readonly string[];
  /** TFTP transfers under way; undefined while the TFTP door is off. */
  tftpInFlight?: () => number;
  /** Events waiting to be written, and those dropped (the store unreachable, or a row refused). */
  events: () => { pending: number; dropped: number };
  /** Addresses the miss throttle refuses now. */
  blockedAddresses: () => { anonymous: number; all: number };
}

const LINT_REFUSED = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
];
const ANSWER_BOUNDS = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300,
];
const STORE_BOUNDS = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5,
];

/**
 * The server's metrics: counted from what the doors publish on plugndial's diagnostics
 * channels (src/channels.ts), read from the doors when scraped, and the process's own from
 * prom-client. GET /metrics renders them (metrics/route.ts).
 */
export class ServerMetrics {
  readonly contentType: string;
  readonly #sources: MetricSources;
  readonly #vendors: Set<string>;
  readonly #process = new Registry();

  readonly #requests = new Counter(
    'plugndial_requests_total',
    'Device-facing requests by door, vendor, kind of file or exchange, and status (HTTP codes for every door).',
    ['door', 'vendor', 'kind', 'status'],
  );
  readonly #durations = new Histogram(
    'plugndial_request_duration_seconds',
    'From a request to the end of its answer (a TFTP or FTP transfer: its last block), per door.',
    ['door'],
    ANSWER_BOUNDS,
  );
  readonly #tftpRetransmissions = new Counter(
    'plugndial_tftp_retransmissions_total',
    'TFTP blocks sent again after an ACK did not come in time.',
    [],
  );
  readonly #tftpTimeouts = new Counter(
    'plugndial_tftp_timeouts_total',
    'TFTP transfers given up because the client stopped answering.',
    [],
  );
  readonly #pnp = new Counter(
    'plugndial_pnp_subscribes_total',
    'Plug-and-play SUBSCRIBEs: answered with a provisioning URL, or ignored, with the reason.',
    ['result', 'reason'],
  );
  readonly #resyncs = new Counter(
    'plugndial_resyncs_total',
    'Resyncs asked of phones (SIP check-sync, TR-069 connection request) by outcome.',
    ['via', 'result'],
  );
  readonly #tr069Sessions = new Counter(
    'plugndial_tr069_sessions_total',
    'TR-069 sessions opened by an Inform.',
    [],
  );
  readonly #tr069Downloads = new Counter(
    'plugndial_tr069_downloads_total',
    'TR-069 Download results the CPEs reported, with the fault code of a failure.',
    ['result', 'fault'],
  );
  readonly #blocks = new Counter(
    'plugndial_address_blocks_total',
    'Client addresses blocked by the miss throttle: anonymous (refusals without credentials) or all (wrong credentials).',
    ['scope'],
  );
  readonly #storeQueries = new Histogram(
    'plugndial_store_query_duration_seconds',
    'Store statements and transactions, from call to result.',
    ['engine', 'what'],
    STORE_BOUNDS,
  );
  readonly #collected: Collected[];

  readonly #onRequest = (message: unknown): void => this.#request(message as RequestMessage);
  readonly #onBlock = (message: unknown): void =>
    this.#blocks.at((message as BlockMessage).scope).inc();
  readonly #onTr069 = (message: unknown): void => this.#tr069(message as Tr069Message);
  readonly #onStoreQuery = (message: unknown): void => {
    const { engine, what, seconds } = message as StoreQueryMessage;
    this.#storeQueries.at(engine, what).observe(seconds);
  };

  constructor(sources: MetricSources) {
    this.#sources = sources;
    this.#vendors = new Set([...sources.vendors, 'unknown']);
    collectDefaultMetrics({ register: this.#process });
    // Gauges named like counters, which promtool's lint refuses; nodejs_active_* say the same.
    for (const name of LINT_REFUSED) this.#process.removeSingleMetric(name);
    this.contentType = this.#process.contentType;
    this.#collected = [
      new Collected(
        'gauge',
        'plugndial_tftp_transfers_in_flight',
        'TFTP transfers under way.',
        [],
        () => [{ labels: [], value: this.#sources.tftpInFlight?.() ?? 0 }],
      ),
      new Collected(
        'gauge',
        'plugndial_blocked_addresses',
        'Client addresses the miss throttle refuses now.',
        ['scope'],
        () => {
          const blocked = this.#sources.blockedAddresses();
          return [
            { labels: ['anonymous'], value: blocked.anonymous },
            { labels: ['all'], value: blocked.all },
          ];
        },
      ),
      new Collected(
        'gauge',
        'plugndial_event_queue_depth',
        'Provisioning events waiting to be written to the store.',
        [],
        () => [{ labels: [], value: this.#sources.events().pending }],
      ),
      new Collected(
        'counter',
        'plugndial_events_dropped_total',
        'Provisioning events dropped: the store stayed unreachable and the queue was full, or it refused the row.',
        [],
        () => [{ labels: [], value: this.#sources.events().dropped }],
      ),
    ];
    subscribe(requestChannel.name, this.#onRequest);
    subscribe(blockChannel.name, this.#onBlock);
    subscribe(tr069Channel.name, this.#onTr069);
    subscribe(storeQueryChannel.name, this.#onStoreQuery);
  }

  async render(): Promise<string> {
    const own = [
      this.#requests,
      this.#durations,
      this.#tftpRetransmissions,
      this.#tftpTimeouts,
      this.#pnp,
      this.#resyncs,
      this.#tr069Sessions,
      this.#tr069Downloads,
      this.#blocks,
      this.#storeQueries,
      ...this.#collected,
    ];
    return own.map((family) => family.render()).join('') + (await this.#process.metrics());
  }

  close(): void {
    unsubscribe(requestChannel.name, this.#onRequest);
    unsubscribe(blockChannel.name, this.#onBlock);
    unsubscribe(tr069Channel.name, this.#onTr069);
    unsubscribe(storeQueryChannel.name, this.#onStoreQuery);
    this.#process.clear();
  }

  #request({ event, vendor, kind }: RequestMessage): void {
    const door = event.transport;
    this.#requests.at(door, this.#vendors.has(vendor) ? vendor : 'other', kind, event.status).inc();
    this.#durations.at(door).observe(event.durationMs / 1000);
    if (door === 'tftp') {
      if (event.retransmissions) this.#tftpRetransmissions.at().inc(event.retransmissions);
      if (event.status === 408) this.#tftpTimeouts.at().inc();
    }
    if (kind === 'pnp') {
      // An answered SUBSCRIBE is one whose NOTIFY carried a URL: its bytes are the URL's.
      this.#pnp.at(event.bytes > 0 ? 'answered' : 'ignored', event.reason ?? '').inc();
    } else if (kind === 'resync') {
      const status = event.status;
      const result = status >= 200 && status < 300 ? 'ok' : status === 408 ? 'timeout' : 'failed';
      this.#resyncs.at(door === 'sip' ? 'sip' : 'tr069', result).inc();
    }
  }

  #tr069(message: Tr069Message): void {
    if (message.what === 'session') {
      this.#tr069Sessions.at().inc();
      return;
    }
    const code = message.faultCode ?? 0;
    if (code === 0) this.#tr069Downloads.at('ok', '').inc();
    else
      this.#tr069Downloads
        .at('fault', Number.isInteger(code) && code > 0 && code < 100_000 ? code : 'other')
        .inc();
  }
}
