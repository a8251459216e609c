import type { Device } from '../model/device.ts';
import type { Mac } from '../model/mac.ts';
import type { Settings } from '../model/settings.ts';

/**
 * A device-facing request as every driver sees it, whatever door it came through.
 * Paths are already decoded and normalised by the pipeline: no `..`, no empty segments.
 */
export interface DeviceFileRequest {
  /** Normalised path segments, e.g. `['prov', '0021f2000001.cfg']`. */
  segments: readonly string[];
  /** Raw query string without the leading `?` (TFTP and FTP have none). */
  query: string;
  userAgent?: string;
  transport: Transport;
}

export type Transport = 'http' | 'https' | 'tftp' | 'ftp';

export type FileKind = 'boot' | 'config' | 'firmware' | 'phonebook' | 'manifest' | 'resource';

/** A driver's claim on a request: which of its files, and what the request says about the phone. */
export interface Recognition {
  /** The driver's own name for the file, e.g. `mac-boot`, `common-cfg`. */
  file: string;
  kind: FileKind;
  /** How specific the match is; the pipeline prefers higher scores (exact names ~100). */
  score: number;
  /** Segments before the part the driver recognised: the phone's path prefix. */
  prefix: readonly string[];
  mac?: Mac;
  /** The file is only served for a device in the store (e.g. `<mac>.cfg`). */
  needsDevice: boolean;
  /** Facts read from the request (User-Agent, query): model, firmware, serial. */
  reported?: { model?: string; firmware?: string; serial?: string };
  /** Driver-specific values taken from the path or query. */
  params?: Readonly<Record<string, string>>;
}

/** Everything a driver needs to render; drivers read no clock, store or network themselves. */
export interface RenderContext {
  /** The device, or undefined when an unknown phone asks for a common file. */
  device?: Device;
  /** The vendor dialect to speak (from the device, the User-Agent, or the driver's default). */
  vendor: string;
  /** Effective settings for this file (see model/merge.ts). */
  settings: Settings;
  /** Where the phone fetched this file: scheme, host, port and path prefix, ending with `/`. */
  baseUrl: string;
  now: Date;
}

export interface Artifact {
  body: Buffer;
  contentType: string;
}

/** One native line of a rendered file, and where its value came from. */
export interface NativeEntry {
  key: string;
  value: string;
  /** The canonical key that produced it, or `native.<driver>.<key>`. */
  from?: string;
}

export interface Explanation {
  file: string;
  entries: NativeEntry[];
  /** Canonical keys present in the settings that this dialect does not express. */
  ignored: string[];
}

/** What a phone's own client needs: one fetch, whatever the transport. */
export interface PhoneFetch {
  (url: string, options?: { userAgent?: string }): Promise<{ status: number; body: Buffer }>;
}

export interface PhoneStep {
  url: string;
  status: number;
  bytes: number;
  applied: boolean;
  note?: string;
}

export interface PhoneRun {
  ok: boolean;
  steps: PhoneStep[];
  /** The phone's native settings after applying every file, in order. */
  settings: Record<string, string>;
}

/** The phone's own side: the sequence of fetches it performs and how it applies files. */
export interface PhoneScript {
  userAgent(identity: PhoneIdentity): string;
  run(identity: PhoneIdentity, baseUrl: string, fetch: PhoneFetch): Promise<PhoneRun>;
}

export interface PhoneIdentity {
  mac: Mac;
  vendor: string;
  model?: string;
  firmware?: string;
}

/** The whole of one vendor family's knowledge, as pure code. */
export interface Driver {
  readonly name: string;
  /** Vendors this driver speaks for; a device's `vendor` selects its driver. */
  readonly vendors: readonly string[];
  /** The vendor assumed for a phone that is not in the store and does not say who it is. */
  readonly defaultVendor: string;
  recognise(request: DeviceFileRequest): Recognition | undefined;
  /** The vendor a User-Agent reveals, with model, firmware and MAC where it carries them. */
  parseUserAgent(userAgent: string): UserAgentFacts | undefined;
  /** Renders one recognised file; undefined when this file does not exist for this phone. */
  render(recognition: Recognition, context: RenderContext): Artifact | undefined;
  /** The native key/value lines behind a file, for `plugndial render --explain`. */
  explain(recognition: Recognition, context: RenderContext): Explanation | undefined;
  /** The file names a device of this driver has, for `plugndial render <mac>` listings. */
  files(mac: Mac): string[];
  readonly phone: PhoneScript;
}

export interface UserAgentFacts {
  vendor: string;
  model?: string;
  firmware?: string;
  mac?: Mac;
}
