// The brake on guessing: refusals counted per client address, and the block an address earns
// when it makes too many. Two counts, because a wrong password is a guess and an anonymous
// refusal is how every Digest exchange starts.

import { blockChannel, type BlockMessage } from '../channels.ts';
import type { SecurityEvent } from '../model/credentials.ts';
import type { Logger } from '../log.ts';
import { DEFAULT_THROTTLE, MissThrottle, type ThrottleLimits } from './throttle.ts';

export class AddressBlocks {
  /**
   * Refusals of requests that proved nothing (no credentials, no certificate), the same for
   * a known MAC, an unknown one and a missing file, so the block tells nothing about which
   * MACs are devices. Every Digest exchange starts with one, so a blocked address is still
   * served whatever valid credentials or a certificate open (phones behind one NAT).
   */
  readonly #anonymous: MissThrottle;
  /** Wrong credentials: blocks everything from the address, valid credentials included. */
  readonly #guesses: MissThrottle;
  readonly #log: Logger | undefined;
  readonly #security: (event: SecurityEvent) => void;

  constructor(options: {
    limits: ThrottleLimits | undefined;
    log: Logger | undefined;
    /** Where a block is written down for the operator. */
    security: (event: SecurityEvent) => void;
  }) {
    this.#anonymous = new MissThrottle(options.limits ?? DEFAULT_THROTTLE);
    this.#guesses = new MissThrottle(options.limits ?? DEFAULT_THROTTLE);
    this.#log = options.log;
    this.#security = options.security;
  }

  /** Limits from a reload; counts and blocks in force stay. */
  set limits(limits: ThrottleLimits | undefined) {
    this.#anonymous.limits = limits ?? DEFAULT_THROTTLE;
    this.#guesses.limits = limits ?? DEFAULT_THROTTLE;
  }

  /** Addresses blocked now: for refusals without credentials, and for wrong credentials. */
  blockedAddresses(nowMs: number): Record<BlockMessage['scope'], number> {
    return {
      anonymous: this.#anonymous.blockedCount(nowMs),
      all: this.#guesses.blockedCount(nowMs),
    };
  }

  /**
   * How far the address is blocked: `all` after too many wrong credentials, `anonymous`
   * (only what valid credentials or a certificate open) after too many other refusals.
   */
  blocked(client: string, nowMs: number): 'all' | 'anonymous' | undefined {
    if (this.#guesses.isBlocked(client, nowMs)) return 'all';
    return this.#anonymous.isBlocked(client, nowMs) ? 'anonymous' : undefined;
  }

  /** Counts a miss; the one that crosses the limit blocks the address and is recorded. */
  miss(client: string, transport: string, guess: boolean, now: Date): void {
    const throttle = guess ? this.#guesses : this.#anonymous;
    if (!throttle.miss(client, now.getTime())) return;
    const { misses, windowMs, blockMs } = throttle.limits;
    const what = guess ? 'wrong credentials' : 'refusals without credentials';
    const scope = guess ? 'everything' : 'all but valid credentials';
    const detail = `more than ${misses} ${what} in ${windowMs / 1000} s over ${transport}; ${scope} refused for ${blockMs / 1000} s`;
    this.#log?.('warn', 'address blocked', { address: client, reason: detail });
    if (blockChannel.hasSubscribers)
      blockChannel.publish({ scope: guess ? 'all' : 'anonymous' } satisfies BlockMessage);
    this.#security({ at: now.toISOString(), kind: 'address-blocked', address: client, detail });
  }
}
