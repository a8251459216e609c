import { DEFAULT_PROFILE, type Device } from '../model/device.ts';
import type { Mac } from '../model/mac.ts';
import type { Settings } from '../model/settings.ts';
import type { Store } from '../store/store.ts';
import { CHECKED_SETTING, type CheckedDevice } from './check.ts';

/** Past this many devices changed since the last look, reading them all again is cheaper. */
const REREAD_ABOVE = 500;

/**
 * What `plugndial check` needs of every device, kept in memory for the warnings of changes:
 * a change to the default profile applies to every device, and reading 100,000 rows out of
 * the store costs seconds, where checking them costs a fraction of one. The index follows the
 * store's change feed (this node's changes and other nodes'): a changed device is read again
 * on the next look, a change it cannot name drops the index. Reported models, written in
 * batches without a change, are as fresh as the last full read (every `plugndial check`).
 */
export class DeviceIndex {
  readonly #store: Store;
  #devices: Map<Mac, CheckedDevice> | undefined;
  #loading: Promise<Map<Mac, CheckedDevice>> | undefined;
  readonly #stale = new Set<Mac>();
  #dropped = false;
  readonly #unsubscribe: () => void;

  constructor(store: Store) {
    this.#store = store;
    this.#unsubscribe = store.onChange((change) => {
      if (change.entity !== 'device') return;
      if (change.key === '*') this.#dropped = true;
      else this.#stale.add(change.key as Mac);
    });
  }

  close(): void {
    this.#unsubscribe();
    this.#devices = undefined;
  }

  /** The devices a profile applies to (all of them for `default`), or a vendor's. */
  async select(filter: { profile?: string; vendor?: string }): Promise<CheckedDevice[]> {
    const devices = await this.#current();
    const out: CheckedDevice[] = [];
    for (const device of devices.values()) {
      if (filter.vendor !== undefined && device.vendor !== filter.vendor) continue;
      if (
        filter.profile !== undefined &&
        filter.profile !== DEFAULT_PROFILE &&
        !device.profiles.includes(filter.profile)
      )
        continue;
      out.push(device);
    }
    return out;
  }

  /** Every device read from the store now; the index starts again from them. */
  async refresh(): Promise<CheckedDevice[]> {
    this.#devices = undefined;
    this.#dropped = false;
    this.#stale.clear();
    return [...(await this.#current()).values()];
  }

  async #current(): Promise<Map<Mac, CheckedDevice>> {
    if (this.#dropped || this.#stale.size > REREAD_ABOVE) {
      this.#devices = undefined;
      this.#dropped = false;
      this.#stale.clear();
    }
    if (!this.#devices) {
      // Changes heard while reading are applied after: the read may or may not hold them.
      this.#loading ??= this.#store
        .listDevices()
        .then((all) => new Map(all.map((d) => [d.mac, checkedOf(d)] as const)));
      try {
        this.#devices = await this.#loading;
      } finally {
        this.#loading = undefined;
      }
    }
    const devices = this.#devices;
    const stale = [...this.#stale];
    this.#stale.clear();
    for (const mac of stale) {
      const device = await this.#store.getDevice(mac);
      if (device) devices.set(mac, checkedOf(device));
      else devices.delete(mac);
    }
    return devices;
  }
}

/** A device as the check sees it: its own settings only where they can decide a finding. */
export function checkedOf(device: Device): CheckedDevice {
  const settings: Settings = {};
  for (const [key, value] of Object.entries(device.settings)) {
    if (CHECKED_SETTING.test(key)) settings[key] = value;
  }
  return {
    mac: device.mac,
    vendor: device.vendor,
    profiles: device.profiles,
    settings,
    ...(device.model !== undefined ? { model: device.model } : {}),
    ...(device.reported?.model ? { reported: { model: device.reported.model } } : {}),
  };
}
