// The door's table of transfers: which TID holds which transfer, how many each address holds,
// and whether one more may start. No I/O; the door refuses what this table turns away.

import type { ReadTransfer } from './transfer.ts';

/** One read request, from its arrival until its transfer ends. */
export interface TransferEntry {
  /** The client's TID: `address|port`. */
  key: string;
  /** The client's address, IPv4-mapped form removed. */
  client: string;
  filename: string;
  transfer: ReadTransfer | undefined;
  registered: boolean;
}

/** Why a request was turned away: the limit's flag name and the facts for the operator. */
export interface SlotRefusal {
  limit: 'tftp-transfers-per-address' | 'tftp-transfers';
  detail: string;
  /** The refusal's reason in the door's log. */
  reason: string;
}

export interface SlotLimits {
  maxTransfers: number;
  maxTransfersPerClient: number;
}

export class TransferSlots {
  readonly #byTid = new Map<string, TransferEntry>();
  readonly #perClient = new Map<string, number>();
  readonly #limits: SlotLimits;
  #active = 0;

  constructor(limits: SlotLimits) {
    this.#limits = limits;
  }

  /** Transfers holding a slot, including those waiting for the pipeline. */
  get active(): number {
    return this.#active;
  }

  byTid(key: string): TransferEntry | undefined {
    return this.#byTid.get(key);
  }

  entries(): TransferEntry[] {
    return [...this.#byTid.values()];
  }

  /** Whether `client` may start one more transfer; undefined when it may. */
  refusal(client: string): SlotRefusal | undefined {
    const { maxTransfers, maxTransfersPerClient } = this.#limits;
    const held = this.#perClient.get(client) ?? 0;
    if (held >= maxTransfersPerClient) {
      return {
        limit: 'tftp-transfers-per-address',
        detail: `${maxTransfersPerClient} transfers from this address`,
        reason: 'too many transfers from client',
      };
    }
    // The last eighth of the slots is for addresses holding none: phones get in while others
    // sit at their cap.
    if (
      this.#active >= maxTransfers ||
      (held > 0 && this.#active >= maxTransfers - Math.floor(maxTransfers / 8))
    ) {
      return {
        limit: 'tftp-transfers',
        detail: `${this.#active} of ${maxTransfers} transfers under way`,
        reason: 'too many transfers',
      };
    }
    return undefined;
  }

  /**
   * The transfer to end so that a newcomer may start: of those of `client` (or of every
   * address), the one longest without progress, if it has gone a timeout at least without
   * any; a transfer that keeps up is never ended for another.
   */
  stalest(client?: string): TransferEntry | undefined {
    let stalest: TransferEntry | undefined;
    let timeouts = 0;
    for (const entry of this.#byTid.values()) {
      if (client !== undefined && entry.client !== client) continue;
      const missed = entry.transfer?.timeoutsWithoutProgress ?? 0;
      if (missed > timeouts && entry.transfer?.closed === false) {
        stalest = entry;
        timeouts = missed;
      }
    }
    return stalest;
  }

  take(entry: TransferEntry): void {
    entry.registered = true;
    this.#byTid.set(entry.key, entry);
    this.#perClient.set(entry.client, (this.#perClient.get(entry.client) ?? 0) + 1);
    this.#active += 1;
  }

  giveBack(entry: TransferEntry): void {
    if (!entry.registered) return;
    entry.registered = false;
    if (this.#byTid.get(entry.key) === entry) this.#byTid.delete(entry.key);
    const count = (this.#perClient.get(entry.client) ?? 1) - 1;
    if (count <= 0) this.#perClient.delete(entry.client);
    else this.#perClient.set(entry.client, count);
    this.#active -= 1;
  }
}
