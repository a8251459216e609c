// A TR-069 CPE, as a phone's CWMP client behaves (TR-069 Amendment 6 §3.7): it opens a
// session with Inform, reports finished transfers, asks for the ACS's requests with an empty
// POST, answers each, fetches what a Download names after the session, and opens the next
// session to report it with TransferComplete. Vendor-neutral: a driver's `phone.tr069`
// says how the phone names itself. Used by `plugndial simulate --via tr069` and the tests.
//
// This file runs the sessions; cwmp-device.ts says what the CPE answers, cwmp-link.ts carries
// it to the ACS, cwmp-listener.ts takes connection requests.

import { createHash } from 'node:crypto';

import type { PhoneFetch } from '../drivers/driver.ts';
import { maskUserinfo } from '../redact.ts';
import { DEFAULT_NAMESPACE, writeEnvelope, type CwmpNamespace } from '../tr069/soap.ts';
import {
  answerRequest,
  informBody,
  transferCompleteBody,
  type CompletedTransfer,
  type CpeIdentity,
  type CpeMemory,
  type ReceivedDownload,
} from './cwmp-device.ts';
import { AcsLink, type AcsLinkOptions } from './cwmp-link.ts';

export type { CpeMemory } from './cwmp-device.ts';
export { listenForConnectionRequests } from './cwmp-listener.ts';

export interface CpeOptions extends AcsLinkOptions, CpeIdentity {
  namespace?: CwmpNamespace;
  /** The events of the first session; default `1 BOOT` (with `0 BOOTSTRAP` on a fresh CPE). */
  events?: string[];
  /** What the CPE remembers between runs. */
  memory?: CpeMemory;
  /** Fail every download with this CWMP fault code (9010: download failure, …). */
  failDownloads?: number;
  fetch: PhoneFetch;
}

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
    let completed: CompletedTransfer[] = [];
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

class CwmpClient {
  readonly #options: CpeOptions;
  readonly #link: AcsLink;
  #sent = 0;

  constructor(options: CpeOptions) {
    this.#options = options;
    this.#link = new AcsLink(options);
  }

  close(): void {
    this.#link.close();
  }

  async session(
    events: string[],
    completed: CompletedTransfer[],
    memory: CpeMemory,
    run: CpeRun,
  ): Promise<{ ok: boolean; downloads: ReceivedDownload[]; reboot: boolean }> {
    this.#link.forgetCookie();
    const downloads: ReceivedDownload[] = [];
    let reboot = false;
    const ns = this.#options.namespace ?? DEFAULT_NAMESPACE;
    const post = (body: string, what: string): ReturnType<AcsLink['post']> =>
      this.#link.post(body, run.exchanges, what);
    // The Inform reports the memory the run started with; GetParameterValues reads the live one.
    const inform = await post(
      writeEnvelope(ns, this.#id(), informBody(this.#options, this.#options.memory ?? {}, events)),
      'Inform',
    );
    if (inform.status !== 200 || inform.envelope?.method !== 'InformResponse')
      return { ok: false, downloads, reboot };
    for (const done of completed) {
      const body = transferCompleteBody(done);
      const answer = await post(writeEnvelope(ns, this.#id(), body), 'TransferComplete');
      if (answer.envelope?.method !== 'TransferCompleteResponse')
        return { ok: false, downloads, reboot };
    }
    let reply = await post('', 'empty');
    for (let i = 0; i < MAX_EXCHANGES; i++) {
      if (reply.status === 204) return { ok: true, downloads, reboot };
      const request = reply.envelope;
      if (reply.status !== 200 || !request?.method) return { ok: false, downloads, reboot };
      const answer = answerRequest(request, this.#options, memory);
      if (answer.download) downloads.push(answer.download);
      if (answer.reboot) reboot = true;
      reply = await post(
        writeEnvelope(ns, request.id, answer.response),
        `${request.method}Response`,
      );
    }
    return { ok: false, downloads, reboot };
  }

  #id(): string {
    return `cpe-${++this.#sent}`;
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
