// The CWMP sessions open now: found by cookie, or by TCP connection for a CPE that drops
// cookies; one per device; forgotten when idle. When the table, or one address, holds its
// most, a new session is refused (the CPE retries): never is a session under way ended to
// make room, since that CPE may be in the middle of a Download.

import type { Driver } from '../drivers/driver.ts';
import type { Device } from '../model/device.ts';
import type { Mac } from '../model/mac.ts';
import type { Session } from './session.ts';

/** One open session with what the ACS knows of its CPE. */
export interface SessionEntry {
  session: Session;
  device: Device;
  driver?: Driver;
  expires: number;
  /** Event codes of the Inform that opened the session, copied out of its request. */
  events: string[];
  /** The CPE's address, which the session counts against; none behind a trusted proxy. */
  address?: string;
}

export interface SessionLimits {
  /** Sessions open at once. */
  sessions: number;
  /** Of those, from one address. */
  perAddress: number;
}

/**
 * A boot storm of 10,000 phones of which a twentieth are CPEs opens 500 sessions at once
 * (one per device: a CPE that informs again replaces its own), so 2,048 leaves four times
 * that; a session holds about a kilobyte, so a full table is a few megabytes. Sixteen from
 * one address: a site's CPEs each have their own, and the few behind one NAT address that
 * boot together take turns, each session lasting seconds (a trusted proxy is not counted).
 */
export const DEFAULT_SESSION_LIMITS: SessionLimits = { sessions: 2048, perAddress: 16 };

/** Why a session was not opened, as the Inform's event says it. */
export type SessionRefusal = 'too-many-sessions' | 'too-many-sessions-from-address';

export class SessionTable {
  readonly #limits: SessionLimits;
  readonly #sessions = new Map<string, SessionEntry>();
  readonly #byDevice = new Map<Mac, string>();
  readonly #perAddress = new Map<string, number>();
  readonly #byConnection = new WeakMap<object, string>();

  constructor(limits: SessionLimits = DEFAULT_SESSION_LIMITS) {
    this.#limits = limits;
  }

  get limits(): SessionLimits {
    return this.#limits;
  }

  get size(): number {
    return this.#sessions.size;
  }

  /** The session a request belongs to: its cookie, else its connection's last session. */
  find(sessionId: string | undefined, connection: object): SessionEntry | undefined {
    const id = sessionId ?? this.#byConnection.get(connection);
    return id ? this.#sessions.get(id) : undefined;
  }

  /**
   * A new session, opened by an Inform on `connection`, unless the table or its address is
   * full. The device's session under way, if any, ends first: a CPE holds one session at a
   * time, so an Inform of its own means it started over.
   */
  open(entry: SessionEntry, connection: object): SessionRefusal | undefined {
    const previous = this.#sessions.get(this.#byDevice.get(entry.device.mac) ?? '');
    if (previous) this.close(previous);
    if (this.#sessions.size >= this.#limits.sessions) return 'too-many-sessions';
    const address = entry.address;
    const held = address === undefined ? 0 : (this.#perAddress.get(address) ?? 0);
    if (held >= this.#limits.perAddress) return 'too-many-sessions-from-address';
    this.#sessions.set(entry.session.id, entry);
    this.#byDevice.set(entry.device.mac, entry.session.id);
    if (address !== undefined) this.#perAddress.set(address, held + 1);
    this.#byConnection.set(connection, entry.session.id);
    return undefined;
  }

  /** The session goes on, on `connection`, until `expires`. */
  touch(entry: SessionEntry, connection: object, expires: number): void {
    entry.expires = expires;
    this.#byConnection.set(connection, entry.session.id);
  }

  close(entry: SessionEntry): void {
    const id = entry.session.id;
    if (this.#sessions.get(id) !== entry) return;
    this.#sessions.delete(id);
    if (this.#byDevice.get(entry.device.mac) === id) this.#byDevice.delete(entry.device.mac);
    const address = entry.address;
    if (address === undefined) return;
    const held = (this.#perAddress.get(address) ?? 1) - 1;
    if (held > 0) this.#perAddress.set(address, held);
    else this.#perAddress.delete(address);
  }

  /** The request's session, if any, ends here. */
  forget(sessionId: string | undefined, connection: object): void {
    const entry = this.find(sessionId, connection);
    if (entry) this.close(entry);
  }

  expire(now: number): void {
    for (const entry of this.#sessions.values()) if (entry.expires <= now) this.close(entry);
  }
}
