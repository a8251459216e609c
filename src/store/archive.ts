/**
 * A whole store as a sequence of records, and back: what backups, restores and moves between
 * the engines are made of. Records are the model's own shapes (a Device, a Profile, …) plus
 * the facts phones keep (content versions, credentials, TR-069 state), so a store restored
 * from them renders every phone's files byte for byte as the one they came from.
 *
 * This file is the records; archive-export.ts reads a store into them, archive-import.ts
 * writes them into an empty one.
 */
import type { ContactList } from '../model/contact.ts';
import type { DeviceCredentials, SecurityEvent } from '../model/credentials.ts';
import type { CwmpState } from '../model/cwmp.ts';
import type { Device, Profile } from '../model/device.ts';
import type { Mac } from '../model/mac.ts';
import type { PendingPhone, ResyncOutcome } from '../model/resync.ts';
import type { ProvisioningEvent } from '../model/event.ts';

/** Bytes of one chunk record; a stored file's own chunks are cut to this size or less. */
export interface ChunkedBlob {
  size: number;
  sha256: string;
  chunkSize: number;
  /** How many `chunk` records follow this one. */
  chunks: number;
}

export type ArchiveRecord =
  | { kind: 'profile'; profile: Profile }
  | { kind: 'device'; device: Device }
  | { kind: 'credentials'; credentials: DeviceCredentials }
  | { kind: 'contacts'; list: ContactList }
  | ({ kind: 'file'; path: string; contentType: string; updatedAt: string } & ChunkedBlob)
  | ({
      kind: 'firmware';
      vendor: string;
      model: string;
      version: string;
      fileName: string;
      contentType: string;
      createdAt: string;
    } & ChunkedBlob)
  | { kind: 'chunk'; data: string }
  | { kind: 'content-version'; scope: string; category: string; sha256: string; version: string }
  | { kind: 'cwmp'; mac: Mac; state: CwmpState; updatedAt: string }
  | { kind: 'resync'; mac: Mac; outcome: ResyncOutcome }
  | { kind: 'pending'; phone: PendingPhone }
  | { kind: 'event'; event: ProvisioningEvent }
  | { kind: 'security-event'; event: SecurityEvent };

export type ArchiveKind = ArchiveRecord['kind'];

/** Records of each kind, as an export counts them before it writes them. */
export type ArchiveCounts = Partial<Record<ArchiveKind, number>>;

export interface ArchiveSink {
  /** Called once, before the first record, with what will follow. */
  begin(counts: ArchiveCounts): Promise<void> | void;
  record(record: ArchiveRecord): Promise<void> | void;
}

export interface ExportOptions {
  /** Provisioning and security events too; configuration and phones' facts always. */
  events: boolean;
}
