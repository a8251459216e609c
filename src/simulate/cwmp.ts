// A TR-069 CPE, as a phone's CWMP client behaves (TR-069 Amendment 6 §3.7): it opens a
// session with Inform, reports finished transfers, asks for the ACS's requests with an empty
// POST, answers each, fetches what a Download names after the session, and opens the next
// session to report it with TransferComplete. Vendor-neutral: a driver's `phone.tr069`
// says how the phone names itself. Used by `plugndial simulate --via tr069` and the tests.

import { createHash, randomBytes } from 'node:crypto';
import {
  Agent,
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
} from 'node:http';
import type { AddressInfo } from 'node:net';

import { digestAuthorization, parseDigestChallenge } from '../crypto/digest.ts';
import { NonceKeeper, parseAuthorization, verifyDigest } from '../crypto/http-auth.ts';
import type { CpeDescription, PhoneFetch } from '../drivers/driver.ts';
import type { Mac } from '../model/mac.ts';
import { maskUserinfo } from '../redact.ts';
import {
  DEFAULT_NAMESPACE,
  arg,
  child,
  childText,
  cwmp,
  parameterList,
  parseEnvelope,
  local,
  type CwmpNamespace,
  type Envelope,
  type ParameterValue,
} from '../tr069/soap.ts';
import { writeEnvelope } from '../tr069/soap.ts';
import { xmlElement } from '../formats/xml.ts';

export interface CpeOptions {
  acsUrl: string;
  mac: Mac;
  description: CpeDescription;
  /** What the CPE presents to the ACS when challenged. */
  credentials?: { username: string; password: string };
  namespace?: CwmpNamespace;
  /** The events of the first session; default `1 BOOT` (with `0 BOOTSTRAP` on a fresh CPE). */
  events?: string[];
  /** Where this CPE listens for connection requests, reported in Inform. */
  connectionRequestUrl?: string;
  /** What the CPE remembers between runs. */
  memory?: CpeMemory;
  /** Fail every download with this CWMP fault code (9010: download failure, …). */
  failDownloads?: number;
  /** Send no cookies back: the session lives on the TCP connection only. */
  ignoreCookies?: boolean;
  /** A new TCP connection for every request: the session lives on the cookie only. */
  closeBetweenRequests?: boolean;
  fetch: PhoneFetch;
  timeoutMs?: number;
}

/** What a CPE keeps across reboots, as plain strings. */
export type CpeMemory = Record<string, string>;

export interface CpeDownload {
  commandKey: string;
  fileType: string;
  /** Without its credentials. */
  url: string;
  status: number;
  bytes: number;
  sha256?: string;
  faultCode: number;
}

export interface CpeRun {
  ok: boolean;
  /** One line per HTTP exchange: what was sent, the ACS's status and message. */
  exchanges: string[];
  downloads: CpeDownload[];
  /** Bodies of the configuration files fetched, by target file name. */
  files: Record<string, Buffer>;
  rebooted: boolean;
  memory: CpeMemory;
}

const MAX_SESSIONS = 4;
const MAX_EXCHANGES = 32;

/** Runs sessions until one passes with nothing to fetch and no reboot (at most four). */
export async function runCpe(options: CpeOptions): Promise<CpeRun> {
  const memory: CpeMemory = { ...options.memory };
  const run: CpeRun = {
    ok: true,
    exchanges: [],
    downloads: [],
    files: {},
    rebooted: false,
    memory,
  };
  const client = new CwmpClient(options);
  try {
    let events =
      options.events ?? (memory['bootstrapped'] ? ['1 BOOT'] : ['0 BOOTSTRAP', '1 BOOT']);
    let completed: { commandKey: string; faultCode: number; fileType: string }[] = [];
    for (let n = 0; n < MAX_SESSIONS; n++) {
      const session = await client.session(events, completed, memory, run);
      if (!session.ok) {
        run.ok = false;
        break;
      }
      memory['bootstrapped'] = '1';
      completed = [];
      for (const download of session.downloads) {
        const done = await fetchDownload(options, download);
        run.downloads.push(done.record);
        if (done.body) run.files[download.targetFileName || download.commandKey] = done.body;
        if (done.record.sha256 && done.record.faultCode === 0)
          memory[`file:${download.fileType.slice(0, 1)}`] = done.record.sha256;
        completed.push({
          commandKey: download.commandKey,
          faultCode: done.record.faultCode,
          fileType: download.fileType,
        });
      }
      if (session.reboot) run.rebooted = true;
      if (completed.length === 0 && !session.reboot) break;
      events = [
        ...(session.reboot || completed.some((c) => c.faultCode === 0) ? ['1 BOOT'] : []),
        ...(completed.length > 0 ? ['7 TRANSFER COMPLETE', 'M Download'] : []),
        ...(session.reboot ? ['M Reboot'] : []),
      ];
    }
  } catch (error) {
    run.ok = false;
    run.exchanges.push(`error ${(error as Error).message.slice(0, 200)}`);
  } finally {
    client.close();
  }
  return run;
}

interface ReceivedDownload {
  commandKey: string;
  fileType: string;
  url: string;
  username: string;
  password: string;
  targetFileName: string;
}

class CwmpClient {
  readonly #options: CpeOptions;
  readonly #agent: Agent;
  #cookie: string | undefined;
  #authorization: { username: string; password: string } | undefined;
  #sent = 0;

  constructor(options: CpeOptions) {
    this.#options = options;
    this.#agent = new Agent({ keepAlive: !options.closeBetweenRequests, maxSockets: 1 });
  }

  close(): void {
    this.#agent.destroy();
  }

  async session(
    events: string[],
    completed: { commandKey: string; faultCode: number; fileType: string }[],
    memory: CpeMemory,
    run: CpeRun,
  ): Promise<{ ok: boolean; downloads: ReceivedDownload[]; reboot: boolean }> {
    this.#cookie = undefined;
    const downloads: ReceivedDownload[] = [];
    let reboot = false;
    const ns = this.#options.namespace ?? DEFAULT_NAMESPACE;
    const inform = await this.#post(
      writeEnvelope(ns, this.#id(), this.#inform(events)),
      run,
      'Inform',
    );
    if (inform.status !== 200 || inform.envelope?.method !== 'InformResponse')
      return { ok: false, downloads, reboot };
    for (const done of completed) {
      const body = cwmp('TransferComplete', [
        arg('CommandKey', done.commandKey),
        xmlElement('FaultStruct', {}, [
          arg('FaultCode', done.faultCode),
          arg('FaultString', done.faultCode === 0 ? '' : 'Download failure'),
        ]),
        arg('StartTime', '0001-01-01T00:00:00Z'),
        arg('CompleteTime', '0001-01-01T00:00:00Z'),
      ]);
      const answer = await this.#post(writeEnvelope(ns, this.#id(), body), run, 'TransferComplete');
      if (answer.envelope?.method !== 'TransferCompleteResponse')
        return { ok: false, downloads, reboot };
    }
    let reply = await this.#post('', run, 'empty');
    for (let i = 0; i < MAX_EXCHANGES; i++) {
      if (reply.status === 204) return { ok: true, downloads, reboot };
      const request = reply.envelope;
      if (reply.status !== 200 || !request?.method) return { ok: false, downloads, reboot };
      let response;
      switch (request.method) {
        case 'Download': {
          const d = request.body;
          downloads.push({
            commandKey: childText(d, 'CommandKey'),
            fileType: childText(d, 'FileType'),
            url: childText(d, 'URL'),
            username: childText(d, 'Username'),
            password: childText(d, 'Password'),
            targetFileName: childText(d, 'TargetFileName'),
          });
          response = cwmp('DownloadResponse', [
            arg('Status', 1),
            arg('StartTime', '0001-01-01T00:00:00Z'),
            arg('CompleteTime', '0001-01-01T00:00:00Z'),
          ]);
          break;
        }
        case 'Reboot':
          reboot = true;
          response = cwmp('RebootResponse');
          break;
        case 'GetParameterValues': {
          const names = (child(request.body, 'ParameterNames')?.children ?? []).map((e) =>
            e.text.trim(),
          );
          const all = this.#parameters(memory);
          response = cwmp('GetParameterValuesResponse', [
            parameterList(
              'ParameterList',
              names.flatMap((name) =>
                all.filter(
                  (p) => p.name === name || (name.endsWith('.') && p.name.startsWith(name)),
                ),
              ),
            ),
          ]);
          break;
        }
        case 'SetParameterValues': {
          for (const p of child(request.body, 'ParameterList')?.children ?? []) {
            if (local(p.name) !== 'ParameterValueStruct') continue;
            memory[`param:${childText(p, 'Name')}`] = child(p, 'Value')?.text.trim() ?? '';
          }
          response = cwmp('SetParameterValuesResponse', [arg('Status', 0)]);
          break;
        }
        default:
          response = xmlElement('soap-env:Fault', {}, [
            arg('faultcode', 'Client'),
            arg('faultstring', 'CWMP fault'),
            xmlElement('detail', {}, [
              cwmp('Fault', [arg('FaultCode', 9000), arg('FaultString', 'Method not supported')]),
            ]),
          ]);
      }
      reply = await this.#post(
        writeEnvelope(ns, request.id, response),
        run,
        `${request.method}Response`,
      );
    }
    return { ok: false, downloads, reboot };
  }

  #id(): string {
    return `cpe-${++this.#sent}`;
  }

  #parameters(memory: CpeMemory): ParameterValue[] {
    const d = this.#options.description;
    const root = d.root;
    const values: ParameterValue[] = [
      { name: `${root}.DeviceInfo.Manufacturer`, value: d.manufacturer },
      { name: `${root}.DeviceInfo.ManufacturerOUI`, value: d.oui },
      { name: `${root}.DeviceInfo.ModelName`, value: d.productClass },
      { name: `${root}.DeviceInfo.SerialNumber`, value: d.serialNumber },
      {
        name: `${root}.DeviceInfo.SoftwareVersion`,
        value: memory['firmware'] ?? d.softwareVersion,
      },
      { name: `${root}.DeviceInfo.HardwareVersion`, value: '1.0' },
      {
        name: `${root}.ManagementServer.ConnectionRequestURL`,
        value: this.#options.connectionRequestUrl ?? '',
      },
      {
        name: `${root}.ManagementServer.ParameterKey`,
        value: memory[`param:${root}.ManagementServer.ParameterKey`] ?? '',
      },
      {
        name: `${root}.LANDevice.1.LANHostConfigManagement.MACAddress`,
        value: formatMac(this.#options.mac),
      },
    ];
    return values;
  }

  #inform(events: string[]): ReturnType<typeof cwmp> {
    const d = this.#options.description;
    const names = [
      'HardwareVersion',
      'SoftwareVersion',
      'ConnectionRequestURL',
      'ParameterKey',
      'MACAddress',
    ];
    const params = this.#parameters(this.#options.memory ?? {}).filter((p) =>
      names.some((n) => p.name.endsWith(`.${n}`)),
    );
    return cwmp('Inform', [
      xmlElement('DeviceId', {}, [
        arg('Manufacturer', d.manufacturer),
        arg('OUI', d.oui),
        arg('ProductClass', d.productClass),
        arg('SerialNumber', d.serialNumber),
      ]),
      xmlElement(
        'Event',
        { 'soap-enc:arrayType': `cwmp:EventStruct[${events.length}]` },
        events.map((code) =>
          xmlElement('EventStruct', {}, [arg('EventCode', code), arg('CommandKey', '')]),
        ),
      ),
      arg('MaxEnvelopes', 1),
      arg('CurrentTime', '0001-01-01T00:00:00Z'),
      arg('RetryCount', 0),
      parameterList('ParameterList', params),
    ]);
  }

  /** One POST; a 401 is answered once with digest, and the CPE answers every later one too. */
  async #post(
    body: string,
    run: CpeRun,
    what: string,
  ): Promise<{ status: number; envelope?: Envelope }> {
    let answer = await this.#send(body, this.#authorization ? this.#auth(undefined) : undefined);
    if (answer.status === 401 && this.#options.credentials) {
      const challenge = answer.challenges.map(parseDigestChallenge).find((c) => c !== undefined);
      if (challenge) {
        this.#authorization = this.#options.credentials;
        answer = await this.#send(body, this.#auth(challenge));
      }
    }
    let envelope: Envelope | undefined;
    if (answer.body.length > 0) {
      const parsed = parseEnvelope(answer.body.toString('utf8'));
      if (parsed.ok) envelope = parsed.value;
    }
    run.exchanges.push(
      `${what} → ${answer.status}${envelope?.method ? ` ${envelope.method}` : ''}`,
    );
    return { status: answer.status, ...(envelope ? { envelope } : {}) };
  }

  #challenge: ReturnType<typeof parseDigestChallenge>;
  #nc = 0;

  #auth(challenge: ReturnType<typeof parseDigestChallenge>): string | undefined {
    if (challenge) {
      this.#challenge = challenge;
      this.#nc = 0;
    }
    if (!this.#challenge || !this.#authorization) return undefined;
    return digestAuthorization(this.#challenge, this.#authorization, {
      method: 'POST',
      uri: new URL(this.#options.acsUrl).pathname,
      cnonce: randomBytes(8).toString('hex'),
      nc: ++this.#nc,
    });
  }

  #send(
    body: string,
    authorization: string | undefined,
  ): Promise<{ status: number; body: Buffer; challenges: string[] }> {
    return new Promise((resolve, reject) => {
      const payload = Buffer.from(body);
      const request = httpRequest(
        this.#options.acsUrl,
        {
          method: 'POST',
          agent: this.#agent,
          timeout: this.#options.timeoutMs ?? 10_000,
          headers: {
            'content-length': payload.length,
            ...(payload.length > 0
              ? { 'content-type': 'text/xml; charset="utf-8"', soapaction: '' }
              : {}),
            ...(this.#cookie && !this.#options.ignoreCookies ? { cookie: this.#cookie } : {}),
            ...(authorization ? { authorization } : {}),
            ...(this.#options.closeBetweenRequests ? { connection: 'close' } : {}),
          },
        },
        (response: IncomingMessage) => {
          const setCookie = response.headers['set-cookie']?.[0];
          if (setCookie) this.#cookie = setCookie.split(';')[0];
          const chunks: Buffer[] = [];
          let size = 0;
          response.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size <= 1024 * 1024) chunks.push(chunk);
          });
          response.on('end', () =>
            resolve({
              status: response.statusCode ?? 0,
              body: Buffer.concat(chunks),
              challenges: response.headersDistinct['www-authenticate'] ?? [],
            }),
          );
          response.on('error', reject);
        },
      );
      request.on('timeout', () => request.destroy(new Error('the ACS did not answer in time')));
      request.on('error', reject);
      request.end(payload);
    });
  }
}

async function fetchDownload(
  options: CpeOptions,
  download: ReceivedDownload,
): Promise<{ record: CpeDownload; body?: Buffer }> {
  const shown = masked(download.url);
  const base = { commandKey: download.commandKey, fileType: download.fileType, url: shown };
  if (options.failDownloads) {
    return { record: { ...base, status: 0, bytes: 0, faultCode: options.failDownloads } };
  }
  try {
    const answer = await options.fetch(download.url, {
      ...(download.username
        ? { credentials: { username: download.username, password: download.password } }
        : {}),
    });
    if (answer.status !== 200 || answer.body.length === 0) {
      return {
        record: { ...base, status: answer.status, bytes: answer.body.length, faultCode: 9010 },
      };
    }
    const sha256 = createHash('sha256').update(answer.body).digest('hex');
    return {
      record: { ...base, status: 200, bytes: answer.body.length, sha256, faultCode: 0 },
      body: answer.body,
    };
  } catch {
    return { record: { ...base, status: 0, bytes: 0, faultCode: 9010 } };
  }
}

function masked(url: string): string {
  return maskUserinfo(url).slice(0, 200);
}

function formatMac(mac: Mac): string {
  return mac.match(/../g)!.join(':').toUpperCase();
}

/**
 * The CPE's connection request listener: a GET with valid digest credentials (the ones the
 * ACS set with SetParameterValues, read from `credentials()`) is answered 200 and calls `onRequest`.
 */
export async function listenForConnectionRequests(options: {
  host: string;
  credentials: () => { username: string; password: string } | undefined;
  onRequest: () => void;
}): Promise<{ url: string; requests: number; close(): Promise<void> }> {
  const nonces = new NonceKeeper();
  const realm = 'cpe';
  const state = { requests: 0 };
  const server: Server = createServer((request, response) => {
    request.resume();
    const expected = options.credentials();
    const presented = parseAuthorization(request.headers.authorization);
    const valid =
      expected &&
      presented?.scheme === 'digest' &&
      nonces.check(presented.nonce, new Date()) === 'fresh' &&
      verifyDigest(presented, expected, {
        method: request.method ?? 'GET',
        target: request.url ?? '/',
        realm,
        algorithms: ['MD5'],
      });
    if (!valid) {
      response.writeHead(401, {
        'www-authenticate': `Digest realm="${realm}", qop="auth", algorithm=MD5, nonce="${nonces.mint(new Date())}"`,
        'content-length': 0,
      });
      response.end();
      return;
    }
    state.requests++;
    response.writeHead(200, { 'content-length': 0 });
    response.end();
    options.onRequest();
  });
  await new Promise<void>((resolve) => server.listen(0, options.host, resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${options.host}:${port}/cr`,
    get requests() {
      return state.requests;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
