import type { Readable } from 'node:stream';

import type { Contact, ContactList, ContactOwner } from '../model/contact.ts';
import type {
  DeviceCredentials,
  NewCredentials,
  SecurityEvent,
  SecurityEventQuery,
} from '../model/credentials.ts';
import type { CwmpState } from '../model/cwmp.ts';
import type { Device, LastContact, Profile } from '../model/device.ts';
import type { Mac } from '../model/mac.ts';
import type { PendingPhone, ResyncOutcome } from '../model/resync.ts';
import type { EventQuery, ProvisioningEvent } from '../model/event.ts';
import type { ArchiveCounts, ArchiveRecord, ArchiveSink, ExportOptions } from './archive.ts';

/** A file kept in the store's overlay: firmware, phonebooks, certificates, anything served as is. */
export interface StoredFile {
  path: string;
  size: number;
  sha256: string;
  contentType: string;
  updatedAt: string;
}

export interface StoredFileHandle extends StoredFile {
  /** Streams the bytes chunk by chunk; never holds the whole file. `start`/`end` inclusive, optional. */
  stream(range?: { start: number; end: number }): Readable;
  /** The whole bytes, for a small file only (at most SMALL_VERSION_BYTES): kept for the next read. */
  bytes?(): Promise<Buffer>;
}

/** Names one image of the firmware catalogue; the model matches without regard to case. */
export interface FirmwareKey {
  vendor: string;
  model: string;
  version: string;
}

/** One image of the firmware catalogue. */
export interface FirmwareImage extends FirmwareKey {
  /** The name phones see in URLs and manifests. */
  fileName: string;
  size: number;
  sha256: string;
  contentType: string;
  createdAt: string;
}

export interface FirmwareHandle extends FirmwareImage {
  /** Streams the bytes chunk by chunk; never holds the whole image. */
  stream(range?: { start: number; end: number }): Readable;
  /** The whole bytes, for a small image only (at most SMALL_VERSION_BYTES): kept for the next read. */
  bytes?(): Promise<Buffer>;
}

export interface FirmwareUpload extends FirmwareKey {
  fileName: string;
  contentType: string;
  /** What the uploader says it sends; a mismatch refuses the upload (PND_FIRMWARE_REFUSED). */
  size?: number;
  sha256?: string;
}

export interface ContactUpdate {
  mac: Mac;
  lastContact: LastContact;
  reported?: Device['reported'];
}

/** A change to configuration that invalidates cached renders. */
export interface StoreChange {
  entity: 'device' | 'profile' | 'file' | 'firmware' | 'contacts';
  key: string;
  generation: number;
}

/** One device of an import: as added when new, and how it changes one that exists. */
export interface DeviceImport {
  device: Device;
  change: (existing: Device) => Device;
}

export interface DeviceFilter {
  vendor?: string;
  profile?: string;
  /** Devices whose `provisioning.config_name`, without case or a .cfg/.txt/.xml ending, is this. */
  configName?: string;
  /**
   * Only devices whose MAC sorts after this one. With `limit`, it reads a whole fleet a page
   * at a time: each page is one range of the primary key, however deep into the fleet.
   */
  after?: Mac;
  limit?: number;
  offset?: number;
}

/** What the devices table sorts by. */
export const DEVICE_SORT_KEYS = [
  'mac',
  'vendor',
  'model',
  'user',
  'lastContact',
  'firmware',
  'created',
  'updated',
] as const;
export type DeviceSortKey = (typeof DEVICE_SORT_KEYS)[number];

/** A page of the fleet: filtered, searched and sorted by the database, not in memory. */
export interface DeviceSearch {
  /**
   * Free text: part of a MAC in any form (`00:21:f2`, `0021-F2`), or of the vendor, model
   * (own or reported), `accounts.1` user, label or display name, a profile, the reported
   * firmware or the last contact's address. Case does not matter.
   */
  text?: string;
  vendor?: string;
  profile?: string;
  /** The model, own or else reported, without case. */
  model?: string;
  /** The reported firmware is this version; `not` inverts it (a device reporting none included). */
  firmware?: { version: string; not: boolean };
  /** Last contact at or after this time (ISO 8601). */
  seenSince?: string;
  /** Last contact before this time; with `never`, or never seen at all. */
  seenBefore?: string;
  /** Never seen. */
  never?: boolean;
  sort?: DeviceSortKey;
  descending?: boolean;
  limit: number;
  offset: number;
}

export interface DevicePage {
  /** Devices matching the search, whatever the page. */
  total: number;
  devices: Device[];
}

/** Counts of the whole fleet for the overview, each one query of the database. */
export interface FleetCounts {
  devices: number;
  seenSince: { hour: number; day: number };
  never: number;
  vendors: { vendor: string; devices: number }[];
  profiles: { profile: string; devices: number }[];
  /**
   * Devices grouped by what decides their firmware compliance: vendor, model (own, else
   * reported, lower case), profiles, own `firmware.version` and the version they report.
   */
  firmware: {
    vendor: string;
    model: string | null;
    profiles: string[];
    own: string | null;
    running: string | null;
    devices: number;
  }[];
  /** Failed requests since the time asked, by reason and door. */
  failures: { reason: string | null; transport: string; count: number }[];
  pending: number;
}

/**
 * The one source of truth. Every mutating call is one transaction: it either happens
 * whole or not at all. Backends: embedded (SQLite in a data directory) and PostgreSQL.
 */
export interface Store {
  readonly backend: 'embedded' | 'postgres';

  getDevice(mac: Mac): Promise<Device | undefined>;
  listDevices(filter?: DeviceFilter): Promise<Device[]>;
  countDevices(): Promise<number>;
  /** One page of the fleet and how many match (the devices table). */
  searchDevices(search: DeviceSearch): Promise<DevicePage>;
  /** The overview's counts: contacts since `hour` and `day`, failures since `failuresSince`. */
  fleetCounts(since: { hour: string; day: string; failures: string }): Promise<FleetCounts>;
  /** Inserts all or none; PND_DEVICE_EXISTS names the first MAC already present. */
  insertDevices(devices: readonly Device[]): Promise<void>;
  /**
   * Adds the new devices and, with `update`, changes those that exist, in one transaction.
   * Without `update` an existing device refuses the whole import (PND_DEVICE_EXISTS with
   * `details.macs`, every one already there); `dryRun` does everything and rolls it back.
   */
  importDevices(
    devices: readonly DeviceImport[],
    options: { update: boolean; dryRun: boolean },
  ): Promise<{ added: Mac[]; updated: Mac[] }>;
  /** Reads, changes and writes one device in one transaction; PND_DEVICE_NOT_FOUND if absent. */
  updateDevice(mac: Mac, change: (device: Device) => Device): Promise<Device>;
  removeDevice(mac: Mac): Promise<boolean>;
  /** The one device whose phone reported this serial number; undefined if none or several. */
  deviceBySerial(serial: string): Promise<Device | undefined>;
  /** Batched last-contact bookkeeping; does not count as a configuration change. */
  recordContacts(updates: readonly ContactUpdate[]): Promise<void>;

  getProfile(name: string): Promise<Profile | undefined>;
  listProfiles(): Promise<Profile[]>;
  insertProfile(profile: Profile): Promise<void>;
  updateProfile(name: string, change: (profile: Profile) => Profile): Promise<Profile>;
  /** Refuses with PND_PROFILE_IN_USE while a device lists the profile. */
  removeProfile(name: string): Promise<boolean>;

  /** Stores a file from a stream in chunks, replacing an older one atomically. */
  putFile(path: string, source: Readable, contentType: string): Promise<StoredFile>;
  openFile(path: string): Promise<StoredFileHandle | undefined>;
  listFiles(): Promise<StoredFile[]>;
  removeFile(path: string): Promise<boolean>;

  /**
   * Adds an image to the firmware catalogue from a stream, in chunks. A declared size or
   * SHA-256 that the bytes do not match, a failing stream, or an image already there under
   * the same key refuses it and leaves the catalogue as it was.
   */
  putFirmware(upload: FirmwareUpload, source: Readable): Promise<FirmwareImage>;
  listFirmware(): Promise<FirmwareImage[]>;
  openFirmware(key: FirmwareKey): Promise<FirmwareHandle | undefined>;
  removeFirmware(key: FirmwareKey): Promise<boolean>;

  getContacts(owner: ContactOwner): Promise<ContactList | undefined>;
  /** The owners that have a list: few, so the hot path asks only about those. */
  contactOwners(): Promise<ContactOwner[]>;
  listContacts(): Promise<ContactList[]>;
  /** Replaces the owner's whole list; PND_DEVICE_NOT_FOUND / PND_PROFILE_NOT_FOUND if absent. */
  setContacts(owner: ContactOwner, contacts: readonly Contact[]): Promise<ContactList>;
  removeContacts(owner: ContactOwner): Promise<boolean>;

  appendEvents(events: readonly ProvisioningEvent[]): Promise<void>;
  queryEvents(query: EventQuery): Promise<ProvisioningEvent[]>;
  /** Deletes events older than `before` and beyond the newest `keep`; returns how many. */
  pruneEvents(before: Date, keep: number): Promise<number>;

  /**
   * The version of one content of a versioned file family, e.g. one category of one phone's
   * files: assigned from `now` the first time this content is seen, later than every earlier
   * version of the family, and the same answer on every node from then on. ISO-8601 UTC.
   */
  contentVersion(scope: string, category: string, sha256: string, now: Date): Promise<string>;

  /** Keeps the latest check-sync outcome of a device; bookkeeping, not a configuration change. */
  recordResync(mac: Mac, outcome: ResyncOutcome): Promise<void>;
  resyncOutcomes(macs: readonly Mac[]): Promise<Map<Mac, ResyncOutcome>>;
  /** Remembers a plug-and-play phone that is not a device; only the newest 10,000 are kept. */
  recordPendingPhone(sighting: Omit<PendingPhone, 'firstSeen' | 'sightings'>): Promise<void>;
  /** Pending phones that are still not devices, most recently seen first. */
  listPendingPhones(): Promise<PendingPhone[]>;
  removePendingPhone(mac: Mac): Promise<boolean>;

  /** A device's provisioning credentials (`provisioning.access = device-credentials`). */
  deviceCredentials(mac: Mac): Promise<DeviceCredentials | undefined>;
  /**
   * Gives a device these credentials unless it has some, and returns the ones it has; undefined
   * for a MAC that is not a device. Not a configuration change: no file showed them before.
   */
  ensureDeviceCredentials(
    mac: Mac,
    fresh: NewCredentials,
    now: Date,
  ): Promise<DeviceCredentials | undefined>;
  /**
   * New credentials, the old password accepted until `graceUntil`; `reopen` opens the
   * first-contact window again. A configuration change (the device's files change).
   */
  rotateDeviceCredentials(
    mac: Mac,
    fresh: NewCredentials,
    options: { graceUntil?: Date; reopen: boolean; event?: SecurityEvent },
  ): Promise<DeviceCredentials>;
  /** Stamps the first-contact window's first use (`opened`) or its end (`closed`), each once. */
  markFirstContact(
    mac: Mac,
    mark: 'opened' | 'closed',
    at: Date,
  ): Promise<DeviceCredentials | undefined>;
  /** Every `provisioning.access` value some device or profile sets, each once. */
  accessPoliciesInUse(): Promise<string[]>;
  /** Keeps the newest 100,000. */
  appendSecurityEvents(events: readonly SecurityEvent[]): Promise<void>;
  querySecurityEvents(query: SecurityEventQuery): Promise<SecurityEvent[]>;

  /** What the TR-069 ACS keeps about a device; undefined before its first session. */
  cwmpState(mac: Mac): Promise<CwmpState | undefined>;
  /**
   * Changes it in one transaction (bookkeeping, not a configuration change); undefined when
   * the MAC is not a device. `observation`: what the CPE says of itself on every Inform,
   * which it says again at the next; its commit does not wait for the disk (it survives the
   * process, not a power cut), as the events' and last contacts' do not.
   */
  updateCwmpState(
    mac: Mac,
    change: (state: CwmpState) => CwmpState,
    options?: { observation?: boolean },
  ): Promise<CwmpState | undefined>;

  /**
   * Hands every record of the store to `sink`, all of one moment, while phones are served
   * and changes made: backups and moves (archive.ts).
   */
  exportRecords(sink: ArchiveSink, options: ExportOptions): Promise<ArchiveCounts>;
  /**
   * Fills a store that holds no configuration (PND_STORE_NOT_EMPTY otherwise) with an
   * archive's records, in one transaction: all of them, or none when one is refused.
   */
  importRecords(records: AsyncIterable<ArchiveRecord>): Promise<ArchiveCounts>;

  /** The configuration generation this node knows; grows with every change on any node. */
  generation(): number;
  onChange(listener: (change: StoreChange) => void): () => void;

  close(): Promise<void>;
}
