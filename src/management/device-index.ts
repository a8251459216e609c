import { setImmediate as nextTurn } from 'node:timers/promises';

import { DEFAULT_PROFILE, type Device } from '../model/device.ts';
import type { Mac } from '../model/mac.ts';
import type { Store } from '../store/store.ts';
import { checkedSettings, type CheckedDevice, type CheckedGroup } from './check.ts';
import { MacList } from './mac-list.ts';

/** Past this many devices changed since the last look, reading them all again is cheaper. */
const REREAD_ABOVE = 500;
/**
 * Finding a changed device's old kind looks at every kind; past this many looks, reading
 * them all again is cheaper (a fleet whose every device is a kind of its own, say).
 */
const REREAD_ABOVE_LOOKS = 5_000_000;
/**
 * Devices read at a time: a full read holds one page of rows, never the fleet. Small pages
 * also keep V8's young generation from growing for the read and staying grown: with 100,000
 * devices the server idled at 118 MB after a read in pages of 1,000 and at 104 MB with 250.
 */
const PAGE = 250;

/** A kind of device and the MACs of every device of that kind. */
interface Group extends Omit<CheckedGroup, 'macs'> {
  macs: MacList;
}

/**
 * What `plugndial check` needs of every device, kept in memory for the warnings of changes:
 * a change to the default profile applies to every device, and reading 100,000 rows out of
 * the store costs seconds, where checking them costs a fraction of one. Devices are kept by
 * kind (checkedOf: vendor, model, reported model, profiles and the settings that can decide a
 * finding), each kind once with its MACs as numbers (mac-list.ts), so a fleet costs 8 bytes
 * a device and a few dozen kinds. The index follows the store's change feed (this node's changes and other nodes'): a
 * changed device is read again on the next look, a change it cannot name drops the index.
 * Reported models, written in batches without a change, are as fresh as the last full read
 * (every `plugndial check`).
 */
export class DeviceIndex {
  readonly #store: Store;
  readonly #pageSize: number;
  #kinds: Map<string, Group> | undefined;
  readonly #stale = new Set<Mac>();
  #dropped = false;
  /** One look at a time: a full read and the changes applied after it are never interleaved. */
  #turn: Promise<unknown> = Promise.resolve();
  readonly #unsubscribe: () => void;

  constructor(store: Store, options: { pageSize?: number } = {}) {
    this.#store = store;
    this.#pageSize = options.pageSize ?? PAGE;
    this.#unsubscribe = store.onChange((change) => {
      if (change.entity !== 'device') return;
      if (change.key === '*') this.#dropped = true;
      else this.#stale.add(change.key as Mac);
    });
  }

  close(): void {
    this.#unsubscribe();
    this.#kinds = undefined;
  }

  /** How much the index holds: devices, and the kinds they fall into. */
  size(): { devices: number; kinds: number } {
    let devices = 0;
    for (const kind of this.#kinds?.values() ?? []) devices += kind.macs.size;
    return { devices, kinds: this.#kinds?.size ?? 0 };
  }

  /** The devices a profile applies to (all of them for `default`), or a vendor's, by kind. */
  select(filter: { profile?: string; vendor?: string }): Promise<CheckedGroup[]> {
    return this.#exclusive(async () => {
      const out: CheckedGroup[] = [];
      for (const kind of (await this.#current()).values()) {
        if (filter.vendor !== undefined && kind.vendor !== filter.vendor) continue;
        if (
          filter.profile !== undefined &&
          filter.profile !== DEFAULT_PROFILE &&
          !kind.profiles.includes(filter.profile)
        )
          continue;
        out.push(snapshot(kind));
      }
      return out;
    });
  }

  /** Every device read from the store now, by kind; the index starts again from them. */
  refresh(): Promise<CheckedGroup[]> {
    return this.#exclusive(async () => {
      this.#kinds = undefined;
      return [...(await this.#current()).values()].map(snapshot);
    });
  }

  #exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const turn = this.#turn.then(fn);
    this.#turn = turn.catch(() => undefined);
    return turn;
  }

  async #current(): Promise<Map<string, Group>> {
    const stale = this.#stale.size;
    if (
      this.#dropped ||
      stale > REREAD_ABOVE ||
      stale * (this.#kinds?.size ?? 0) > REREAD_ABOVE_LOOKS
    )
      this.#kinds = undefined;
    let kinds = this.#kinds;
    if (!kinds) {
      // Changes heard from here on are applied after the read: it may or may not hold them.
      this.#dropped = false;
      this.#stale.clear();
      kinds = new Map();
      await this.#readAll(kinds);
      this.#kinds = kinds;
    }
    const changed = [...this.#stale];
    this.#stale.clear();
    for (const mac of changed) {
      const device = await this.#store.getDevice(mac);
      remove(kinds, mac);
      if (device) add(kinds, device);
    }
    return kinds;
  }

  /** Every device, a page at a time, with a turn of the event loop between pages. */
  async #readAll(kinds: Map<string, Group>): Promise<void> {
    let after: Mac | undefined;
    for (;;) {
      const page = await this.#store.listDevices({
        limit: this.#pageSize,
        ...(after !== undefined ? { after } : {}),
      });
      for (const device of page) add(kinds, device);
      if (page.length < this.#pageSize) return;
      after = page[page.length - 1]!.mac;
      // The embedded store reads on this thread: phones and /healthz are answered in between.
      await nextTurn();
    }
  }
}

function add(kinds: Map<string, Group>, device: Device): void {
  const checked = checkedOf(device);
  const key = kindKey(checked);
  let kind = kinds.get(key);
  if (!kind) {
    const { mac: _mac, ...rest } = checked;
    kind = { ...rest, macs: new MacList() };
    kinds.set(key, kind);
  }
  kind.macs.add(device.mac);
}

function remove(kinds: Map<string, Group>, mac: Mac): void {
  for (const [key, kind] of kinds) {
    if (!kind.macs.delete(mac)) continue;
    if (kind.macs.size === 0) kinds.delete(key);
    return;
  }
}

/** A kind as it is now: later changes to the index do not reach a check under way. */
function snapshot(kind: Group): CheckedGroup {
  return { ...kind, macs: kind.macs.toMacs() };
}

/** Names what a finding can depend on; checkedSettings are in key order already. */
function kindKey(device: Omit<CheckedDevice, 'mac'>): string {
  return JSON.stringify([
    device.vendor,
    device.model ?? null,
    device.reported?.model ?? null,
    device.profiles,
    device.settings,
  ]);
}

/** A device as the check sees it: its own settings only where they can decide a finding. */
export function checkedOf(device: Device): CheckedDevice {
  return {
    mac: device.mac,
    vendor: device.vendor,
    profiles: device.profiles,
    settings: checkedSettings(device.settings),
    ...(device.model !== undefined ? { model: device.model } : {}),
    ...(device.reported?.model ? { reported: { model: device.reported.model } } : {}),
  };
}
