import assert from 'node:assert/strict';

import { FLUSH_INTERVAL_MS } from '../../../src/provisioning/recorder.ts';
import { fetchImage, type FirmwareUpload, type Image } from './firmware-upload.ts';
import { sleep, type ServerUnderTest } from './support.ts';
import type { CrashWork } from './work.ts';

const PHONES = 3;

/**
 * What the recorder promises (src/provisioning/recorder.ts): an event is buffered when its
 * transfer ends and written within one flush interval, in one transaction that is committed
 * without waiting for the disk — which a killed process does not need. So a SIGKILL loses at
 * most the events of the last interval, and the write in flight. The slack is the time the
 * server's event loop may run late on a loaded machine before its timer fires.
 */
const SLACK_MS = 500;
const DURABLE_AFTER_MS = FLUSH_INTERVAL_MS + SLACK_MS;

interface PhoneRequest {
  file: string;
  size: number;
  answeredAt?: number;
  status?: number;
}

interface EventRow {
  id: number;
  at: string;
  file: string;
  transport: string;
  address: string;
  status: number;
  bytes: number;
  durationMs: number;
  userAgent?: string;
}

interface EventRound {
  round: number;
  since: string;
  until: string;
  killedAt: number;
  requests: Map<string, PhoneRequest>;
  /** Events the events API showed before the kill: it answered them, so they are stored. */
  shown: Set<string>;
  /** The events the first restart showed, by agent; later restarts must show the same. */
  kept?: Map<string, number>;
}

/**
 * Phones fetching firmware images from the HTTP door (each request its own User-Agent), with
 * the events API asked once along the way, killed after 1–2.2 s. After a restart the events
 * API answers, every event of the round is a whole row that matches a request a phone made
 * (file, status, bytes), none is there twice, every event the API had shown is there, and so
 * is every event of a request answered more than one flush interval (and slack) before the
 * kill. A phone is never answered 200 with anything but the whole image.
 */
export class EventRecording implements CrashWork {
  readonly kind = 'event recording';
  readonly #firmware: FirmwareUpload;
  readonly #rounds: EventRound[] = [];
  readonly #halfServed: string[] = [];
  #served = 0;
  #durable = 0;

  constructor(firmware: FirmwareUpload) {
    this.#firmware = firmware;
  }

  async crash(server: ServerUnderTest, next: () => number, round: number): Promise<void> {
    const images: Image[] = this.#firmware.stored();
    assert.ok(images.length > 0, 'phones have an image to fetch');
    const started = Date.now();
    const requests = new Map<string, PhoneRequest>();
    const shown = new Set<string>();
    let stop = false;
    let killing = false;
    const phone = async (lane: number): Promise<void> => {
      for (let n = 0; !stop && n < 10_000; n += 1) {
        const agent = `crash-phone/${round}/${lane}/${n}`;
        const image = images[(lane + n) % images.length]!;
        const request: PhoneRequest = { file: image.path.slice(1), size: image.size };
        requests.set(agent, request);
        try {
          const served = await fetchImage(server.door, image, agent);
          if (served.cut) {
            if (!killing) this.#halfServed.push(`${agent} (cut off before the kill)`);
            return;
          }
          request.answeredAt = Date.now();
          request.status = served.status;
          this.#served += 1;
          if (served.status === 200 && !served.whole) this.#halfServed.push(agent);
        } catch {
          return; // the server is gone
        }
      }
    };
    const phones = Array.from({ length: PHONES }, (_, lane) => phone(lane));
    const askAt = Math.floor(next() * 600);
    const killAt = DURABLE_AFTER_MS + 300 + Math.floor(next() * 1200);
    await sleep(askAt);
    const asked = await server.call('GET', `/events?since=${iso(started - 1000)}&limit=10000`);
    assert.equal(asked.status, 200, 'the events API answers while phones fetch');
    for (const event of asked.body as EventRow[])
      if (event.userAgent?.startsWith(`crash-phone/${round}/`)) shown.add(event.userAgent);
    await sleep(Math.max(0, started + killAt - Date.now()));
    const killedAt = Date.now();
    killing = true;
    await server.kill();
    stop = true;
    await Promise.all(phones);
    this.#rounds.push({
      round,
      since: iso(started - 1000),
      until: iso(Date.now() + 1000),
      killedAt,
      requests,
      shown,
    });
  }

  async verify(server: ServerUnderTest, when: string): Promise<void> {
    assert.deepEqual(
      this.#halfServed,
      [],
      `${when}: phones were answered 200 with part of an image`,
    );
    for (const round of this.#rounds) {
      const events = await server.get<EventRow[]>(
        `/events?since=${round.since}&until=${round.until}&limit=10000`,
      );
      assert.ok(events.length < 10_000, 'the window holds fewer events than one page');
      const mine = events.filter((e) => e.userAgent?.startsWith(`crash-phone/${round.round}/`));
      const byAgent = new Map<string, number>();
      for (const event of mine) {
        const agent = event.userAgent!;
        assert.ok(!byAgent.has(agent), `${when}: ${agent} has two events`);
        byAgent.set(agent, event.id);
        const request = round.requests.get(agent);
        assert.ok(request, `${when}: an event of a request no phone made: ${agent}`);
        assertWholeRow(event, request, when);
      }
      if (round.kept) {
        assert.deepEqual(byAgent, round.kept, `${when}: round ${round.round}'s events changed`);
        continue;
      }
      for (const agent of round.shown)
        assert.ok(byAgent.has(agent), `${when}: the events API had shown ${agent}; it is gone`);
      for (const [agent, request] of round.requests) {
        if (request.answeredAt === undefined) continue;
        if (round.killedAt - request.answeredAt <= DURABLE_AFTER_MS) continue;
        this.#durable += 1;
        assert.ok(
          byAgent.has(agent),
          `${when}: ${agent} was answered ${round.killedAt - request.answeredAt} ms before the kill and has no event`,
        );
      }
      round.kept = byAgent;
    }
  }

  summary(): string {
    const events = this.#rounds.reduce((sum, r) => sum + (r.kept?.size ?? 0), 0);
    return `${this.#served} phone requests answered, ${events} events kept, ${this.#durable} of them older than ${DURABLE_AFTER_MS} ms at the kill`;
  }

  meaningful(): boolean {
    return this.#durable > 0;
  }
}

function assertWholeRow(event: EventRow, request: PhoneRequest, when: string): void {
  const agent = event.userAgent;
  assert.ok(Number.isSafeInteger(event.id) && event.id > 0, `${when}: ${agent}: id ${event.id}`);
  assert.ok(!Number.isNaN(Date.parse(event.at)), `${when}: ${agent}: at ${event.at}`);
  assert.equal(event.file, request.file, `${when}: ${agent}: file`);
  assert.equal(event.transport, 'http', `${when}: ${agent}: transport`);
  assert.equal(event.address, '127.0.0.1', `${when}: ${agent}: address`);
  assert.ok(typeof event.durationMs === 'number', `${when}: ${agent}: durationMs`);
  // The server records a transfer once it ended; the phone may not have read the answer yet.
  if (request.status !== undefined)
    assert.equal(event.status, request.status, `${when}: ${agent}: status`);
  if (event.status === 200) assert.equal(event.bytes, request.size, `${when}: ${agent}: bytes`);
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
