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
  readonly #clients = new Map<Session, string>();
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

  /**
   * The session that makes room for a newcomer the limit would refuse: the oldest one that
   * `mayGo` (has not logged in) — from the newcomer's own address at the per-address cap.
   * A phone logs in as soon as it is greeted, so the one waiting longest is a slow client.
   */
  makeRoom(
    client: string,
    refusal: SessionRefusal,
    mayGo: (session: Session) => boolean,
  ): Session | undefined {
    const mine = refusal.limit === 'ftp-sessions-per-address';
    for (const session of this.#sessions) {
      if (mine && this.#clients.get(session) !== client) continue;
      if (mayGo(session)) return session;
    }
    return undefined;
  }

  take(client: string, session: Session): void {
    this.#sessions.add(session);
    this.#clients.set(session, client);
    this.#perAddress.set(client, (this.#perAddress.get(client) ?? 0) + 1);
  }

  giveBack(client: string, session: Session): void {
    if (!this.#sessions.delete(session)) return;
    this.#clients.delete(session);
    const left = (this.#perAddress.get(client) ?? 1) - 1;
    if (left > 0) this.#perAddress.set(client, left);
    else this.#perAddress.delete(client);
  }
}
