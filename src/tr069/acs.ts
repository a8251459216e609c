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
import type { EventRecorder } from '../provisioning/recorder.ts';
import { planSession, type PlanOptions } from './plan.ts';
import { SessionTable, type SessionEntry } from './session-table.ts';
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
}

/** One HTTP request to the ACS, as the door read it. */
export interface CwmpHttpRequest {
  body: Buffer;
  /** The session cookie, if the CPE sent one. */
  sessionId?: string;
  /** The TCP connection: a CPE that drops cookies keeps its session on one connection. */
  connection: object;
  remoteAddress: string;
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
  /** 200 with an envelope, 204 to end the session, 401 challenge, 400 bad envelope. */
  status: number;
  body?: string;
  /** Set this session cookie. */
  sessionId?: string;
  challenge?: AuthChallenge;
  /** Close the connection after answering. */
  close?: boolean;
}

export class Acs {
  readonly #options: AcsOptions;
  readonly #sessions = new SessionTable();

  constructor(options: AcsOptions) {
    this.#options = options;
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
    if (envelope?.method === 'Inform') return this.#inform(request, envelope, at, started);
    const entry = this.#sessions.find(request.sessionId, request.connection);
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
      const reply = { status: 204, close: true };
      this.#record(request, { at, started, file, reply, reason: step.reason, entry });
      return reply;
    }
    if (step.kind === 'answer') {
      let reason: string | undefined;
      if (envelope?.body && step.method.endsWith('TransferComplete') && entry.device) {
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
    const reported =
      step.answered && entry.device
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
    const events = inform.events.map((e) => e.code);
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
    const device = verdict.device;
    const driver = device
      ? this.#options.drivers.find((d) => d.vendors.includes(device.vendor))
      : undefined;
    const session = newSession(randomBytes(16).toString('base64url'), envelope.namespace, inform);
    const entry: SessionEntry = {
      session,
      events,
      expires: at.getTime() + (this.#options.sessionIdleMs ?? 120_000),
      ...(device ? { device } : {}),
      ...(driver ? { driver } : {}),
    };
    if (!device) session.queue = [];
    this.#sessions.open(entry, request.connection);
    if (tr069Channel.hasSubscribers)
      tr069Channel.publish({ what: 'session' } satisfies Tr069Message);
    if (device) {
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
    }
    const reply = {
      status: 200,
      body: writeEnvelope(
        envelope.namespace,
        envelope.id,
        cwmp('InformResponse', [arg('MaxEnvelopes', 1)]),
      ),
      sessionId: session.id,
    };
    this.#record(request, {
      at,
      started,
      file,
      reply,
      entry,
      reason: device ? events.join(',').slice(0, 120) : 'unknown-device',
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
    const mac = entry.device!.mac;
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
