import type { SecurityEvent } from '../model/credentials.ts';

/** A door held a client to one of its limits: a refused session, a deadline, a rate. */
export interface LimitReached {
  door: 'http' | 'https' | 'acs' | 'ftp' | 'tftp' | 'sip';
  /** The limit's flag name, e.g. `ftp-sessions-per-address`. */
  limit: string;
  /** The client (or, for NOTIFYs, the destination) address. */
  address: string;
  /** Facts, never a secret: what happened, with the limit's value. */
  detail: string;
}

export type OnLimit = (reached: LimitReached) => void;

/** Limit and address pairs followed at once; past this, hits are counted under `*`. */
const MAX_KEYS = 1024;

interface Tally {
  reached: LimitReached;
  /** Hits since the last security event of this pair. */
  more: number;
}

/**
 * Turns limit hits into security events without letting a flood of them flood the store:
 * the first hit of a limit by an address is recorded at once; further hits are counted and
 * recorded as one event per window while they go on.
 */
export class LimitRecorder {
  readonly #append: (events: SecurityEvent[]) => Promise<void>;
  readonly #now: () => Date;
  readonly #windowMs: number;
  readonly #tallies = new Map<string, Tally>();
  readonly #timer: NodeJS.Timeout;

  constructor(options: {
    append: (events: SecurityEvent[]) => Promise<void>;
    now: () => Date;
    windowMs?: number;
  }) {
    this.#append = options.append;
    this.#now = options.now;
    this.#windowMs = options.windowMs ?? 60_000;
    this.#timer = setInterval(() => this.#sweep(), this.#windowMs);
    this.#timer.unref();
  }

  readonly hit: OnLimit = (reached) => {
    let key = `${reached.door}|${reached.limit}|${reached.address}`;
    let tally = this.#tallies.get(key);
    if (tally === undefined && this.#tallies.size >= MAX_KEYS) {
      key = `${reached.door}|${reached.limit}|*`;
      tally = this.#tallies.get(key);
      reached = { ...reached, address: '*' };
    }
    if (tally !== undefined) {
      tally.more += 1;
      return;
    }
    this.#tallies.set(key, { reached, more: 0 });
    this.#record([event(reached, this.#now(), reached.detail)]);
  };

  /** Records what is still counted; the door is closing. */
  close(): void {
    clearInterval(this.#timer);
    this.#sweep();
  }

  #sweep(): void {
    const at = this.#now();
    const events: SecurityEvent[] = [];
    for (const [key, tally] of this.#tallies) {
      if (tally.more === 0) {
        this.#tallies.delete(key);
        continue;
      }
      const seconds = Math.round(this.#windowMs / 1000);
      events.push(
        event(tally.reached, at, `${tally.reached.detail}; ${tally.more} more in ${seconds} s`),
      );
      tally.more = 0;
    }
    this.#record(events);
  }

  #record(events: SecurityEvent[]): void {
    if (events.length > 0) this.#append(events).catch(() => undefined);
  }
}

function event(reached: LimitReached, at: Date, detail: string): SecurityEvent {
  return {
    at: at.toISOString(),
    kind: 'limit-reached',
    address: reached.address,
    detail: `${reached.door} --${reached.limit}: ${detail}`,
  };
}
