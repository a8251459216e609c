// The record stage: one ProvisioningEvent per request, written when its transfer ended, and
// the device's last contact with it. A file delivered whole also tells the access stage.

import { publishRequest } from '../channels.ts';
import type { AuthChallenge } from '../crypto/http-auth.ts';
import type { Device } from '../model/device.ts';
import type { ProvisioningEvent } from '../model/event.ts';
import type { AccessControl } from './access.ts';
import type { AccessVia } from './access-policy.ts';
import type { FileAnswer } from './answer.ts';
import { differs, type ConfigurationView } from './configuration-view.ts';
import type { Identified } from './identify.ts';
import { lastContactOf } from './last-contact.ts';
import { recordedFacts, type EventRecorder } from './recorder.ts';
import type { Answer, ProvisioningRequest, TransferOutcome } from './request.ts';

/** What recording one request takes, from its answer to the end of its transfer. */
export interface Delivery {
  request: ProvisioningRequest;
  identified: Identified;
  device: Device | undefined;
  at: Date;
  started: number;
  size: number;
  /** The event's reason unless the transfer names its own. */
  reason: string | undefined;
  client: string;
  /** How access let a file through; undefined for a refusal. */
  delivered: { via: AccessVia; installsCredentials: boolean } | undefined;
}

export class RequestEvents {
  readonly #recorder: EventRecorder;
  readonly #access: AccessControl;
  readonly #view: ConfigurationView;

  constructor(recorder: EventRecorder, access: AccessControl, view: ConfigurationView) {
    this.#recorder = recorder;
    this.#access = access;
    this.#view = view;
  }

  /** The answer the door gets: its `done` records the request once. */
  answer(answer: FileAnswer, delivery: Delivery): Answer {
    return new PipelineAnswer(answer, delivery, this.#finish);
  }

  /** Records a request once its transfer ended; a file fully delivered also tells access. */
  readonly #finish = (delivery: Delivery, outcome: TransferOutcome): void => {
    const { request, identified, device, delivered, client } = delivery;
    this.record(
      request,
      identified,
      delivery.at,
      delivery.started,
      outcome,
      delivery.reason,
      client,
      device,
    );
    if (!delivered || outcome.status !== 200 || outcome.bytes < delivery.size) return;
    if (delivered.via === 'one-time') this.#access.revoke(request.credentials!.username);
    if (device) {
      void this.#access
        .delivered(device, {
          installsCredentials: delivered.installsCredentials,
          via: delivered.via,
          client,
          file: identified.segments.join('/'),
        })
        .catch(() => undefined);
    }
  };

  /** Writes the request's one event now (uploads and listings, whose doors answer at once). */
  record(
    request: ProvisioningRequest,
    identified: Identified,
    at: Date,
    started: number,
    outcome: TransferOutcome,
    reason: string | undefined,
    client: string = request.remoteAddress,
    device: Device | undefined = identified.device,
  ): void {
    const file =
      identified.segments.length > 0
        ? identified.segments.join('/')
        : request.rawPath.slice(0, 256);
    // Built field by field, not with conditional spreads: this runs once per phone request.
    const event: ProvisioningEvent = {
      at: at.toISOString(),
      file,
      transport: request.transport,
      address: client,
      status: outcome.status,
      bytes: outcome.bytes,
      durationMs: Math.round((performance.now() - started) * 1000) / 1000,
    };
    if (identified.mac) event.mac = identified.mac;
    if (identified.driver) event.driver = identified.driver.name;
    if (request.userAgent) event.userAgent = request.userAgent.slice(0, 256);
    if (outcome.retransmissions) event.retransmissions = outcome.retransmissions;
    const why = outcome.reason ?? reason;
    if (why) event.reason = why;
    publishRequest(
      event,
      device?.vendor ?? identified.vendor ?? 'unknown',
      identified.recognition?.kind ?? (identified.image ? 'firmware' : 'other'),
    );
    if (!device) {
      this.#recorder.record(event);
      return;
    }
    // As the store will hold them, so what this node knows equals what it wrote. A request
    // refused for its credentials speaks for nobody: anyone can write a User-Agent, and its
    // facts (a firmware "installed") would stop the real phone's upgrade.
    const trusted = outcome.status !== 401 ? identified.reported : undefined;
    const reported = trusted && recordedFacts(trusted);
    // Facts the device (as this node last read it) already has are no news: the contact may
    // wait for the next of the recorder's contact writes. News is the view's at once, so the
    // phone's next request, whatever it names, is answered for what it runs now.
    const news = reported !== undefined && differs(device.reported, reported);
    if (news) this.#view.reported(device.mac, reported);
    this.#recorder.record(event, lastContactOf(event, device.mac, reported), news);
  }
}

/**
 * One request's answer: `done` records it once. The request's facts ride on the answer, not
 * in a closure made per request (under tsx each closure also gets its name defined, which
 * costs more than the rest of a warm answer). Fields are copied one by one, never with
 * `{ ...answer }`: Node 20's V8 gives a spread copy that gains a key a hidden class of its
 * own, and every door reading it would miss its property caches.
 */
class PipelineAnswer implements Answer {
  readonly status: Answer['status'];
  readonly challenge: AuthChallenge | undefined;
  readonly contentType: string;
  readonly size: number;
  readonly etag: string | undefined;
  readonly body: Buffer | undefined;
  readonly open: Answer['open'];
  #delivery: Delivery | undefined;
  readonly #finish: (delivery: Delivery, outcome: TransferOutcome) => void;

  constructor(
    answer: FileAnswer,
    delivery: Delivery,
    finish: (delivery: Delivery, outcome: TransferOutcome) => void,
  ) {
    this.status = answer.status;
    this.challenge = answer.challenge;
    this.contentType = answer.contentType;
    this.size = answer.size;
    this.etag = answer.etag;
    this.body = answer.body;
    this.open = answer.open;
    this.#delivery = delivery;
    this.#finish = finish;
  }

  done(outcome: TransferOutcome): void {
    const delivery = this.#delivery;
    if (delivery === undefined) return;
    this.#delivery = undefined;
    this.#finish(delivery, outcome);
  }
}
