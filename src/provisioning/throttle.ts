/** How many misses an address may make, in what time, and how long it is refused after. */
export interface ThrottleLimits {
  /** More than this many misses within the window blocks the address; 0 never blocks. */
  misses: number;
  windowMs: number;
  blockMs: number;
}

export const DEFAULT_THROTTLE: ThrottleLimits = { misses: 20, windowMs: 60_000, blockMs: 300_000 };

/**
 * Counts misses (unknown MACs, missing files, wrong credentials) per client address and
 * blocks an address that makes too many: the brake on guessing MACs or passwords. In
 * memory, per node; a restart forgets. Bounded: past `maxAddresses` the oldest entries go.
 */
export class MissThrottle {
  #limits: ThrottleLimits;
  readonly #maxAddresses: number;
  /** Miss times within the window, oldest first, per address. */
  readonly #misses = new Map<string, number[]>();
  /** When each blocked address is let in again. */
  readonly #blocked = new Map<string, number>();

  constructor(limits: ThrottleLimits = DEFAULT_THROTTLE, maxAddresses = 100_000) {
    this.#limits = limits;
    this.#maxAddresses = maxAddresses;
  }

  get limits(): ThrottleLimits {
    return this.#limits;
  }

  /** New limits from a reload; the misses counted and the blocks in force stay. */
  set limits(limits: ThrottleLimits) {
    this.#limits = limits;
  }

  /** Addresses refused now. */
  blockedCount(nowMs: number): number {
    let count = 0;
    for (const until of this.#blocked.values()) if (nowMs < until) count++;
    return count;
  }

  isBlocked(address: string, nowMs: number): boolean {
    const until = this.#blocked.get(address);
    if (until === undefined) return false;
    if (nowMs < until) return true;
    this.#blocked.delete(address);
    return false;
  }

  /** Counts one miss; true when this miss is the one that blocks the address. */
  miss(address: string, nowMs: number): boolean {
    const { misses, windowMs, blockMs } = this.#limits;
    if (misses <= 0 || this.isBlocked(address, nowMs)) return false;
    let times = this.#misses.get(address);
    if (!times) {
      if (this.#misses.size >= this.#maxAddresses) this.#evictOldest(this.#misses);
      times = [];
      this.#misses.set(address, times);
    }
    while (times.length > 0 && times[0]! <= nowMs - windowMs) times.shift();
    times.push(nowMs);
    if (times.length <= misses) return false;
    this.#misses.delete(address);
    if (this.#blocked.size >= this.#maxAddresses) this.#evictOldest(this.#blocked);
    this.#blocked.set(address, nowMs + blockMs);
    return true;
  }

  #evictOldest(map: Map<string, unknown>): void {
    const first = map.keys().next();
    if (!first.done) map.delete(first.value);
  }
}
