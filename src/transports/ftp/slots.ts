// The door's table of control connections: how many each address holds and whether one more
// may come in. No I/O; the door answers 421 to what this table turns away.

/** Why a connection was turned away: the limit's flag name and the facts for the operator. */
export interface SessionRefusal {
  limit: 'ftp-sessions-per-address' | 'ftp-sessions';
  detail: string;
}

export class SessionSlots<Session> {
  readonly #sessions = new Set<Session>();
  readonly #perAddress = new Map<string, number>();
  readonly #maxSessions: number;
  readonly #maxPerAddress: number;

  constructor(maxSessions: number, maxPerAddress: number) {
    this.#maxSessions = maxSessions;
    this.#maxPerAddress = maxPerAddress;
  }

  /** The sessions holding a slot, live: one that ends leaves it. */
  get sessions(): ReadonlySet<Session> {
    return this.#sessions;
  }

  /** Whether `client` may open one more control connection; undefined when it may. */
  refusal(client: string): SessionRefusal | undefined {
    const held = this.#perAddress.get(client) ?? 0;
    // Slots one address cannot fill: while some addresses sit at their cap, others still get in.
    const open = this.#maxSessions - Math.floor(this.#maxSessions / 8);
    if (held >= this.#maxPerAddress) {
      return {
        limit: 'ftp-sessions-per-address',
        detail: `${this.#maxPerAddress} sessions from this address`,
      };
    }
    if (this.#sessions.size >= this.#maxSessions || (held > 0 && this.#sessions.size >= open)) {
      return {
        limit: 'ftp-sessions',
        detail: `${this.#sessions.size} of ${this.#maxSessions} sessions taken`,
      };
    }
    return undefined;
  }

  take(client: string, session: Session): void {
    this.#sessions.add(session);
    this.#perAddress.set(client, (this.#perAddress.get(client) ?? 0) + 1);
  }

  giveBack(client: string, session: Session): void {
    this.#sessions.delete(session);
    const left = (this.#perAddress.get(client) ?? 1) - 1;
    if (left > 0) this.#perAddress.set(client, left);
    else this.#perAddress.delete(client);
  }
}
