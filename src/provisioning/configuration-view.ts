import type { Contact, ContactOwner } from '../model/contact.ts';
import { ownerKey } from '../model/contact.ts';
import type { Device, Profile } from '../model/device.ts';
import type { Mac } from '../model/mac.ts';
import type { FirmwareImage, Store } from '../store/store.ts';

/** Who carries a configured file name: one device, else one profile. */
export type NamedOwner = { device: Device } | { profile: string };

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
  #firmware: Promise<readonly FirmwareImage[]> | undefined;
  #contacts = new Map<string, Promise<readonly Contact[] | undefined>>();
  #named = new Map<string, Promise<NamedOwner | undefined>>();
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

  /** The firmware catalogue's images (metadata only). */
  firmware(): Promise<readonly FirmwareImage[]> {
    this.#sync();
    if (!this.#firmware) {
      const loading = this.#store.listFirmware();
      loading.catch(() => {
        if (this.#firmware === loading) this.#firmware = undefined;
      });
      this.#firmware = loading;
    }
    return this.#firmware;
  }

  /** One owner's contact list, or undefined when it has none. */
  contacts(owner: ContactOwner): Promise<readonly Contact[] | undefined> {
    this.#sync();
    const key = ownerKey(owner);
    let found = this.#contacts.get(key);
    if (!found) {
      if (this.#contacts.size >= this.#maxDevices) this.#contacts.clear();
      found = this.#store.getContacts(owner).then((list) => list?.contacts);
      this.#contacts.set(key, found);
      found.catch(() => this.#contacts.delete(key));
    }
    return found;
  }

  /**
   * The device, else the profile, whose `provisioning.config_name` is this name (without
   * case or a .cfg/.txt/.xml ending). A name carried by two devices, or by two profiles and
   * no device, names nobody: better a missing file than another phone's.
   */
  named(name: string): Promise<NamedOwner | undefined> {
    this.#sync();
    const key = name.toLowerCase();
    let found = this.#named.get(key);
    if (!found) {
      if (this.#named.size >= this.#maxDevices) this.#named.clear();
      found = this.#lookUpName(key);
      this.#named.set(key, found);
      found.catch(() => this.#named.delete(key));
    }
    return found;
  }

  async #lookUpName(name: string): Promise<NamedOwner | undefined> {
    const devices = await this.#store.listDevices({ configName: name, limit: 2 });
    if (devices.length === 1) return { device: devices[0]! };
    if (devices.length > 1) return undefined;
    const profiles = [...(await this.profiles()).values()].filter((profile) => {
      const value = profile.settings['provisioning.config_name'];
      return typeof value === 'string' && baseName(value) === name;
    });
    return profiles.length === 1 ? { profile: profiles[0]!.name } : undefined;
  }

  #sync(): void {
    const current = this.#store.generation();
    if (current !== this.#generation) {
      this.#generation = current;
      this.#devices = new Map();
      this.#profiles = undefined;
      this.#firmware = undefined;
      this.#contacts = new Map();
      this.#named = new Map();
    }
  }
}

/** A configured file name as the store compares it: lower case, no .cfg/.txt/.xml ending. */
export function baseName(name: string): string {
  return name.toLowerCase().replace(/\.(cfg|txt|xml)$/, '');
}
