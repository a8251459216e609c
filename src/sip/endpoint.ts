// A SIP endpoint over one datagram socket: parses what arrives, hands new requests to a
// handler, absorbs retransmitted requests (answering them again), and runs non-INVITE
// client transactions with RFC 3261 §17.1.2 timers E and F. No vendor knowledge, no I/O
// of its own beyond the socket it is given.

import { parseCSeq, BRANCH_COOKIE, topVia, type Peer } from './build.ts';
import { header, type SipRequest, type SipResponse } from './message.ts';
import { parseMessage, MAX_MESSAGE_BYTES } from './parse.ts';
import { serializeMessage } from './serialize.ts';

/** RFC 3261 §17.1.1.1: T1 (RTT estimate), T2 (longest retransmit interval), T4 (network lifetime). */
export interface SipTimers {
  t1: number;
  t2: number;
  t4: number;
}

export const RFC_TIMERS: SipTimers = { t1: 500, t2: 4000, t4: 5000 };

/** The socket an endpoint sends on; `local` is where it is bound (maybe a wildcard address). */
export interface DatagramSocket {
  readonly local: Peer;
  send(data: Buffer, to: Peer): Promise<void>;
}

/** How a request reached us: to our own address, or to the multicast group. */
export type Arrival = 'unicast' | 'multicast';

export type RequestHandler = (request: SipRequest, from: Peer, arrival: Arrival) => Promise<void>;

/** How a client transaction ended. */
export interface ClientOutcome {
  /** The final status; 408 when timer F fired, 503 when the request could not be sent. */
  status: number;
  response?: SipResponse;
  timedOut: boolean;
  /** Times the request was sent again after timer E. */
  retransmissions: number;
  /** Why it could not be sent (an errno code), never message content. */
  error?: string;
}

export interface EndpointStats {
  received: number;
  malformed: number;
  oversized: number;
  retransmittedRequests: number;
  strayResponses: number;
  clientTransactions: number;
  handlerErrors: number;
}

export interface EndpointOptions {
  timers?: Partial<SipTimers>;
  onRequest?: RequestHandler;
  /** Client transactions at once; more are refused with 503 rather than queued. */
  maxClientTransactions?: number;
  /** Remembered server transactions (retransmission absorption); the oldest go first. */
  maxServerTransactions?: number;
  maxMessageBytes?: number;
}

interface ServerEntry {
  expires: number;
  response?: { data: Buffer; to: Peer };
}

interface ClientEntry {
  method: string;
  finish(outcome: ClientOutcome): void;
  provisional(): void;
  respond(response: SipResponse): void;
}

export class SipEndpoint {
  readonly #socket: DatagramSocket;
  readonly #timers: SipTimers;
  readonly #maxClient: number;
  readonly #maxServer: number;
  readonly #maxBytes: number;
  readonly #server = new Map<string, ServerEntry>();
  readonly #client = new Map<string, ClientEntry>();
  #onRequest: RequestHandler | undefined;
  #closed = false;
  readonly #stats: EndpointStats = {
    received: 0,
    malformed: 0,
    oversized: 0,
    retransmittedRequests: 0,
    strayResponses: 0,
    clientTransactions: 0,
    handlerErrors: 0,
  };

  constructor(socket: DatagramSocket, options: EndpointOptions = {}) {
    this.#socket = socket;
    this.#timers = { ...RFC_TIMERS, ...options.timers };
    this.#maxClient = options.maxClientTransactions ?? 4096;
    this.#maxServer = options.maxServerTransactions ?? 8192;
    this.#maxBytes = options.maxMessageBytes ?? MAX_MESSAGE_BYTES;
    this.#onRequest = options.onRequest;
  }

  get local(): Peer {
    return this.#socket.local;
  }

  get timers(): SipTimers {
    return this.#timers;
  }

  onRequest(handler: RequestHandler): void {
    this.#onRequest = handler;
  }

  stats(): EndpointStats {
    return { ...this.#stats, clientTransactions: this.#client.size };
  }

  /** One datagram from the socket. Never throws: bad input is counted and dropped. */
  receive(data: Buffer, from: Peer, arrival: Arrival = 'unicast'): void {
    try {
      this.#receive(data, from, arrival);
    } catch {
      this.#stats.handlerErrors++;
    }
  }

  #receive(data: Buffer, from: Peer, arrival: Arrival): void {
    if (this.#closed) return;
    this.#stats.received++;
    if (data.length > this.#maxBytes) {
      this.#stats.oversized++;
      return;
    }
    const parsed = parseMessage(data, { maxBytes: this.#maxBytes });
    if (!parsed.ok) {
      if (parsed.error.code === 'PND_SIP_TOO_LARGE') this.#stats.oversized++;
      else this.#stats.malformed++;
      return;
    }
    const message = parsed.value;
    if (message.kind === 'response') {
      this.#response(message);
      return;
    }
    const key = serverKey(message);
    if (key === undefined) {
      // No Via or no transaction identity: nothing to absorb retransmissions by, but the
      // handler still sees it (a SUBSCRIBE is an event even when it cannot be answered).
      this.#dispatch(message, from, arrival);
      return;
    }
    const now = Date.now();
    this.#sweep(now);
    const seen = this.#server.get(key);
    // An ACK confirms a final answer to an INVITE (RFC 3261 §17.2.1): it is absorbed, never
    // answered — sending the answer again would have the phone ACK again, and so on.
    if (message.method === 'ACK') {
      if (!seen) this.#dispatch(message, from, arrival);
      return;
    }
    if (seen) {
      this.#stats.retransmittedRequests++;
      if (seen.response) void this.#send(seen.response.data, seen.response.to);
      return;
    }
    if (this.#server.size >= this.#maxServer) {
      const oldest = this.#server.keys().next().value;
      if (oldest !== undefined) this.#server.delete(oldest);
    }
    // Timer J: a non-INVITE server transaction on UDP absorbs retransmissions for 64·T1.
    this.#server.set(key, { expires: now + 64 * this.#timers.t1 });
    this.#dispatch(message, from, arrival);
  }

  #dispatch(request: SipRequest, from: Peer, arrival: Arrival): void {
    const handler = this.#onRequest;
    if (!handler) return;
    handler(request, from, arrival).catch(() => {
      this.#stats.handlerErrors++;
    });
  }

  /** Sends a response and keeps it for retransmissions of the same request. */
  async respond(request: SipRequest, response: SipResponse, to: Peer): Promise<void> {
    const data = serializeMessage(response);
    const key = serverKey(request);
    const entry = key === undefined ? undefined : this.#server.get(key);
    if (entry) entry.response = { data, to };
    await this.#send(data, to);
  }

  /**
   * Runs a non-INVITE client transaction: sends, retransmits on timer E (T1 doubling to T2;
   * T2 once a provisional answer came), gives up on timer F (64·T1) with status 408.
   */
  request(request: SipRequest, to: Peer): Promise<ClientOutcome> {
    const branch = topVia(request)?.params['branch'];
    const method = parseCSeq(header(request, 'CSeq'))?.method ?? request.method;
    if (this.#closed) return Promise.resolve(failed(503, 'closed'));
    if (!branch) return Promise.resolve(failed(503, 'no-branch'));
    if (this.#client.size >= this.#maxClient) return Promise.resolve(failed(503, 'busy'));
    const data = serializeMessage(request);
    const { t1, t2 } = this.#timers;
    return new Promise<ClientOutcome>((resolve) => {
      let retransmissions = 0;
      let interval = t1;
      let proceeding = false;
      let done = false;
      let timerE: NodeJS.Timeout | undefined;
      const finish = (outcome: ClientOutcome): void => {
        if (done) return;
        done = true;
        clearTimeout(timerE);
        clearTimeout(timerF);
        this.#client.delete(branch);
        resolve(outcome);
      };
      const retransmit = (): void => {
        if (done) return;
        retransmissions++;
        void this.#send(data, to);
        interval = proceeding ? t2 : Math.min(interval * 2, t2);
        timerE = setTimeout(retransmit, interval);
      };
      const timerF = setTimeout(
        () => finish({ status: 408, timedOut: true, retransmissions }),
        64 * t1,
      );
      this.#client.set(branch, {
        method,
        finish,
        provisional: () => {
          proceeding = true;
        },
        respond: (response) =>
          finish({ status: response.status, response, timedOut: false, retransmissions }),
      });
      this.#socket.send(data, to).then(
        () => {
          if (!done) timerE = setTimeout(retransmit, interval);
        },
        (error: NodeJS.ErrnoException) =>
          finish({ ...failed(503, error.code ?? 'send-failed'), retransmissions }),
      );
    });
  }

  /** Ends every client transaction (status 503) and stops answering. */
  close(): void {
    this.#closed = true;
    for (const entry of [...this.#client.values()]) entry.finish(failed(503, 'closed'));
    this.#server.clear();
  }

  #response(response: SipResponse): void {
    const branch = topVia(response)?.params['branch'];
    const entry = branch === undefined ? undefined : this.#client.get(branch);
    const method = parseCSeq(header(response, 'CSeq'))?.method;
    if (!entry || method !== entry.method) {
      // Late retransmissions of a final response land here once the transaction ended (timer K).
      this.#stats.strayResponses++;
      return;
    }
    if (response.status < 200) entry.provisional();
    else entry.respond(response);
  }

  #sweep(now: number): void {
    for (const [key, entry] of this.#server) {
      if (entry.expires > now) break;
      this.#server.delete(key);
    }
  }

  async #send(data: Buffer, to: Peer): Promise<void> {
    try {
      await this.#socket.send(data, to);
    } catch {
      // A lost datagram is what retransmission is for.
    }
  }
}

function failed(status: number, error: string): ClientOutcome {
  return { status, timedOut: false, retransmissions: 0, error };
}

/**
 * RFC 3261 §17.2.3: the top Via's branch (when it has the magic cookie), sent-by and the
 * method identify a server transaction; older peers fall back to Call-ID, CSeq and From tag.
 */
function serverKey(request: SipRequest): string | undefined {
  const via = topVia(request);
  if (!via) return undefined;
  const method = request.method === 'ACK' ? 'INVITE' : request.method;
  const branch = via.params['branch'];
  const sentBy = `${via.host}:${via.port ?? 5060}`;
  if (branch?.startsWith(BRANCH_COOKIE)) return `${branch}|${sentBy}|${method}`;
  const callId = header(request, 'Call-ID');
  const cseq = header(request, 'CSeq');
  if (!callId || !cseq) return undefined;
  return `${callId}|${cseq}|${header(request, 'From') ?? ''}|${sentBy}`;
}
