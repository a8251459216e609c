// The CWMP sessions open now: found by cookie, or by TCP connection for a CPE that drops
// cookies; forgotten when idle, and the oldest dropped when there are too many.

import type { Driver } from '../drivers/driver.ts';
import type { Device } from '../model/device.ts';
import type { Session } from './session.ts';

/** One open session with what the ACS knows of its CPE. */
export interface SessionEntry {
  session: Session;
  device?: Device;
  driver?: Driver;
  expires: number;
  /** Event codes of the Inform that opened the session. */
  events: string[];
  origin?: string;
}

const MAX_SESSIONS = 10_000;

export class SessionTable {
  readonly #sessions = new Map<string, SessionEntry>();
  readonly #byConnection = new WeakMap<object, string>();

  get size(): number {
    return this.#sessions.size;
  }

  /** The session a request belongs to: its cookie, else its connection's last session. */
  find(sessionId: string | undefined, connection: object): SessionEntry | undefined {
    const id = sessionId ?? this.#byConnection.get(connection);
    return id ? this.#sessions.get(id) : undefined;
  }

  /** A new session, opened by an Inform on `connection`. */
  open(entry: SessionEntry, connection: object): void {
    while (this.#sessions.size >= MAX_SESSIONS)
      this.#sessions.delete(this.#sessions.keys().next().value!);
    this.#sessions.set(entry.session.id, entry);
    this.#byConnection.set(connection, entry.session.id);
  }

  /** The session goes on, on `connection`, until `expires`. */
  touch(entry: SessionEntry, connection: object, expires: number): void {
    entry.expires = expires;
    this.#byConnection.set(connection, entry.session.id);
  }

  close(entry: SessionEntry): void {
    this.#sessions.delete(entry.session.id);
  }

  /** The request's session, if any, ends here. */
  forget(sessionId: string | undefined, connection: object): void {
    const id = sessionId ?? this.#byConnection.get(connection);
    if (id) this.#sessions.delete(id);
  }

  expire(now: number): void {
    for (const [id, entry] of this.#sessions) if (entry.expires <= now) this.#sessions.delete(id);
  }
}
