// The ACS: what plugndial does in a CWMP session. It knows no vendor (a device's driver
// names the file a Download points at) and no socket (door.ts adapts node:http to it).
// Every request is one ProvisioningEvent with transport `acs`.
//
// This file answers each request and keeps what the CPE says; session-table.ts holds the
// open sessions, plan.ts decides what to ask, transfers.ts what a Download's outcome means.

import { randomBytes } from 'node:crypto';

import { publishRequest, tr069Channel, type Tr069Message } from '../channels.ts';
import type { AuthChallenge, PresentedCredentials } from '../crypto/http-auth.ts';
import type { Driver } from '../drivers/driver.ts';
import type { XmlElement } from '../formats/xml.ts';
import type { Logger } from '../log.ts';
import type { CwmpState } from '../model/cwmp.ts';
import type { Device } from '../model/device.ts';
import { findMac, parseMac, type Mac } from '../model/mac.ts';
import type { ProvisioningEvent } from '../model/event.ts';
import { lastContactOf } from '../provisioning/last-contact.ts';
import type { OnLimit } from '../provisioning/limit-recorder.ts';
import type { EventRecorder } from '../provisioning/recorder.ts';
import { planSession, type PlanOptions } from './plan.ts';
import { SessionTable, type SessionEntry, type SessionLimits } from './session-table.ts';
import {
  arg,
  cwmp,
  parameterValues,
  parseEnvelope,
  readInform,
  child,
  writeEnvelope,
  type Envelope,
  type Inform,
} from './soap.ts';
import {
  describeRpc,
  newSession,
  nextRequest,
  rpcBody,
  stepSession,
  type AcsRpc,
} from './session.ts';
import { downloadAnswered, publishDownloaded, settle, transferCompleted } from './transfers.ts';

export interface AcsOptions extends PlanOptions {
  drivers: readonly Driver[];
  recorder: EventRecorder;
  now: () => Date;
  log?: Logger;
  /** An idle session is forgotten after this. Default 120 s. */
  sessionIdleMs?: number;
  /** Sessions open at once, in all and from one address. Default DEFAULT_SESSION_LIMITS. */
  sessionLimits?: SessionLimits;
  /** Told of each session refused at a limit (a security event, a few a minute). */
  onLimit?: OnLimit;
}

/**
 * Seconds a CPE refused a session is told to wait: about what it waits anyway, since an
 * Inform without its InformResponse is a failed session, retried after 5 to 10 s at first
 * (TR-069's default retry wait). Sessions last seconds, so by then some have ended.
 */
const RETRY_AFTER_S = 10;

/** One HTTP request to the ACS, as the door read it. */
export interface CwmpHttpRequest {
  body: Buffer;
  /** The session cookie, if the CPE sent one. */
  sessionId?: string;
  /** The TCP connection: a CPE that drops cookies keeps its session on one connection. */
  connection: object;
  remoteAddress: string;
  /** From a trusted proxy, which speaks for many CPEs: its sessions are not capped per address. */
  proxied?: boolean;
  /** The local address the request arrived on (where the CPE reaches us). */
  localAddress: string;
  /** `scheme://host:port` the CPE used. */
  origin: string;
  rawPath: string;
  method: string;
  credentials?: PresentedCredentials;
  userAgent?: string;
  forwardedFor?: string;
}

export interface CwmpHttpReply {
  /** 200 with an envelope, 204 to end the session, 401 challenge, 400 bad envelope, 503 full. */
  status: number;
  body?: string;
  /** Set this session cookie. */
  sessionId?: string;
  challenge?: AuthChallenge;
  /** Close the connection after answering. */
  close?: boolean;
  /** Seconds to wait before trying again (a 503's Retry-After). */
  retryAfter?: number;
}

export class Acs {
  readonly #options: AcsOptions;
  readonly #sessions: SessionTable;

  constructor(options: AcsOptions) {
    this.#options = options;
    this.#sessions = new SessionTable(options.sessionLimits);
  }

  async answer(request: CwmpHttpRequest): Promise<CwmpHttpReply> {
    const started = performance.now();
    const at = this.#options.now();
    this.#expire(at.getTime());
    let envelope: Envelope | undefined;
    // An empty POST has no body; some CPEs send a line break or two in it all the same.
    const text = request.body.length > 0 ? request.body.toString('utf8') : '';
    if (text.trim() !== '') {
      const parsed = parseEnvelope(text);
      if (!parsed.ok) {
        this.#forget(request);
        const reply = { status: 400, close: true };
        this.#record(request, { at, started, file: 'cwmp', reply, reason: 'bad-envelope' });
        return reply;
      }
      envelope = parsed.value;
    }
    const entry = this.#sessions.find(request.sessionId, request.connection);
    if (envelope?.method === 'Inform' && !entry)
      return this.#inform(request, envelope, at, started);
    const file = `cwmp/${envelope?.method ?? 'empty'}`;
    if (!entry) {
      const reply = { status: 204, close: true };
      this.#record(request, { at, started, file, reply, reason: 'no-session' });
      return reply;
    }
    this.#sessions.touch(
      entry,
      request.connection,
      at.getTime() + (this.#options.sessionIdleMs ?? 120_000),
    );
    const step = stepSession(entry.session, envelope);
    if (step.kind === 'end') {
      this.#sessions.close(entry);
      // The CPE started over: the Inform that ended its session opens the next one.
      if (envelope?.method === 'Inform') return this.#inform(request, envelope, at, started);
      const reply = { status: 204, close: true };
      this.#record(request, { at, started, file, reply, reason: step.reason, entry });
      return reply;
    }
    if (step.kind === 'answer') {
      let reason: string | undefined;
      if (envelope?.body && step.method.endsWith('TransferComplete')) {
        reason = await this.#transferComplete(entry.device, envelope.body, at);
      }
      const reply = {
        status: 200,
        body: writeEnvelope(entry.session.namespace, step.id, step.body),
        sessionId: entry.session.id,
      };
      this.#record(request, { at, started, file, reply, entry, ...(reason ? { reason } : {}) });
      return reply;
    }
    const reported = step.answered
      ? await this.#answered(entry, step.answered.rpc, step.answered.message, at)
      : undefined;
    if (!entry.session.queue)
      entry.session.queue = await planSession(this.#options, entry, request.localAddress, at);
    const next = nextRequest(entry.session);
    if (!next) {
      this.#sessions.close(entry);
      const reply = { status: 204 };
      this.#record(request, { at, started, file, reply, entry, reason: 'end', reported });
      return reply;
    }
    const reply = {
      status: 200,
      body: writeEnvelope(entry.session.namespace, next.id, rpcBody(next.rpc)),
      sessionId: entry.session.id,
    };
    this.#record(request, {
      at,
      started,
      file,
      reply,
      entry,
      reason: describeRpc(next.rpc),
      reported,
    });
    return reply;
  }

  /** Sessions open now (for tests and shutdown). */
  get sessions(): number {
    return this.#sessions.size;
  }

  async #inform(
    request: CwmpHttpRequest,
    envelope: Envelope,
    at: Date,
    started: number,
  ): Promise<CwmpHttpReply> {
    const inform = readInform(envelope.body!);
    const mac = await this.#identify(inform, request.credentials);
    const file = 'cwmp/Inform';
    const events = eventCodes(inform);
    const verdict = await this.#options.pipeline.authoriseDoor(
      {
        transport: 'acs',
        rawPath: request.rawPath,
        remoteAddress: request.remoteAddress,
        origin: request.origin,
        method: request.method,
        ...(request.credentials ? { credentials: request.credentials } : {}),
        ...(request.userAgent ? { userAgent: request.userAgent } : {}),
        ...(request.forwardedFor ? { forwardedFor: request.forwardedFor } : {}),
      },
      mac,
    );
    if (!verdict.allowed) {
      const reply: CwmpHttpReply = verdict.challenge
        ? { status: 401, challenge: verdict.challenge }
        : { status: 403, close: true };
      this.#record(request, { at, started, file, reply, reason: verdict.reason, mac });
      return reply;
    }
    const informed = writeEnvelope(
      envelope.namespace,
      envelope.id,
      cwmp('InformResponse', [arg('MaxEnvelopes', 1)]),
    );
    const device = verdict.device;
    if (!device) {
      // The policy lets it in, and it is answered like any CPE, but the ACS has nothing to ask
      // a device it does not know: no session is kept for it (a flood of them would hold
      // memory and places for nothing), and its next request gets the 204 that ends one.
      const reply = { status: 200, body: informed };
      this.#record(request, { at, started, file, reply, reason: 'unknown-device', mac });
      return reply;
    }
    const driver = this.#options.drivers.find((d) => d.vendors.includes(device.vendor));
    const session = newSession(randomBytes(16).toString('base64url'), envelope.namespace);
    const entry: SessionEntry = {
      session,
      device,
      events,
      expires: at.getTime() + (this.#options.sessionIdleMs ?? 120_000),
      ...(driver ? { driver } : {}),
      ...(request.proxied ? {} : { address: request.remoteAddress }),
    };
    const refused = this.#sessions.open(entry, request.connection);
    if (refused) {
      const reply = { status: 503, close: true, retryAfter: RETRY_AFTER_S };
      this.#record(request, { at, started, file, reply, entry, reason: refused });
      const limits = this.#sessions.limits;
      const whole = refused === 'too-many-sessions';
      this.#options.onLimit?.({
        door: 'acs',
        limit: whole ? 'acs-sessions' : 'acs-sessions-per-address',
        address: request.remoteAddress,
        detail: `a new session refused: ${whole ? limits.sessions : limits.perAddress} open${whole ? '' : ' from this address'}`,
      });
      return reply;
    }
    if (tr069Channel.hasSubscribers)
      tr069Channel.publish({ what: 'session' } satisfies Tr069Message);
    const connectionRequestUrl = parameter(inform, '.ManagementServer.ConnectionRequestURL');
    const root = inform.parameters[0]?.name.split('.')[0];
    await this.#options.store
      .updateCwmpState(
        device.mac,
        (state) => ({
          ...state,
          lastInform: { at: at.toISOString(), address: request.remoteAddress, events },
          ...(connectionRequestUrl && /^https?:\/\//i.test(connectionRequestUrl)
            ? { connectionRequestUrl: connectionRequestUrl.slice(0, 512) }
            : {}),
          ...(root === 'Device' || root === 'InternetGatewayDevice' ? { root } : {}),
        }),
        { observation: true },
      )
      .catch((error: unknown) => this.#warn('cwmp state not stored', error));
    const reply = { status: 200, body: informed, sessionId: session.id };
    this.#record(request, {
      at,
      started,
      file,
      reply,
      entry,
      reason: events.join(',').slice(0, 120),
      reported: informFacts(inform),
      ...(mac ? { mac } : {}),
    });
    return reply;
  }

  /**
   * The device an Inform comes from: the MAC its digest username names, else a MAC among
   * its parameters (`…MACAddress`) or its serial number, else the device that reported that serial.
   */
  async #identify(
    inform: Inform,
    credentials: PresentedCredentials | undefined,
  ): Promise<Mac | undefined> {
    const byUser = credentials ? parseMac(credentials.username) : undefined;
    if (byUser?.ok) return byUser.value;
    for (const p of inform.parameters) {
      if (p.name.endsWith('MACAddress')) {
        const mac = findMac(p.value);
        if (mac) return mac;
      }
    }
    const serial = inform.deviceId.serialNumber;
    const bySerial = findMac(serial);
    if (bySerial) return bySerial;
    if (!serial) return undefined;
    const device = await this.#options.store
      .deviceBySerial(serial.slice(0, 64))
      .catch(() => undefined);
    return device?.mac;
  }

  /** The CPE answered an ACS request: keep what it says. Returns facts for the device record. */
  async #answered(
    entry: SessionEntry,
    rpc: AcsRpc,
    message: Envelope | undefined,
    at: Date,
  ): Promise<Device['reported'] | undefined> {
    const mac = entry.device.mac;
    if (rpc.kind === 'GetParameterValues' && message?.method === 'GetParameterValuesResponse') {
      const values = parameterValues(child(message.body, 'ParameterList'));
      const get = (name: string): string | undefined =>
        values.find((v) => v.name.endsWith(`.DeviceInfo.${name}`))?.value.slice(0, 128) ||
        undefined;
      const model = get('ModelName');
      const firmware = get('SoftwareVersion');
      const serial = get('SerialNumber');
      return {
        ...(model ? { model } : {}),
        ...(firmware ? { firmware } : {}),
        ...(serial ? { serial } : {}),
      };
    }
    if (rpc.kind === 'SetParameterValues' && message?.method === 'SetParameterValuesResponse') {
      await this.#update(mac, (s) =>
        s.connectionRequest
          ? { ...s, connectionRequest: { ...s.connectionRequest, confirmed: true } }
          : s,
      );
    }
    if (rpc.kind === 'Download') {
      const transfer = downloadAnswered(rpc, message, at);
      if (transfer) {
        publishDownloaded(transfer.faultCode);
        await this.#update(mac, (s) => settle(s, transfer));
      }
    }
    if (rpc.kind === 'Reboot' && message?.method === 'RebootResponse') {
      await this.#update(mac, (s) => {
        const { rebootRequested: _done, ...rest } = s;
        return { ...rest, lastReboot: { at: at.toISOString(), commandKey: rpc.commandKey } };
      });
    }
    return undefined;
  }

  async #transferComplete(device: Device, body: XmlElement, at: Date): Promise<string> {
    const { transfer, reason } = transferCompleted(body, at);
    publishDownloaded(transfer.faultCode);
    await this.#update(device.mac, (s) => settle(s, transfer));
    return reason;
  }

  async #update(mac: Mac, change: (state: CwmpState) => CwmpState): Promise<void> {
    await this.#options.store
      .updateCwmpState(mac, change)
      .catch((error: unknown) => this.#warn('cwmp state not stored', error));
  }

  #record(
    request: CwmpHttpRequest,
    facts: {
      at: Date;
      started: number;
      file: string;
      reply: CwmpHttpReply;
      reason?: string;
      entry?: SessionEntry;
      mac?: Mac;
      reported?: Device['reported'];
    },
  ): void {
    const device = facts.entry?.device;
    const mac = device?.mac ?? facts.mac;
    const event: ProvisioningEvent = {
      at: facts.at.toISOString(),
      file: facts.file,
      transport: 'acs',
      address: request.remoteAddress,
      status: facts.reply.status,
      bytes: facts.reply.body ? Buffer.byteLength(facts.reply.body) : 0,
      durationMs: Math.round((performance.now() - facts.started) * 1000) / 1000,
      ...(mac ? { mac } : {}),
      ...(facts.entry?.driver ? { driver: facts.entry.driver.name } : {}),
      ...(request.userAgent ? { userAgent: request.userAgent.slice(0, 256) } : {}),
      ...(facts.reason ? { reason: facts.reason } : {}),
    };
    publishRequest(event, device?.vendor ?? 'unknown', 'cwmp');
    this.#options.recorder.record(
      event,
      device ? lastContactOf(event, device.mac, facts.reported) : undefined,
    );
  }

  #forget(request: CwmpHttpRequest): void {
    this.#sessions.forget(request.sessionId, request.connection);
  }

  #expire(now: number): void {
    this.#sessions.expire(now);
  }

  #warn(message: string, error: unknown): void {
    this.#options.log?.('warn', message, { error: (error as Error).message });
  }
}

/**
 * The Inform's event codes as its session keeps them: each at most 64 characters (TR-069's
 * EventCode is a string(64)) and copied through a Buffer into a string of its own. The XML
 * reader's strings are slices of the request's text, and V8 keeps the whole parent of a
 * slice alive: a code kept as it came would hold the whole body, up to 256 KiB, as long as
 * the session lives.
 */
function eventCodes(inform: Inform): string[] {
  return inform.events.map((e) => Buffer.from(e.code.slice(0, 64)).toString());
}

function parameter(inform: Inform, suffix: string): string | undefined {
  return inform.parameters.find((p) => p.name.endsWith(suffix))?.value;
}

/** Model, firmware and serial as an Inform states them. */
function informFacts(inform: Inform): Device['reported'] {
  const model = parameter(inform, '.DeviceInfo.ModelName') ?? inform.deviceId.productClass;
  const firmware = parameter(inform, '.DeviceInfo.SoftwareVersion');
  const serial = inform.deviceId.serialNumber;
  return {
    ...(model ? { model: model.slice(0, 128) } : {}),
    ...(firmware ? { firmware: firmware.slice(0, 128) } : {}),
    ...(serial ? { serial: serial.slice(0, 128) } : {}),
  };
}
