import type { Device } from '../model/device.ts';
import type { Mac } from '../model/mac.ts';
import type { ContactUpdate, Store } from '../store/store.ts';
import { maskUserinfo } from '../redact.ts';
import { sqlStateOf } from '../store/sql.ts';
import type { ProvisioningEvent } from '../model/event.ts';

/**
 * How often buffered events are written unless a full batch comes first: what a crash of the
 * process may lose of them (the crash tests hold the recorder to it).
 */
export const FLUSH_INTERVAL_MS = 200;

export interface RecorderOptions {
  /** How often buffered events are written. */
  flushIntervalMs?: number;
  /**
   * How long a last contact may wait to be written when it reports nothing new about the
   * phone: each one rewrites its device's row, so waiting lets a boot storm's contacts share
   * the commits (and the pages) instead of paying a page each five times a second.
   */
  contactIntervalMs?: number;
  /** Write at once when this many events wait. */
  batchSize?: number;
  /** Events kept when the store is unreachable; the oldest are dropped past this. */
  maxBuffered?: number;
  /** A write failed: kept for the next attempt, or with `dropped`, that many rows refused and dropped. */
  onError?: (error: unknown, dropped?: number) => void;
  /** The name each event is stamped with: the node that served it (`serve --node`). */
  node?: string;
}

/**
 * Buffers provisioning events and last-contact updates and writes them in batches, so a
 * boot storm costs one insert per batch instead of one per phone request. Contacts that
 * carry reported facts (model, firmware, serial: a later request may be identified by them)
 * go with the next batch of events; the rest wait up to `contactIntervalMs`. An explicit
 * flush writes everything.
 */
export class EventRecorder {
  readonly #store: Store;
  readonly #events: ProvisioningEvent[] = [];
  readonly #contacts = new Map<Mac, ContactUpdate>();
  readonly #batchSize: number;
  readonly #maxBuffered: number;
  readonly #onError: (error: unknown, dropped?: number) => void;
  readonly #timer: NodeJS.Timeout;
  readonly #contactIntervalMs: number;
  readonly #node: string | undefined;
  /** When the waiting contacts are due, whatever they carry. */
  #contactsDueAt = 0;
  /** A waiting contact reports news: the contacts go with the next batch. */
  #factsWaiting = false;
  #flushing: Promise<void> = Promise.resolve();
  #dropped = 0;

  constructor(store: Store, options: RecorderOptions = {}) {
    this.#store = store;
    this.#batchSize = options.batchSize ?? 500;
    this.#maxBuffered = options.maxBuffered ?? 100_000;
    this.#onError = options.onError ?? ((): void => {});
    this.#contactIntervalMs = options.contactIntervalMs ?? 2000;
    this.#node = options.node;
    this.#timer = setInterval(
      () => void this.#tick(),
      options.flushIntervalMs ?? FLUSH_INTERVAL_MS,
    );
    this.#timer.unref();
  }

  /**
   * Buffers one request's event and its device's contact. `news`: the contact reports facts
   * not yet stored, so it goes with the next batch of events (by default, whenever it reports
   * any); else it may wait up to `contactIntervalMs`.
   */
  record(
    event: ProvisioningEvent,
    contact?: ContactUpdate,
    news = contact?.reported !== undefined,
  ): void {
    const file = recordedText(event.file);
    if (file !== event.file) {
      if (contact?.lastContact.file === event.file) contact.lastContact.file = file;
      event.file = file;
    }
    const agent = event.userAgent;
    if (agent !== undefined) {
      const shown = recordedText(agent);
      if (shown !== agent) {
        if (contact && contact.lastContact.userAgent === agent)
          contact.lastContact.userAgent = shown;
        event.userAgent = shown;
      }
    }
    if (event.reason !== undefined) event.reason = recordedText(event.reason);
    if (contact?.reported) contact.reported = recordedFacts(contact.reported);
    if (this.#node !== undefined && event.node === undefined) event.node = this.#node;
    if (this.#events.length >= this.#maxBuffered) {
      this.#events.shift();
      this.#dropped++;
    }
    this.#events.push(event);
    if (contact) {
      if (this.#contacts.size === 0) this.#contactsDueAt = Date.now() + this.#contactIntervalMs;
      if (news) this.#factsWaiting = true;
      const earlier = this.#contacts.get(contact.mac)?.reported;
      this.#contacts.set(
        contact.mac,
        earlier === undefined
          ? contact
          : {
              mac: contact.mac,
              lastContact: contact.lastContact,
              reported: mergeReported(earlier, contact.reported),
            },
      );
    }
    if (this.#events.length >= this.#batchSize) void this.#tick();
  }

  get dropped(): number {
    return this.#dropped;
  }

  /** Events waiting to be written. */
  get pending(): number {
    return this.#events.length;
  }

  /** Writes everything buffered so far; resolves when it is stored. */
  flush(): Promise<void> {
    this.#flushing = this.#flushing.then(() => this.#write(true));
    return this.#flushing;
  }

  /** The events; the contacts too when they are due. */
  #tick(): Promise<void> {
    this.#flushing = this.#flushing.then(() =>
      this.#write(
        this.#factsWaiting ||
          this.#contacts.size >= this.#batchSize * 20 ||
          Date.now() >= this.#contactsDueAt,
      ),
    );
    return this.#flushing;
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    await this.flush();
  }

  /**
   * Writes what is buffered when it starts, a batch at a time. What arrives meanwhile waits
   * for the next tick or a full batch: the store answers on another thread, so draining until
   * empty would chase a busy door with inserts of an event or two.
   */
  async #write(withContacts: boolean): Promise<void> {
    let due = this.#events.length;
    let contactsDue = withContacts && this.#contacts.size > 0;
    while (due > 0 || contactsDue) {
      const events = this.#events.splice(0, Math.min(due, this.#batchSize));
      due = Math.min(due - events.length, this.#events.length);
      const contacts = contactsDue ? [...this.#contacts.values()] : [];
      if (contactsDue) {
        this.#contacts.clear();
        this.#factsWaiting = false;
      }
      contactsDue = false;
      let appended = false;
      try {
        if (events.length > 0) await this.#store.appendEvents(events);
        appended = true;
        if (contacts.length > 0) await this.#store.recordContacts(contacts);
      } catch (error) {
        // Events already stored are not written again when only the contacts failed.
        const unwritten = appended ? [] : events;
        if (refusedForContent(error)) {
          // The store is there but refuses a row: written one by one, the others are kept
          // and only the refused are dropped, so no row can stall every batch after it.
          await this.#writeEach(unwritten, contacts, error);
          continue;
        }
        // Put them back for the next attempt; the bound above keeps memory finite.
        this.#events.unshift(...unwritten);
        for (const c of contacts) if (!this.#contacts.has(c.mac)) this.#contacts.set(c.mac, c);
        this.#onError(error);
        return;
      }
    }
  }

  /** A batch the store refused, written a row at a time; each row still refused is dropped. */
  async #writeEach(
    events: readonly ProvisioningEvent[],
    contacts: readonly ContactUpdate[],
    error: unknown,
  ): Promise<void> {
    let refused = 0;
    let lastError = error;
    const each = async (write: () => Promise<void>): Promise<void> => {
      try {
        await write();
      } catch (rowError) {
        if (!refusedForContent(rowError)) throw rowError;
        refused++;
        lastError = rowError;
      }
    };
    let e = 0;
    let c = 0;
    try {
      for (; e < events.length; e++) await each(() => this.#store.appendEvents([events[e]!]));
      for (; c < contacts.length; c++) await each(() => this.#store.recordContacts([contacts[c]!]));
    } catch (storeError) {
      // The store went away meanwhile: what is left waits for the next attempt.
      this.#events.unshift(...events.slice(e));
      for (const left of contacts.slice(c))
        if (!this.#contacts.has(left.mac)) this.#contacts.set(left.mac, left);
      this.#onError(storeError);
      return;
    }
    if (refused > 0) {
      this.#dropped += refused;
      this.#onError(lastError, refused);
    }
  }
}

// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROLS = /[\x00-\x1f\x7f]/g;

/**
 * What an event or a last contact keeps of a text the phone sent (the path it asked for, its
 * User-Agent): a URL in it without its credentials, and a control character percent-encoded
 * (`%00`) — PostgreSQL's text holds no NUL, so one would fail every batch it is in, and a
 * terminal showing `plugndial events` takes none.
 */
export function recordedText(text: string): string {
  return maskUserinfo(text).replace(
    CONTROLS,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`,
  );
}

/** What a phone reported, as it is stored: userinfo masked, control characters escaped. */
export function recordedFacts(
  reported: NonNullable<Device['reported']>,
): NonNullable<Device['reported']> {
  let clean: NonNullable<Device['reported']> | undefined;
  for (const key of ['model', 'firmware', 'serial'] as const) {
    const value = reported[key];
    if (value === undefined) continue;
    const shown = recordedText(value);
    if (shown !== value) (clean ??= { ...reported })[key] = shown;
  }
  return clean ?? reported;
}

/** A data or constraint error (SQLSTATE class 22 or 23): the rows, not the store, are at fault. */
function refusedForContent(error: unknown): boolean {
  return /^2[23]/.test(sqlStateOf(error) ?? '');
}

function mergeReported(
  earlier: Device['reported'] | undefined,
  later: Device['reported'] | undefined,
): Device['reported'] | undefined {
  if (!earlier) return later;
  if (!later) return earlier;
  return { ...earlier, ...later };
}
