// The ACS: what plugndial does in a CWMP session. It knows no vendor (a device's driver
// names the file a Download points at) and no socket (door.ts adapts node:http to it).
// Every request is one ProvisioningEvent with transport `acs`.

import { createHash, randomBytes } from 'node:crypto';

import { publishRequest, tr069Channel, type Tr069Message } from '../channels.ts';
import type { AuthChallenge, PresentedCredentials } from '../crypto/http-auth.ts';
import type { Driver } from '../drivers/driver.ts';
import type { Logger } from '../log.ts';
import { MAX_CWMP_TRANSFERS, type CwmpState, type CwmpTransfer } from '../model/cwmp.ts';
import type { Device } from '../model/device.ts';
import { findMac, parseMac, type Mac } from '../model/mac.ts';
import type { ProvisioningEvent } from '../model/event.ts';
import type { ProvisioningPipeline } from '../provisioning/pipeline.ts';
import { lastContactOf } from '../provisioning/last-contact.ts';
import type { EventRecorder } from '../provisioning/recorder.ts';
import type { Store } from '../store/store.ts';
import {
  arg,
  cwmp,
  parameterValues,
  parseEnvelope,
  readFault,
  readInform,
  readTransferComplete,
  child,
  childText,
  writeEnvelope,
  type Envelope,
  type Inform,
} from './soap.ts';
import {
  FILE_TYPES,
  describeRpc,
  newSession,
  nextRequest,
  rpcBody,
  stepSession,
  type AcsRpc,
  type Session,
} from './session.ts';

export interface AcsOptions {
  store: Store;
  pipeline: ProvisioningPipeline;
  drivers: readonly Driver[];
  recorder: EventRecorder;
  now: () => Date;
  /**
   * The HTTP(S) door as a CPE that reached the ACS on local address `reachedAt` sees it
   * (`http://10.0.0.5:8080`, no trailing `/`); undefined when no such door is on.
   */
  fileOrigin(reachedAt: string): string | undefined;
  log?: Logger;
  /** How long a Download's one-time credentials open its file. Default 15 minutes. */
  grantTtlMs?: number;
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

interface Entry {
  session: Session;
  device?: Device;
  driver?: Driver;
  expires: number;
  /** Event codes of the Inform that opened the session. */
  events: string[];
  origin?: string;
}

const MAX_SESSIONS = 10_000;
/** The reasons a CPE's Inform makes the ACS look at its files. */
const PROVISIONING_EVENTS = ['0 BOOTSTRAP', '1 BOOT', '2 PERIODIC', '6 CONNECTION REQUEST'];
/** A Download sent and not completed is not sent again for this long, unless the CPE rebooted. */
const INFLIGHT_MS = 10 * 60_000;
const DEVICE_INFO = ['ModelName', 'SoftwareVersion', 'SerialNumber', 'Manufacturer'];

export class Acs {
  readonly #options: AcsOptions;
  readonly #sessions = new Map<string, Entry>();
  readonly #byConnection = new WeakMap<object, string>();

  constructor(options: AcsOptions) {
    this.#options = options;
  }

  async answer(request: CwmpHttpRequest): Promise<CwmpHttpReply> {
    const started = performance.now();
    const at = this.#options.now();
    this.#expire(at.getTime());
    let envelope: Envelope | undefined;
    if (request.body.length > 0) {
      const parsed = parseEnvelope(request.body.toString('utf8'));
      if (!parsed.ok) {
        this.#forget(request);
        const reply = { status: 400, close: true };
        this.#record(request, { at, started, file: 'cwmp', reply, reason: 'bad-envelope' });
        return reply;
      }
      envelope = parsed.value;
    }
    if (envelope?.method === 'Inform') return this.#inform(request, envelope, at, started);
    const id = request.sessionId ?? this.#byConnection.get(request.connection);
    const entry = id ? this.#sessions.get(id) : undefined;
    const file = `cwmp/${envelope?.method ?? 'empty'}`;
    if (!entry) {
      const reply = { status: 204, close: true };
      this.#record(request, { at, started, file, reply, reason: 'no-session' });
      return reply;
    }
    entry.expires = at.getTime() + (this.#options.sessionIdleMs ?? 120_000);
    this.#byConnection.set(request.connection, entry.session.id);
    const step = stepSession(entry.session, envelope);
    if (step.kind === 'end') {
      this.#sessions.delete(entry.session.id);
      const reply = { status: 204, close: true };
      this.#record(request, { at, started, file, reply, reason: step.reason, entry });
      return reply;
    }
    if (step.kind === 'answer') {
      let reason: string | undefined;
      if (envelope?.body && step.method.endsWith('TransferComplete') && entry.device) {
        reason = await this.#transferComplete(entry.device, envelope, at);
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
    if (!entry.session.queue) entry.session.queue = await this.#plan(entry, request, at);
    const next = nextRequest(entry.session);
    if (!next) {
      this.#sessions.delete(entry.session.id);
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
    const entry: Entry = {
      session,
      events,
      expires: at.getTime() + (this.#options.sessionIdleMs ?? 120_000),
      ...(device ? { device } : {}),
      ...(driver ? { driver } : {}),
    };
    if (!device) session.queue = [];
    while (this.#sessions.size >= MAX_SESSIONS)
      this.#sessions.delete(this.#sessions.keys().next().value!);
    this.#sessions.set(session.id, entry);
    this.#byConnection.set(request.connection, session.id);
    if (tr069Channel.hasSubscribers)
      tr069Channel.publish({ what: 'session' } satisfies Tr069Message);
    if (device) {
      const connectionRequestUrl = parameter(inform, '.ManagementServer.ConnectionRequestURL');
      const root = inform.parameters[0]?.name.split('.')[0];
      await this.#options.store
        .updateCwmpState(device.mac, (state) => ({
          ...state,
          lastInform: { at: at.toISOString(), address: request.remoteAddress, events },
          ...(connectionRequestUrl && /^https?:\/\//i.test(connectionRequestUrl)
            ? { connectionRequestUrl: connectionRequestUrl.slice(0, 512) }
            : {}),
          ...(root === 'Device' || root === 'InternetGatewayDevice' ? { root } : {}),
        }))
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

  /** What the ACS asks in this session, decided at the CPE's first empty POST. */
  async #plan(entry: Entry, request: CwmpHttpRequest, at: Date): Promise<AcsRpc[]> {
    const { device, driver } = entry;
    if (!device) return [];
    const state = await this.#options.store.cwmpState(device.mac);
    const root = state?.root ?? 'InternetGatewayDevice';
    const rpcs: AcsRpc[] = [];
    const booted = entry.events.some((e) => e === '0 BOOTSTRAP' || e === '1 BOOT');
    if (booted || !device.reported?.firmware) {
      rpcs.push({
        kind: 'GetParameterValues',
        names: DEVICE_INFO.map((name) => `${root}.DeviceInfo.${name}`),
      });
    }
    let credentials = state?.connectionRequest;
    // A CPE that bootstraps was reset (or is new): whatever it was told before is gone.
    if (!credentials?.confirmed || entry.events.includes('0 BOOTSTRAP')) {
      credentials ??= {
        username: `acs-${device.mac}`,
        password: randomBytes(18).toString('base64url'),
        confirmed: false,
      };
      const fresh = credentials;
      await this.#options.store.updateCwmpState(device.mac, (s) => ({
        ...s,
        connectionRequest: s.connectionRequest ?? fresh,
      }));
      rpcs.push({
        kind: 'SetParameterValues',
        values: [
          {
            name: `${root}.ManagementServer.ConnectionRequestUsername`,
            value: credentials.username,
          },
          {
            name: `${root}.ManagementServer.ConnectionRequestPassword`,
            value: credentials.password,
          },
        ],
        parameterKey: 'plugndial-cr',
      });
    }
    const origin = this.#options.fileOrigin(request.localAddress);
    if (entry.events.some((e) => PROVISIONING_EVENTS.includes(e)) && origin) {
      const inflight = { ...state?.inflight };
      const fresh = (target: string): boolean =>
        booted ||
        !Object.values(inflight).some(
          (f) => f.target === target && at.getTime() - Date.parse(f.at) < INFLIGHT_MS,
        );
      const file = driver?.tr069?.configFile(device);
      if (file) {
        const rendered = await this.#options.pipeline.render(device.mac, file, origin);
        const body = rendered?.artifact?.body;
        const sha = body && createHash('sha256').update(body).digest('hex');
        if (body && sha && sha !== state?.acknowledged.config && fresh(sha)) {
          const url = `${origin}/${file.split('/').map(encodeURIComponent).join('/')}`;
          rpcs.push(
            this.#download(
              device,
              url,
              FILE_TYPES.config,
              `cfg-${sha.slice(0, 16)}`,
              body.length,
              file,
            ),
          );
          inflight[`cfg-${sha.slice(0, 16)}`] = {
            fileType: FILE_TYPES.config,
            target: sha,
            at: at.toISOString(),
          };
        }
      }
      const image = await this.#options.pipeline.firmwareFor(device, origin);
      if (image && image.version !== state?.acknowledged.firmware && fresh(image.version)) {
        const key = `fw-${image.version}`.slice(0, 32);
        rpcs.push(
          this.#download(device, image.url, FILE_TYPES.firmware, key, image.size, image.fileName),
        );
        inflight[key] = {
          fileType: FILE_TYPES.firmware,
          target: image.version,
          at: at.toISOString(),
        };
      }
      await this.#options.store.updateCwmpState(device.mac, (s) => ({ ...s, inflight }));
    }
    if (state?.rebootRequested) {
      rpcs.push({ kind: 'Reboot', commandKey: `reboot-${Date.parse(state.rebootRequested) || 0}` });
    }
    return rpcs;
  }

  #download(
    device: Device,
    url: string,
    fileType: (typeof FILE_TYPES)[keyof typeof FILE_TYPES],
    commandKey: string,
    fileSize: number,
    targetFileName: string,
  ): AcsRpc {
    const grant = this.#options.pipeline.grantOneTime(
      device.mac,
      new URL(url).pathname,
      this.#options.grantTtlMs ?? 15 * 60_000,
    );
    return {
      kind: 'Download',
      commandKey,
      fileType,
      url,
      username: grant.username,
      password: grant.password,
      fileSize,
      targetFileName: targetFileName.split('/').pop() ?? targetFileName,
    };
  }

  /** The CPE answered an ACS request: keep what it says. Returns facts for the device record. */
  async #answered(
    entry: Entry,
    rpc: AcsRpc,
    message: Envelope | undefined,
    at: Date,
  ): Promise<Device['reported'] | undefined> {
    const mac = entry.device!.mac;
    const fault = message?.method === 'Fault' && message.body ? readFault(message.body) : undefined;
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
      const status =
        message?.method === 'DownloadResponse' ? childText(message.body, 'Status') : '';
      // Status 0: done and applied already, no TransferComplete follows.
      if (fault || status === '0') {
        downloaded(fault?.code ?? 0);
        await this.#update(mac, (s) =>
          settle(s, {
            at: at.toISOString(),
            commandKey: rpc.commandKey,
            faultCode: fault?.code ?? 0,
            ...(fault?.message ? { faultString: fault.message } : {}),
          }),
        );
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

  async #transferComplete(device: Device, envelope: Envelope, at: Date): Promise<string> {
    const done = readTransferComplete(envelope.body!);
    downloaded(done.faultCode);
    await this.#update(device.mac, (s) =>
      settle(s, {
        at: at.toISOString(),
        commandKey: done.commandKey.slice(0, 64),
        faultCode: done.faultCode,
        ...(done.faultString ? { faultString: done.faultString } : {}),
        ...(done.startTime ? { startTime: done.startTime.slice(0, 40) } : {}),
        ...(done.completeTime ? { completeTime: done.completeTime.slice(0, 40) } : {}),
      }),
    );
    return done.faultCode === 0
      ? `transfer-complete ${done.commandKey.slice(0, 40)}`
      : `transfer-fault ${done.faultCode}`;
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
      entry?: Entry;
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
    const id = request.sessionId ?? this.#byConnection.get(request.connection);
    if (id) this.#sessions.delete(id);
  }

  #expire(now: number): void {
    for (const [id, entry] of this.#sessions) if (entry.expires <= now) this.#sessions.delete(id);
  }

  #warn(message: string, error: unknown): void {
    this.#options.log?.('warn', message, { error: (error as Error).message });
  }
}

/** A transfer ended: acknowledge what it delivered when it succeeded, keep the outcome. */
function settle(state: CwmpState, transfer: CwmpTransfer): CwmpState {
  const sent = state.inflight[transfer.commandKey];
  const inflight = { ...state.inflight };
  delete inflight[transfer.commandKey];
  const acknowledged = { ...state.acknowledged };
  if (sent && transfer.faultCode === 0) {
    if (sent.fileType === FILE_TYPES.config) acknowledged.config = sent.target;
    if (sent.fileType === FILE_TYPES.firmware) acknowledged.firmware = sent.target;
  }
  return {
    ...state,
    inflight,
    acknowledged,
    transfers: [
      { ...transfer, ...(sent ? { fileType: sent.fileType } : {}) },
      ...state.transfers,
    ].slice(0, MAX_CWMP_TRANSFERS),
  };
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

/** A Download's result as the CPE reported it (0: done), for whoever counts them. */
function downloaded(faultCode: number): void {
  if (tr069Channel.hasSubscribers)
    tr069Channel.publish({ what: 'download', faultCode } satisfies Tr069Message);
}
