import type { Mac } from '../model/mac.ts';

/** What the requests an address made just before say about the phone behind it. */
export interface RecentDevice {
  /** The device, unless two devices asked from the address within the window. */
  mac?: Mac;
  /** Its vendor, unless devices of two vendors asked from the address within the window. */
  vendor?: string;
}

interface Entry {
  mac: Mac;
  vendor: string;
  at: number;
  /** When another device, and another vendor, last asked from the same address. */
  otherDeviceAt?: number;
  otherVendorAt?: number;
}

/** How long a request that named its device ties the address's next requests to it. */
export const DEFAULT_RECENT_WINDOW_MS = 60_000;

/**
 * Which device asked from which address moments ago: the one thing that ties a request naming
 * no device (a common file over TFTP, a firmware manifest without a MAC) to the phone that just
 * fetched its own file. TFTP phones take a new port for every file (seed 001's capture), so
 * only the address ties them. Behind NAT several phones share an address: an
 * address from which two devices asked within the window names no device (nor a vendor, if
 * they differ) until the window has passed. In memory, per node, bounded; time is given.
 */
export class RecentRequests {
  readonly #windowMs: number;
  readonly #max: number;
  readonly #entries = new Map<string, Entry>();

  constructor(options: { windowMs?: number; maxAddresses?: number } = {}) {
    this.#windowMs = options.windowMs ?? DEFAULT_RECENT_WINDOW_MS;
    this.#max = options.maxAddresses ?? 65_536;
  }

  /** A request from `address` named this device (by path, User-Agent or credentials). */
  saw(address: string, device: { mac: Mac; vendor: string }, nowMs: number): void {
    const entry = this.#entries.get(address);
    if (entry && nowMs - entry.at < this.#windowMs) {
      if (entry.mac === device.mac && entry.vendor === device.vendor) {
        entry.at = nowMs;
        return;
      }
      if (entry.mac !== device.mac) entry.otherDeviceAt = nowMs;
      if (entry.vendor !== device.vendor) entry.otherVendorAt = nowMs;
      entry.mac = device.mac;
      entry.vendor = device.vendor;
      entry.at = nowMs;
      return;
    }
    // Re-inserted, so the map's order is oldest first and eviction takes the stalest.
    this.#entries.delete(address);
    if (this.#entries.size >= this.#max) {
      const oldest = this.#entries.keys().next();
      if (!oldest.done) this.#entries.delete(oldest.value);
    }
    this.#entries.set(address, { mac: device.mac, vendor: device.vendor, at: nowMs });
  }

  /** The device and vendor the address's recent requests agree on, or undefined. */
  recent(address: string, nowMs: number): RecentDevice | undefined {
    const entry = this.#entries.get(address);
    if (!entry) return undefined;
    if (nowMs - entry.at >= this.#windowMs) {
      this.#entries.delete(address);
      return undefined;
    }
    const clear = (at: number | undefined): boolean =>
      at === undefined || nowMs - at >= this.#windowMs;
    const found: RecentDevice = {};
    if (clear(entry.otherDeviceAt)) found.mac = entry.mac;
    if (clear(entry.otherVendorAt)) found.vendor = entry.vendor;
    return found.mac === undefined && found.vendor === undefined ? undefined : found;
  }

  get size(): number {
    return this.#entries.size;
  }
}
