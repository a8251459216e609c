import type { Contact, ContactOwner } from '../model/contact.ts';
import { ownerKey } from '../model/contact.ts';
import type { Device, Profile } from '../model/device.ts';
import type { Mac } from '../model/mac.ts';
import type { FirmwareImage, Store } from '../store/store.ts';
import { HOT_ENTRIES, setBounded } from './generation-cache.ts';

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
  /** The owners with a list (ownerKey), so a phone whose owner has none costs no lookup. */
  #contactOwners: Promise<ReadonlySet<string>> | undefined;
  #named = new Map<string, Promise<NamedOwner | undefined>>();
  /**
   * What phones reported since their device was read (firmware after an upgrade), until the
   * store has surely caught up: the recorder writes it with its next batch, and a reported
   * fact moves no generation, so without this a cached device would go on saying the old one.
   */
  readonly #reported = new Map<Mac, { facts: NonNullable<Device['reported']>; until: number }>();
  readonly #maxDevices: number;
  readonly #clock: () => number;

  constructor(store: Store, maxDevices = HOT_ENTRIES, clock: () => number = Date.now) {
    this.#store = store;
    this.#maxDevices = maxDevices;
    this.#clock = clock;
  }

  get generation(): number {
    this.#sync();
    return this.#generation;
  }

  device(mac: Mac): Promise<Device | undefined> {
    this.#sync();
    let found = this.#devices.get(mac);
    if (!found) {
      found = this.#store.getDevice(mac).then((device) => device && this.#withReported(device));
      setBounded(this.#devices, mac, found, this.#maxDevices);
      // A failed read must not stay cached.
      found.catch(() => {
        if (this.#devices.get(mac) === found) this.#devices.delete(mac);
      });
    }
    return found;
  }

  /** A phone reported these facts of itself: its device says them from now on. */
  reported(mac: Mac, facts: NonNullable<Device['reported']>): void {
    this.#sync();
    const known = this.#reported.get(mac)?.facts;
    setBounded(
      this.#reported,
      mac,
      { facts: { ...known, ...facts }, until: this.#clock() + REPORTED_FOR_MS },
      this.#maxDevices,
    );
    const cached = this.#devices.get(mac);
    if (cached) {
      const updated = cached.then((device) => device && this.#withReported(device));
      // A read still under way that fails must not stay cached, as in device().
      updated.catch(() => {
        if (this.#devices.get(mac) === updated) this.#devices.delete(mac);
      });
      this.#devices.set(mac, updated);
    }
  }

  /** The device a phone names by the serial it reported before, with what it reported since. */
  async deviceBySerial(serial: string): Promise<Device | undefined> {
    const device = await this.#store.deviceBySerial(serial);
    return device && this.#withReported(device);
  }

  /** Whether the device, as someone read it earlier, lacks what its phone reported since. */
  outdated(device: Device): boolean {
    const overlay = this.#reported.get(device.mac);
    if (!overlay || overlay.until < this.#clock()) return false;
    return differs(device.reported, overlay.facts);
  }

  #withReported(device: Device): Device {
    const overlay = this.#reported.get(device.mac);
    if (!overlay) return device;
    if (overlay.until < this.#clock()) {
      this.#reported.delete(device.mac);
      return device;
    }
    return differs(device.reported, overlay.facts)
      ? { ...device, reported: { ...device.reported, ...overlay.facts } }
      : device;
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
      found = this.#owners().then((owners) =>
        owners.has(key) ? this.#store.getContacts(owner).then((list) => list?.contacts) : undefined,
      );
      setBounded(this.#contacts, key, found, this.#maxDevices);
      found.catch(() => {
        if (this.#contacts.get(key) === found) this.#contacts.delete(key);
      });
    }
    return found;
  }

  #owners(): Promise<ReadonlySet<string>> {
    if (!this.#contactOwners) {
      const loading = this.#store.contactOwners().then((owners) => new Set(owners.map(ownerKey)));
      loading.catch(() => {
        if (this.#contactOwners === loading) this.#contactOwners = undefined;
      });
      this.#contactOwners = loading;
    }
    return this.#contactOwners;
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
      found = this.#lookUpName(key);
      setBounded(this.#named, key, found, this.#maxDevices);
      found.catch(() => {
        if (this.#named.get(key) === found) this.#named.delete(key);
      });
    }
    // The owner as read, with what its phone reported since (the read is kept, not the facts).
    return found.then((owner) =>
      owner && 'device' in owner ? { device: this.#withReported(owner.device) } : owner,
    );
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
      this.#contactOwners = undefined;
      this.#named = new Map();
    }
  }
}

/** Long past the recorder's next batch, which writes what a phone reported to the store. */
const REPORTED_FOR_MS = 60_000;

/** A fact in `facts` that `known` lacks or holds otherwise. */
export function differs(
  known: Device['reported'],
  facts: NonNullable<Device['reported']>,
): boolean {
  for (const key in facts) {
    const name = key as keyof typeof facts;
    if (facts[name] !== undefined && known?.[name] !== facts[name]) return true;
  }
  return false;
}

/** A configured file name as the store compares it: lower case, no .cfg/.txt/.xml ending. */
export function baseName(name: string): string {
  return name.toLowerCase().replace(/\.(cfg|txt|xml)$/, '');
}
