// A resync of many phones as a job of the server: at a rate that does not reboot a site at
// once, a bounded number waited for at a time, its progress readable while it runs. The
// server sends, so a closed browser tab or a dropped connection does not stop it halfway.

import { randomBytes } from 'node:crypto';

import { isPlugndialError } from '../errors.ts';
import type { ResyncOutcome } from '../model/resync.ts';

export interface ResyncRequest {
  reboot: boolean;
  via: 'sip' | 'tr069';
}

/** One phone's outcome: the phone's answer, or why nothing was sent. */
export type ResyncResult =
  | ({ mac: string } & Partial<ResyncOutcome> & { status: number; ok: boolean })
  | { mac: string; ok: false; error: { code: string; message: string } };

export interface ResyncJobState {
  id: string;
  startedAt: string;
  finishedAt: string | null;
  cancelled: boolean;
  rate: number;
  reboot: boolean;
  via: 'sip' | 'tr069';
  total: number;
  /** Phones told so far (answered, failed or not reached). */
  done: number;
  /** Accepted the resync (2xx). */
  answered: number;
  /** Answered otherwise, or never (408). */
  failed: number;
  /** Could not be told: no address to send to, no way to resync, the door off. */
  unreachable: number;
}

export interface ResyncJobsOptions {
  resync: (mac: string, request: ResyncRequest) => Promise<ResyncOutcome>;
  now: () => Date;
  /** Phones waited for at once; each may take 32 s (64 with a challenge) to answer or time out. */
  maxOutstanding?: number;
  /** Finished jobs kept for reading; the oldest go first. */
  keep?: number;
}

/** Failures kept per job for the operator to read; the rest are counted. */
const MAX_FAILURES = 1000;

class ResyncJob {
  readonly state: ResyncJobState;
  readonly failures: ResyncResult[] = [];

  constructor(state: ResyncJobState) {
    this.state = state;
  }

  record(result: ResyncResult): void {
    const s = this.state;
    s.done++;
    if ('error' in result) s.unreachable++;
    else if (result.ok) s.answered++;
    else s.failed++;
    if (!result.ok && this.failures.length < MAX_FAILURES) this.failures.push(result);
  }
}

export class ResyncJobs {
  readonly #options: ResyncJobsOptions;
  readonly #jobs = new Map<string, ResyncJob>();
  readonly #maxOutstanding: number;
  readonly #keep: number;
  readonly #running = new Set<Promise<void>>();

  constructor(options: ResyncJobsOptions) {
    this.#options = options;
    this.#maxOutstanding = options.maxOutstanding ?? 64;
    this.#keep = options.keep ?? 20;
  }

  /** Starts a job and returns at once; its progress is read with `get`. */
  start(macs: readonly string[], options: ResyncRequest & { rate: number }): ResyncJobState {
    const job = new ResyncJob({
      id: randomBytes(8).toString('hex'),
      startedAt: this.#options.now().toISOString(),
      finishedAt: null,
      cancelled: false,
      rate: options.rate,
      reboot: options.reboot,
      via: options.via,
      total: macs.length,
      done: 0,
      answered: 0,
      failed: 0,
      unreachable: 0,
    });
    this.#forgetOld();
    this.#jobs.set(job.state.id, job);
    const run = this.#run(job, [...macs], options).finally(() => this.#running.delete(run));
    this.#running.add(run);
    return { ...job.state };
  }

  get(id: string): { state: ResyncJobState; failures: ResyncResult[] } | undefined {
    const job = this.#jobs.get(id);
    return job ? { state: { ...job.state }, failures: [...job.failures] } : undefined;
  }

  list(): ResyncJobState[] {
    return [...this.#jobs.values()].map((job) => ({ ...job.state })).reverse();
  }

  /** Sends no more NOTIFYs; phones already told are still waited for. */
  cancel(id: string): ResyncJobState | undefined {
    const job = this.#jobs.get(id);
    if (!job) return undefined;
    job.state.cancelled = true;
    return { ...job.state };
  }

  /** Cancels every job; the phones already told answer into the void. */
  close(): void {
    for (const job of this.#jobs.values()) job.state.cancelled = true;
  }

  /** Resolves when every job has ended (tests). */
  async settled(): Promise<void> {
    await Promise.all([...this.#running]);
  }

  async #run(
    job: ResyncJob,
    macs: string[],
    options: ResyncRequest & { rate: number },
  ): Promise<void> {
    const outstanding = new Set<Promise<void>>();
    const started = Date.now();
    for (const [i, mac] of macs.entries()) {
      if (job.state.cancelled) break;
      const wait = started + (i * 1000) / options.rate - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      while (outstanding.size >= this.#maxOutstanding) await Promise.race(outstanding);
      if (job.state.cancelled) break;
      const one = this.#one(mac, options).then((result) => job.record(result));
      const tracked = one.finally(() => outstanding.delete(tracked));
      outstanding.add(tracked);
    }
    await Promise.all(outstanding);
    job.state.finishedAt = this.#options.now().toISOString();
  }

  async #one(mac: string, request: ResyncRequest): Promise<ResyncResult> {
    try {
      const outcome = await this.#options.resync(mac, request);
      return { mac, ...outcome };
    } catch (error) {
      return {
        mac,
        ok: false,
        error: {
          code: isPlugndialError(error) ? error.code : 'PND_INTERNAL',
          message: isPlugndialError(error) ? error.message : 'the resync failed',
        },
      };
    }
  }

  #forgetOld(): void {
    const finished = [...this.#jobs.values()].filter((job) => job.state.finishedAt !== null);
    while (this.#jobs.size >= this.#keep && finished.length > 0) {
      this.#jobs.delete(finished.shift()!.state.id);
    }
  }
}
