import type { Device, Profile } from '../model/device.ts';
import type { Mac } from '../model/mac.ts';
import type { Store } from '../store/store.ts';

/**
 * In-memory view of devices and profiles for the hot path, valid for one store
 * generation. Any configuration change (on this node or, via the store's change feed,
 * on another) bumps the generation and empties the view.
 */
export class ConfigurationView {
  readonly #store: Store;
  #generation = -1;
  #devices = new Map<Mac, Promise<Device | undefined>>();
  #profiles: Promise<ReadonlyMap<string, Profile>> | undefined;
  readonly #maxDevices: number;

  constructor(store: Store, maxDevices = 100_000) {
    this.#store = store;
    this.#maxDevices = maxDevices;
  }

  get generation(): number {
    this.#sync();
    return this.#generation;
  }

  device(mac: Mac): Promise<Device | undefined> {
    this.#sync();
    let found = this.#devices.get(mac);
    if (!found) {
      if (this.#devices.size >= this.#maxDevices) this.#devices.clear();
      found = this.#store.getDevice(mac);
      this.#devices.set(mac, found);
      // A failed read must not stay cached.
      found.catch(() => this.#devices.delete(mac));
    }
    return found;
  }

  profiles(): Promise<ReadonlyMap<string, Profile>> {
    this.#sync();
    if (!this.#profiles) {
      const loading = this.#store
        .listProfiles()
        .then((list) => new Map(list.map((p) => [p.name, p] as const)));
      loading.catch(() => {
        if (this.#profiles === loading) this.#profiles = undefined;
      });
      this.#profiles = loading;
    }
    return this.#profiles;
  }

  #sync(): void {
    const current = this.#store.generation();
    if (current !== this.#generation) {
      this.#generation = current;
      this.#devices = new Map();
      this.#profiles = undefined;
    }
  }
}
