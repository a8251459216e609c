import type { DhcpOption } from '../formats/dhcp-options.ts';
import type { Contact } from '../model/contact.ts';
import type { Device } from '../model/device.ts';
import type { Transport } from '../model/event.ts';
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
  /**
   * The phone sends this file (HTTP PUT) rather than asking for it. Only recognitions that
   * say `writable` are taken for an upload.
   */
  upload?: boolean;
}

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
  /**
   * The vendor the file's name alone says the phone is (a Yealink model's own common file,
   * which no other phone of the driver asks for): the dialect of a phone that says nothing
   * else, as over TFTP.
   */
  vendor?: string;
  /**
   * The file is named by the operator rather than by a MAC (Fanvil's user-named files and
   * `$input` IDs): the pipeline serves it for the device, else the profile, whose
   * `provisioning.config_name` is this name; with neither, the path falls to the overlay.
   */
  configName?: string;
  /**
   * The phone writes this file as well as reading it (HTTP PUT: logs, overrides, its own
   * directory), under this name. With `provisioning.uploads=store` the pipeline keeps what
   * it sent as the stored file `uploads/<mac>/<name>` and serves that back to a request for
   * it when the driver renders nothing. Needs a MAC.
   */
  writable?: string;
}

/** One image of the firmware catalogue, as the pipeline hands it to a driver. */
export interface FirmwareTarget {
  vendor: string;
  model: string;
  version: string;
  fileName: string;
  size: number;
  sha256: string;
  /** Where the phone fetches it: the door and prefix it used, then the catalogue's own path. */
  url: string;
}

/** A catalogue image a driver asks the pipeline to stream (drivers never hold images). */
export interface FirmwareRef {
  vendor: string;
  model: string;
  version: string;
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
  /**
   * What the phone says about itself, this very request first (User-Agent, path, query),
   * then what the store last recorded. The store's record is written in batches and may lag.
   */
  reported?: { model?: string; firmware?: string };
  /**
   * The firmware this phone should install: present only when `firmware.version` names a
   * catalogue image for its vendor and model and the phone does not report that version.
   */
  firmware?: FirmwareTarget;
  /**
   * Catalogue images for what is attached to this phone (DECT handsets, expansion modules):
   * those `firmware.accessories` names as MODEL=VERSION for the phone's vendor. The phone
   * reports no versions of these here, so each is offered and it compares for itself.
   */
  accessoryFirmware?: readonly FirmwareTarget[];
  /** The phonebook for this file: the device's list, else its profiles' (see model/contact.ts). */
  contacts?: readonly Contact[];
  /**
   * The version of each content category the driver listed in `versionedContent`, as the
   * store assigned it: the same on every node and after a restart (provisioning/content-versions.ts).
   */
  versions?: Readonly<Record<string, Date>>;
  /**
   * The user and password this phone must present to the provisioning server from now on
   * (`provisioning.access` shared-credentials or device-credentials). A driver writes them
   * into its own keys in the device's configuration and marks the artifact `installsCredentials`.
   */
  credentials?: { username: string; password: string };
}

/**
 * One category of a file family whose version the phone tracks (Gigaset's UVC): the
 * canonical content, free of anything that differs between doors or requests, whose hash
 * identifies the version. Same content, same version; new content, a new, later version.
 */
export interface VersionedContent {
  category: string;
  content: string;
}

/** Where each door of this server is reachable from the phones, e.g. `http://10.0.0.5:8080`. */
export interface DoorUrls {
  http?: string;
  https?: string;
  tftp?: string;
  /**
   * The read-only FTP door, for the families whose phones take an FTP boot server from DHCP
   * (Poly: a bare host in option 66/160 is FTP). Offered only when no door they prefer is on.
   */
  ftp?: string;
}

export interface Artifact {
  body: Buffer;
  contentType: string;
  /**
   * The file hands the phone `RenderContext.credentials`: once it is delivered, the device's
   * first-contact window closes (provisioning/access.ts).
   */
  installsCredentials?: boolean;
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
  /** How a canonical value was expressed, in words, e.g. the time zone's DST rule. */
  notes?: string[];
}

/** What a phone's own client needs: one fetch, whatever the transport. */
export interface PhoneFetch {
  (
    url: string,
    options?: {
      userAgent?: string;
      credentials?: { username: string; password: string };
      /** Sends these bytes to the URL (HTTP PUT) instead of fetching it. */
      upload?: Buffer;
    },
  ): Promise<{ status: number; body: Buffer }>;
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
  /** What the phone keeps between runs (versions of applied files, installed images). */
  memory?: PhoneMemory;
}

/** A phone's memory across reboots, as plain strings so a run can be saved and replayed. */
export type PhoneMemory = Record<string, string>;

/** The phone's own side: the sequence of fetches it performs and how it applies files. */
export interface PhoneScript {
  userAgent(identity: PhoneIdentity): string;
  /** `baseUrl` is a directory, or the file URL plug-and-play handed out where the vendor takes one. */
  run(
    identity: PhoneIdentity,
    baseUrl: string,
    fetch: PhoneFetch,
    memory?: PhoneMemory,
  ): Promise<PhoneRun>;
  /** What this phone puts in its plug-and-play SUBSCRIBE (`plugndial simulate --via pnp`). */
  plugAndPlay?(identity: PhoneIdentity): PnpAnnouncement;
  /** How this phone's TR-069 client names itself (`plugndial simulate --via tr069`). */
  tr069?(identity: PhoneIdentity): CpeDescription;
}

/** The vendor-specific parts of a phone's plug-and-play SUBSCRIBE. */
export interface PnpAnnouncement {
  /** User part of the Request-URI, From and To as the phone writes it, e.g. `MAC0021f2000001`. */
  user: string;
  /** The `Event: ua-profile` parameters. */
  vendor: string;
  model: string;
  version: string;
}

/** How a plug-and-play SUBSCRIBE wrote the MAC in its Request-URI (VENDORS.md). */
export type PnpMacForm = 'MAC%3a' | 'MAC%3A' | 'MAC:' | 'MAC=' | 'MAC';

/** A plug-and-play SUBSCRIBE (`Event: ua-profile`) as drivers see it; src/sip reads it. */
export interface PnpSubscribe {
  mac: Mac;
  macForm: PnpMacForm;
  /** `Event` parameters as the phone sent them, unquoted. */
  vendor?: string;
  model?: string;
  version?: string;
  profileType?: string;
  userAgent?: string;
}

/** A driver's claim on a SUBSCRIBE from a phone that is not in the store. */
export interface PnpClaim {
  /** The vendor (dialect) the phone is taken for. */
  vendor: string;
  /** Higher wins: an Event `vendor=` match ~100, a MAC prefix ~60, a MAC form alone ~10. */
  score: number;
}

/** Everything a driver needs to choose a plug-and-play URL; as pure as RenderContext. */
export interface PnpContext {
  /** The device, or undefined for a phone not in the store (it gets the common URL). */
  device?: Device;
  vendor: string;
  /** Effective settings (the defaults and the `default` profile for an unknown phone). */
  settings: Settings;
  /**
   * The doors that are on, as this phone reaches them: the `--public-url` host (the public URL
   * itself for its own scheme), else the address the SUBSCRIBE arrived on.
   */
  doors: DoorUrls;
}

export interface PhoneIdentity {
  mac: Mac;
  vendor: string;
  model?: string;
  firmware?: string;
  /** A file name the phone was told to ask for instead of its MAC file (Fanvil `$input`). */
  input?: string;
  /** The key the phone holds for encrypted configuration files. */
  configKey?: string;
  /** The serial number the phone substitutes for its markers (Auerswald `<SERIAL>`). */
  serial?: string;
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
  /**
   * For a recognised firmware path in the driver's own layout (kind `firmware`): the
   * catalogue image to stream, or undefined when there is none for this phone.
   */
  firmwareImage?(recognition: Recognition, context: RenderContext): FirmwareRef | undefined;
  /**
   * The categories a file's render needs versions for, with their canonical content; the
   * pipeline passes the versions back in `RenderContext.versions`.
   */
  versionedContent?(recognition: Recognition, context: RenderContext): readonly VersionedContent[];
  /**
   * The provisioning URL this vendor's phones want to be given (DHCP, plug-and-play, redirect),
   * with the vendor's own placeholders left for the phone to fill; undefined with no usable door.
   */
  provisioningUrl?(doors: DoorUrls): string | undefined;
  /** The native key/value lines behind a file, for `plugndial render --explain`. */
  explain(recognition: Recognition, context: RenderContext): Explanation | undefined;
  /**
   * The file names a device of this driver has, for `plugndial render <mac>` listings; some
   * name the model (Snom's `snomD345-<MAC>.htm`).
   */
  files(mac: Mac, model?: string): string[];
  readonly phone: PhoneScript;
  /**
   * Plug-and-play: is this SUBSCRIBE from one of my phones? Asked only for phones not in
   * the store; for a device, its vendor's driver answers.
   */
  claimsPnp?(subscribe: PnpSubscribe): PnpClaim | undefined;
  /**
   * The URL for the plug-and-play NOTIFY body, on the door and path this vendor's phone
   * fetches first; undefined when no door it can use is on. Without it, `provisioningUrl`.
   */
  plugAndPlayUrl?(subscribe: PnpSubscribe, context: PnpContext): string | undefined;
  /**
   * The `Event` header of the NOTIFY that makes this phone resync (`check-sync`,
   * `check-sync;reboot=true`); undefined when it cannot be told to by SIP.
   */
  checkSync?(device: Device, options: { reboot: boolean }): string | undefined;
  /** DHCP: which phones are this family's, what to give them, how they read it (src/dhcp/). */
  readonly dhcp?: DhcpKnowledge;
  /** TR-069: which file the ACS's Download points this family's phones at (src/tr069/). */
  readonly tr069?: Tr069Knowledge;
  /**
   * The `security.config_key` this family's phones decrypt with; absent when its files are
   * never encrypted. A file that should be encrypted under a key that does not fit is not served.
   */
  readonly configKeys?: ConfigKeyForms;
  /** The models this driver knows (`plugndial check`); absent when it takes any model. */
  readonly models?: ModelKnowledge;
  /**
   * The accounts and line keys a phone of this model has (its family's most for a model
   * not known here): the renders write none past them, and `plugndial check` says so.
   */
  capacity?(vendor: string, model: string | undefined): PhoneCapacity;
  /**
   * The forms a value takes in this driver's files besides itself and its file format's
   * escaping (Cisco writes a `$` of a rule as `$$`), so that a shown file can mask a secret.
   */
  writtenForms?(value: string): string[];
  /** The `native.<name>.*` names whose keys a vendor's files carry; others are ignored. */
  nativeNames(vendor: string): readonly string[];
  /**
   * The phone takes provisioning credentials from its own file, so `device-credentials`
   * works without typing them in (RenderContext.credentials, Artifact.installsCredentials).
   */
  readonly takesCredentials: boolean;
}

/** Which configuration file keys a vendor's phones can decrypt with. */
export interface ConfigKeyForms {
  /**
   * Set when the vendor's phones decrypt no file under a scheme the driver can write: why,
   * e.g. `Snom documents no encrypted setting file`. No key fits; the files are withheld.
   */
  readonly none?: string;
  /** The key a vendor's phones take under these settings, e.g. `16-character Yealink key`. */
  describe(vendor: string, settings: Settings): string;
  /** Whether the key, as the operator wrote it, is of that form. */
  fits(vendor: string, key: string, settings: Settings): boolean;
  /** Whether this file is one the phone receives encrypted when the settings ask for it. */
  encrypts(recognition: Recognition): boolean;
}

/** What a driver knows of its vendors' models. */
export interface ModelKnowledge {
  /** The model, as the operator or the phone names it, is one the driver knows. */
  knows(vendor: string, model: string): boolean;
  /** The models it knows, briefly, for the fix: `FIP10 … FIP16, e.g. FIP14G`. */
  describe(vendor: string): string;
  /**
   * Where the phone asks for its firmware image by a name of its own (the file is given a
   * folder, not a URL): that name for this model. The catalogue image must be added under it.
   */
  imageFileName?(model: string): string;
}

/** How many accounts and line keys a phone takes; a bound left out is not known here. */
export interface PhoneCapacity {
  accounts?: number;
  keys?: number;
  /** The model's own figures; false: the most its family's documents give. */
  known: boolean;
}

/** What the ACS needs from a vendor family whose phones speak TR-069. */
export interface Tr069Knowledge {
  /**
   * The configuration file a `Download` (FileType `3 Vendor Configuration File`) names, as a
   * path under the HTTP door, e.g. `0c383e07e16c.cfg`; one the driver recognises and renders.
   */
  configFile(device: Device): string;
}

/** How a phone's CWMP client describes itself in Inform (DeviceId and DeviceInfo). */
export interface CpeDescription {
  manufacturer: string;
  /** Six upper-case hex digits. */
  oui: string;
  productClass: string;
  serialNumber: string;
  softwareVersion: string;
  /** The data model's root: `InternetGatewayDevice` (TR-098) or `Device` (TR-181). */
  root: 'InternetGatewayDevice' | 'Device';
}

export interface UserAgentFacts {
  vendor: string;
  model?: string;
  firmware?: string;
  mac?: Mac;
}

/** The options that point one vendor's phones at plugndial, and the URL the phone makes of them. */
export interface DhcpOffer {
  url: string;
  options: readonly DhcpOption[];
}

/** Choices the operator makes for the whole site (`plugndial dhcp --custom-option 150`). */
export interface DhcpChoices {
  /** The custom option (128–254) phones that read one are configured for. */
  customOption?: number;
}

/** What a driver's `offer` is given: the doors as phones reach them, and the operator's choices. */
export interface DhcpContext extends DhcpChoices {
  doors: DoorUrls;
  /** The driver's own `provisioningUrl(doors)`, where it has one. */
  provisioningUrl?: string;
}

/** The URL a phone derived from the options it received, and where its fetch sequence starts. */
export interface DhcpDerivation {
  /** As the phone holds it, its own placeholders (`%MACD`, `<HWTYP>`, `$mac`) left in. */
  url: string;
  /** The option codes it was read from, in the phone's order. */
  from: readonly number[];
  /** `PhoneScript.run`'s base URL and the identity facts the URL implies (Fanvil's file name). */
  start: { baseUrl: string; input?: string };
}

/** A vendor family's DHCP knowledge, as pure code; src/dhcp/ stays vendor-neutral. */
export interface DhcpKnowledge {
  /** Option 60 prefixes each vendor's phones send, as they send them (case matters). */
  vendorClasses: Readonly<Record<string, readonly string[]>>;
  /** MAC prefixes (OUIs: 6 lowercase hex digits) per vendor. */
  macPrefixes: Readonly<Record<string, readonly string[]>>;
  /** The options the phones ask for in their parameter request list. */
  requested(vendor: string, choices: DhcpChoices): readonly number[];
  /** The options for this vendor's phones, on the door they fetch from first; undefined with none. */
  offer(vendor: string, context: DhcpContext): DhcpOffer | undefined;
  /** What the phone makes of the options it received (raw bytes by code); undefined for nothing. */
  derive(
    vendor: string,
    options: ReadonlyMap<number, Buffer>,
    choices: DhcpChoices,
  ): DhcpDerivation | undefined;
}
