import type { Device } from '../model/device.ts';
import type { Mac } from '../model/mac.ts';
import type { ContactUpdate, Store } from '../store/store.ts';
import { maskUserinfo } from '../redact.ts';
import type { ProvisioningEvent } from '../model/event.ts';

export interface RecorderOptions {
  /** How often buffered events are written. */
  flushIntervalMs?: number;
  /** Write at once when this many events wait. */
  batchSize?: number;
  /** Events kept when the store is unreachable; the oldest are dropped past this. */
  maxBuffered?: number;
  onError?: (error: unknown) => void;
}

/**
 * Buffers provisioning events and last-contact updates and writes them in batches, so a
 * boot storm costs one insert per batch instead of one per phone request.
 */
export class EventRecorder {
  readonly #store: Store;
  readonly #events: ProvisioningEvent[] = [];
  readonly #contacts = new Map<Mac, ContactUpdate>();
  readonly #batchSize: number;
  readonly #maxBuffered: number;
  readonly #onError: (error: unknown) => void;
  readonly #timer: NodeJS.Timeout;
  #flushing: Promise<void> = Promise.resolve();
  #dropped = 0;

  constructor(store: Store, options: RecorderOptions = {}) {
    this.#store = store;
    this.#batchSize = options.batchSize ?? 500;
    this.#maxBuffered = options.maxBuffered ?? 100_000;
    this.#onError = options.onError ?? ((): void => {});
    this.#timer = setInterval(() => void this.flush(), options.flushIntervalMs ?? 200);
    this.#timer.unref();
  }

  record(event: ProvisioningEvent, contact?: ContactUpdate): void {
    // A URL an event names (a plug-and-play answer, a requested path) keeps no credentials.
    const file = maskUserinfo(event.file);
    if (file !== event.file) {
      if (contact?.lastContact.file === event.file) contact.lastContact.file = file;
      event.file = file;
    }
    const agent = event.userAgent;
    if (agent !== undefined) {
      const shown = maskUserinfo(agent);
      if (shown !== agent) {
        if (contact && contact.lastContact.userAgent === agent)
          contact.lastContact.userAgent = shown;
        event.userAgent = shown;
      }
    }
    if (this.#events.length >= this.#maxBuffered) {
      this.#events.shift();
      this.#dropped++;
    }
    this.#events.push(event);
    if (contact) {
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
    if (this.#events.length >= this.#batchSize) void this.flush();
  }

  get dropped(): number {
    return this.#dropped;
  }

  /** Writes everything buffered so far; resolves when it is stored. */
  flush(): Promise<void> {
    this.#flushing = this.#flushing.then(() => this.#write());
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
  async #write(): Promise<void> {
    let due = this.#events.length;
    let contactsDue = this.#contacts.size > 0;
    while (due > 0 || contactsDue) {
      const events = this.#events.splice(0, Math.min(due, this.#batchSize));
      due = Math.min(due - events.length, this.#events.length);
      const contacts = [...this.#contacts.values()];
      this.#contacts.clear();
      contactsDue = false;
      try {
        if (events.length > 0) await this.#store.appendEvents(events);
        if (contacts.length > 0) await this.#store.recordContacts(contacts);
      } catch (error) {
        // Put them back for the next attempt; the bound above keeps memory finite.
        this.#events.unshift(...events);
        for (const c of contacts) if (!this.#contacts.has(c.mac)) this.#contacts.set(c.mac, c);
        this.#onError(error);
        return;
      }
    }
  }
}

function mergeReported(
  earlier: Device['reported'] | undefined,
  later: Device['reported'] | undefined,
): Device['reported'] | undefined {
  if (!earlier) return later;
  if (!later) return earlier;
  return { ...earlier, ...later };
}
