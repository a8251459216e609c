import type { Readable } from 'node:stream';

import { PlugndialError } from '../errors.ts';
import type { Contact, ContactList, ContactOwner } from '../model/contact.ts';
import type {
  DeviceCredentials,
  NewCredentials,
  SecurityEvent,
  SecurityEventQuery,
} from '../model/credentials.ts';
import type { CwmpState } from '../model/cwmp.ts';
import type { Device, Profile } from '../model/device.ts';
import type { Mac } from '../model/mac.ts';
import type { PendingPhone, ResyncOutcome } from '../model/resync.ts';
import type { EventQuery, ProvisioningEvent } from '../model/event.ts';
import type { ArchiveCounts, ArchiveRecord, ArchiveSink, ExportOptions } from './archive.ts';
import { exportRecords } from './archive-export.ts';
import { importRecords } from './archive-import.ts';
import { ConfigChanges, ENTITIES } from './config-changes.ts';
import * as contacts from './contacts.ts';
import { contentVersion } from './content-versions.ts';
import * as credentials from './credentials.ts';
import * as cwmp from './cwmp-state.ts';
import * as devices from './devices.ts';
import * as events from './events.ts';
import { discardFileVersion, SmallVersionCache, writeFileVersion } from './file-blobs.ts';
import * as files from './files.ts';
import * as firmware from './firmware.ts';
import * as fleet from './fleet.ts';
import { migrate } from './migrations.ts';
import * as profiles from './profiles.ts';
import * as sipState from './sip-state.ts';
import type { SqlClient } from './sql.ts';
import type {
  ContactUpdate,
  DeviceFilter,
  DeviceImport,
  DevicePage,
  DeviceSearch,
  FirmwareHandle,
  FirmwareImage,
  FirmwareKey,
  FirmwareUpload,
  FleetCounts,
  Store,
  StoreChange,
  StoredFile,
  StoredFileHandle,
} from './store.ts';

export interface SqlStoreOptions {
  backend: 'embedded' | 'postgres';
  client: SqlClient;
  /** PostgreSQL: the URL of the dedicated LISTEN connection that hears other nodes' changes. */
  databaseUrl?: string;
  /** The clock that stamps updates; injected so tests are deterministic. */
  now?: () => Date;
  /** Runs after the database is closed, e.g. to release the data directory lock. */
  onClose?: () => Promise<void> | void;
}

/**
 * The Store on SQL: one query layer for SQLite and PostgreSQL. Every configuration change
 * goes through ConfigChanges (config-changes.ts): behind the meta row lock, one generation
 * each, heard by this node's listeners and, on PostgreSQL, by the other nodes'.
 */
export class SqlStore implements Store {
  readonly backend: 'embedded' | 'postgres';
  readonly #client: SqlClient;
  /** Small files' and images' bytes, by version: a storm's phones fetch the same few. */
  readonly #small = new SmallVersionCache();
  readonly #now: () => Date;
  readonly #changes: ConfigChanges;
  readonly #onClose: (() => Promise<void> | void) | undefined;
  #closed = false;

  private constructor(options: SqlStoreOptions) {
    this.backend = options.backend;
    this.#client = options.client;
    this.#now = options.now ?? ((): Date => new Date());
    this.#onClose = options.onClose;
    this.#changes = new ConfigChanges(options.client, options.backend === 'postgres');
  }

  /** Migrates the schema, starts hearing other nodes (PostgreSQL) and loads the generation. */
  static async open(options: SqlStoreOptions): Promise<SqlStore> {
    const store = new SqlStore(options);
    try {
      await migrate(store.#client);
      await store.#changes.start(options.databaseUrl);
      await files.removeAbandonedUploads(store.#client, store.backend === 'postgres', store.#now());
    } catch (error) {
      await store.close().catch(() => undefined);
      throw error;
    }
    return store;
  }

  generation(): number {
    return this.#changes.generation();
  }

  onChange(listener: (change: StoreChange) => void): () => void {
    return this.#changes.onChange(listener);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      await this.#changes.close();
      await this.#client.close();
    } finally {
      await this.#onClose?.();
    }
  }

  getDevice(mac: Mac): Promise<Device | undefined> {
    return devices.getDevice(this.#client, mac);
  }

  listDevices(filter: DeviceFilter = {}): Promise<Device[]> {
    return devices.listDevices(this.#client, filter);
  }

  countDevices(): Promise<number> {
    return devices.countDevices(this.#client);
  }

  searchDevices(search: DeviceSearch): Promise<DevicePage> {
    return fleet.searchDevices(this.#client, search);
  }

  fleetCounts(since: { hour: string; day: string; failures: string }): Promise<FleetCounts> {
    return fleet.fleetCounts(this.#client, since);
  }

  async insertDevices(batch: readonly Device[]): Promise<void> {
    if (batch.length === 0) return;
    await this.#changes.commit('device', (tx) => devices.insertDevices(tx, batch));
  }

  async importDevices(
    batch: readonly DeviceImport[],
    options: { update: boolean; dryRun: boolean },
  ): Promise<{ added: Mac[]; updated: Mac[] }> {
    if (batch.length === 0) return { added: [], updated: [] };
    try {
      return await this.#changes.commit('device', async (tx) => {
        const outcome = await devices.importDevices(tx, batch, options.update, this.#now());
        // A check runs the import to its end and rolls it back: the same checks, nothing kept.
        if (options.dryRun) throw new RolledBack(outcome.result);
        return outcome;
      });
    } catch (error) {
      if (error instanceof RolledBack) return error.result;
      throw error;
    }
  }

  updateDevice(mac: Mac, change: (device: Device) => Device): Promise<Device> {
    return this.#changes.commit('device', (tx) =>
      devices.updateDevice(tx, mac, change, this.#now()),
    );
  }

  removeDevice(mac: Mac): Promise<boolean> {
    return this.#changes.commit('device', (tx) => devices.removeDevice(tx, mac));
  }

  deviceBySerial(serial: string): Promise<Device | undefined> {
    return devices.deviceBySerial(this.#client, serial);
  }

  async recordContacts(updates: readonly ContactUpdate[]): Promise<void> {
    if (updates.length === 0) return;
    await devices.recordContacts(this.#client, updates);
  }

  getProfile(name: string): Promise<Profile | undefined> {
    return profiles.getProfile(this.#client, name);
  }

  listProfiles(): Promise<Profile[]> {
    return profiles.listProfiles(this.#client);
  }

  insertProfile(profile: Profile): Promise<void> {
    return this.#changes.commit('profile', (tx) => profiles.insertProfile(tx, profile));
  }

  updateProfile(name: string, change: (profile: Profile) => Profile): Promise<Profile> {
    return this.#changes.commit('profile', (tx) =>
      profiles.updateProfile(tx, name, change, this.#now()),
    );
  }

  removeProfile(name: string): Promise<boolean> {
    return this.#changes.commit('profile', (tx) => profiles.removeProfile(tx, name));
  }

  /** Writes the chunks outside any transaction (a long upload must not block the store), then swaps them in. */
  async putFile(path: string, source: Readable, contentType: string): Promise<StoredFile> {
    const written = await writeFileVersion(this.#client, path, source);
    try {
      return await this.#changes.commit('file', (tx) =>
        files.swapInFileVersion(tx, path, written, contentType, this.#now()),
      );
    } catch (error) {
      await discardFileVersion(this.#client, written.version);
      throw error;
    }
  }

  openFile(path: string): Promise<StoredFileHandle | undefined> {
    return files.openFile(this.#client, path, this.#small);
  }

  listFiles(): Promise<StoredFile[]> {
    return files.listFiles(this.#client);
  }

  removeFile(path: string): Promise<boolean> {
    return this.#changes.commit('file', (tx) => files.removeFile(tx, path));
  }

  /** Like putFile: chunks first, outside any transaction, verified, then one catalogue change. */
  async putFirmware(upload: FirmwareUpload, source: Readable): Promise<FirmwareImage> {
    const written = await writeFileVersion(
      this.#client,
      `firmware:${upload.vendor}/${upload.model}/${upload.version}`,
      source,
    );
    try {
      if (upload.size !== undefined && upload.size !== written.size) {
        throw new PlugndialError(
          'PND_FIRMWARE_REFUSED',
          `received ${written.size} bytes but ${upload.size} were declared: the upload was cut short or the file changed; nothing was stored`,
        );
      }
      if (upload.sha256 !== undefined && upload.sha256.toLowerCase() !== written.sha256) {
        throw new PlugndialError(
          'PND_FIRMWARE_REFUSED',
          `the received bytes have SHA-256 ${written.sha256.slice(0, 16)}…, not the declared ${upload.sha256.slice(0, 16)}…: the file is corrupt; nothing was stored`,
        );
      }
      return await this.#changes.commit('firmware', (tx) =>
        firmware.insertFirmware(tx, upload, written, this.#now()),
      );
    } catch (error) {
      await discardFileVersion(this.#client, written.version);
      throw error;
    }
  }

  listFirmware(): Promise<FirmwareImage[]> {
    return firmware.listFirmware(this.#client);
  }

  openFirmware(key: FirmwareKey): Promise<FirmwareHandle | undefined> {
    return firmware.openFirmware(this.#client, key, this.#small);
  }

  removeFirmware(key: FirmwareKey): Promise<boolean> {
    return this.#changes.commit('firmware', (tx) => firmware.removeFirmware(tx, key));
  }

  getContacts(owner: ContactOwner): Promise<ContactList | undefined> {
    return contacts.getContacts(this.#client, owner);
  }

  contactOwners(): Promise<ContactOwner[]> {
    return contacts.contactOwners(this.#client);
  }

  listContacts(): Promise<ContactList[]> {
    return contacts.listContacts(this.#client);
  }

  setContacts(owner: ContactOwner, list: readonly Contact[]): Promise<ContactList> {
    return this.#changes.commit('contacts', (tx) =>
      contacts.setContacts(tx, owner, list, this.#now()),
    );
  }

  removeContacts(owner: ContactOwner): Promise<boolean> {
    return this.#changes.commit('contacts', (tx) => contacts.removeContacts(tx, owner));
  }

  appendEvents(batch: readonly ProvisioningEvent[]): Promise<void> {
    return events.appendEvents(this.#client, batch);
  }

  queryEvents(query: EventQuery): Promise<ProvisioningEvent[]> {
    return events.queryEvents(this.#client, query);
  }

  pruneEvents(before: Date, keep: number): Promise<number> {
    return events.pruneEvents(this.#client, before, keep);
  }

  recordResync(mac: Mac, outcome: ResyncOutcome): Promise<void> {
    return sipState.recordResync(this.#client, mac, outcome);
  }

  resyncOutcomes(macs: readonly Mac[]): Promise<Map<Mac, ResyncOutcome>> {
    return sipState.resyncOutcomes(this.#client, macs);
  }

  recordPendingPhone(sighting: Omit<PendingPhone, 'firstSeen' | 'sightings'>): Promise<void> {
    return sipState.recordPendingPhone(this.#client, sighting);
  }

  listPendingPhones(): Promise<PendingPhone[]> {
    return sipState.listPendingPhones(this.#client);
  }

  removePendingPhone(mac: Mac): Promise<boolean> {
    return sipState.removePendingPhone(this.#client, mac);
  }

  cwmpState(mac: Mac): Promise<CwmpState | undefined> {
    return cwmp.cwmpState(this.#client, mac);
  }

  updateCwmpState(
    mac: Mac,
    change: (state: CwmpState) => CwmpState,
    options?: { observation?: boolean },
  ): Promise<CwmpState | undefined> {
    return cwmp.updateCwmpState(this.#client, mac, change, this.#now(), options?.observation);
  }

  deviceCredentials(mac: Mac): Promise<DeviceCredentials | undefined> {
    return credentials.deviceCredentials(this.#client, mac);
  }

  ensureDeviceCredentials(
    mac: Mac,
    fresh: NewCredentials,
    now: Date,
  ): Promise<DeviceCredentials | undefined> {
    return credentials.ensureDeviceCredentials(this.#client, mac, fresh, now);
  }

  rotateDeviceCredentials(
    mac: Mac,
    fresh: NewCredentials,
    options: { graceUntil?: Date; reopen: boolean; event?: SecurityEvent },
  ): Promise<DeviceCredentials> {
    return this.#changes.commit('device', (tx) =>
      credentials.rotateDeviceCredentials(tx, mac, fresh, options, this.#now()),
    );
  }

  markFirstContact(
    mac: Mac,
    mark: 'opened' | 'closed',
    at: Date,
  ): Promise<DeviceCredentials | undefined> {
    return credentials.markFirstContact(this.#client, mac, mark, at);
  }

  accessPoliciesInUse(): Promise<string[]> {
    return credentials.accessPoliciesInUse(this.#client);
  }

  appendSecurityEvents(batch: readonly SecurityEvent[]): Promise<void> {
    return credentials.appendSecurityEvents(this.#client, batch);
  }

  querySecurityEvents(query: SecurityEventQuery): Promise<SecurityEvent[]> {
    return credentials.querySecurityEvents(this.#client, query);
  }

  contentVersion(scope: string, category: string, sha256: string, now: Date): Promise<string> {
    return contentVersion(this.#client, scope, category, sha256, now);
  }

  exportRecords(sink: ArchiveSink, options: ExportOptions): Promise<ArchiveCounts> {
    return exportRecords(this.#client, sink, options);
  }

  /** Everything may have changed: every entity's listeners hear `*`. */
  importRecords(records: AsyncIterable<ArchiveRecord>): Promise<ArchiveCounts> {
    return this.#changes.commit(ENTITIES, async (tx) => ({
      result: await importRecords(tx, records, this.#now()),
      keys: ['*'],
    }));
  }
}

/** Ends a dry-run transaction with the result it would have had. */
class RolledBack extends Error {
  readonly result: { added: Mac[]; updated: Mac[] };

  constructor(result: { added: Mac[]; updated: Mac[] }) {
    super('rolled back on purpose');
    this.result = result;
  }
}
