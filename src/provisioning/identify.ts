// The recognise and identify stages: which driver's file a path is, and which device asks
// for it (MAC in the path, query or User-Agent, else the serial it reported before).

import type { Driver, FirmwareRef, Recognition } from '../drivers/driver.ts';
import type { Device } from '../model/device.ts';
import { findMac, type Mac } from '../model/mac.ts';
import type { ConfigurationView } from './configuration-view.ts';
import type { EffectiveSettings } from './effective-settings.ts';
import { normalisePath } from './path.ts';
import type { RecentDevice } from './recent-requests.ts';
import type { ProvisioningRequest } from './request.ts';

/** A request after recognise and identify: who is asking for what. */
export interface Identified {
  segments: string[];
  driver?: Driver;
  recognition?: Recognition;
  device?: Device;
  mac?: Mac;
  vendor?: string;
  /** What this request says about the phone (User-Agent, path, query). */
  reported?: Device['reported'];
  /** A user-named file (Recognition.configName) belongs to this profile, not to a device. */
  profile?: string;
  /** A user-named file that no device or profile carries: the path falls to the overlay. */
  unnamed?: boolean;
  /** A path in the catalogue's own layout, `firmware/<vendor>/<model>/<version>/<file>`. */
  image?: FirmwareRef & { fileName: string };
  /**
   * A shared file asked for by a request that names no device: what the address's recent
   * requests say (provisioning/recent-requests.ts) may choose its dialect or firmware target.
   */
  shared?: boolean;
  /**
   * The device the address's recent requests name, for a firmware manifest or image that names
   * none: its own `firmware.version` decides. Never used for access or recorded as the requester.
   */
  tied?: Device;
}

/** What a phone's User-Agent says about it, as the first driver that knows it reads it. */
export interface AgentFacts {
  vendor: string;
  mac?: Mac;
  reported: Device['reported'];
}

/** Twelve zeros name a common file (`000000000000.cfg`), never a phone. */
export const NO_MAC = '000000000000';

/** The default profile's choice of dialect for phones that name neither device nor vendor. */
const COMMON_DIALECT = 'provisioning.common_dialect';

export class Identification {
  readonly #drivers: readonly Driver[];
  readonly #view: ConfigurationView;
  readonly #settings: EffectiveSettings;

  constructor(options: {
    drivers: readonly Driver[];
    view: ConfigurationView;
    settings: EffectiveSettings;
  }) {
    this.#drivers = options.drivers;
    this.#view = options.view;
    this.#settings = options.settings;
  }

  /**
   * Every driver looks at the path, query and agent; the device's own vendor, else the most
   * specific claim, wins. `recent` is what the address's recent requests say of the phone.
   */
  async identify(
    segments: string[],
    request: ProvisioningRequest,
    recent?: RecentDevice,
  ): Promise<Identified> {
    const image = catalogueImagePath(segments, this.#drivers);
    if (image) {
      const agent = request.userAgent ? this.parseAgent(request.userAgent) : undefined;
      const mac = agent?.mac ?? (request.userAgent ? findMac(request.userAgent) : undefined);
      const device = mac ? await this.#view.device(mac) : undefined;
      return { segments, image, mac, device, ...(agent ? { reported: agent.reported } : {}) };
    }
    const fileRequest = {
      segments,
      query: request.query ?? '',
      transport: request.transport,
      ...(request.userAgent ? { userAgent: request.userAgent } : {}),
    };
    const candidates: { driver: Driver; recognition: Recognition }[] = [];
    for (const driver of this.#drivers) {
      const recognition = driver.recognise(fileRequest);
      if (recognition) candidates.push({ driver, recognition });
    }
    const agent = request.userAgent ? this.parseAgent(request.userAgent) : undefined;
    const named =
      candidates.find((c) => c.recognition.mac && c.recognition.mac !== NO_MAC)?.recognition.mac ??
      agent?.mac ??
      (request.userAgent ? findMac(request.userAgent) : undefined);
    // Without a MAC, a phone may name itself by the serial it reported before.
    const serial = named
      ? undefined
      : candidates.find((c) => c.recognition.reported?.serial)?.recognition.reported?.serial;
    const device = named
      ? await this.#view.device(named)
      : serial
        ? await this.#view.deviceBySerial(serial)
        : undefined;
    const mac = named ?? device?.mac;
    if (candidates.length === 0) {
      return { segments, mac, device, ...(agent ? { reported: agent.reported } : {}) };
    }
    // The device's own vendor decides between drivers that claim the same name
    // (`<mac>.cfg` is Yealink's and Fanvil's); otherwise the most specific claim wins.
    const byVendor = device && candidates.find((c) => c.driver.vendors.includes(device.vendor));
    const best =
      byVendor ?? [...candidates].sort((a, b) => b.recognition.score - a.recognition.score)[0]!;
    // A file the operator named (Fanvil `$input`) belongs to whoever carries that name.
    const configName = best.recognition.configName;
    const owner = configName === undefined ? undefined : await this.#view.named(configName);
    const byName =
      owner && 'device' in owner && best.driver.vendors.includes(owner.device.vendor)
        ? owner.device
        : undefined;
    const fileDevice = configName === undefined ? device : byName;
    const speaks = (vendor: string | undefined): vendor is string =>
      vendor !== undefined && best.driver.vendors.includes(vendor);
    // A phone that names no device and no vendor: the vendor its file's name says, else the
    // vendor of the device that asked from its address just before, else the default
    // profile's choice, else the driver's own.
    const vendor = speaks(fileDevice?.vendor)
      ? fileDevice.vendor
      : speaks(agent?.vendor)
        ? agent.vendor
        : speaks(best.recognition.vendor)
          ? best.recognition.vendor
          : speaks(recent?.vendor)
            ? recent.vendor
            : await this.#commonDialect(best.driver);
    const shared = !best.recognition.needsDevice && mac === undefined && configName === undefined;
    const tiedDevice = shared && recent?.mac ? await this.#view.device(recent.mac) : undefined;
    const tied = tiedDevice && speaks(tiedDevice.vendor) ? tiedDevice : undefined;
    // A User-Agent naming another MAC than the file's speaks of another phone: its model and
    // firmware are not this device's (a phone fetching a neighbour's file, a copied agent).
    // The file is recognised again as if no agent had spoken; the driver read it too.
    const agentFacts = agent?.mac === undefined || agent.mac === (byName?.mac ?? mac);
    const { userAgent: _, ...unsigned } = fileRequest;
    const recognition = agentFacts
      ? best.recognition
      : (best.driver.recognise(unsigned) ?? best.recognition);
    return {
      ...(shared ? { shared } : {}),
      ...(tied ? { tied } : {}),
      segments,
      driver: best.driver,
      recognition,
      mac: byName?.mac ?? mac,
      device: byName ?? device,
      vendor,
      reported: { ...(agentFacts ? agent?.reported : {}), ...recognition.reported },
      ...(owner && 'profile' in owner ? { profile: owner.profile } : {}),
      ...(configName !== undefined && !byName && !(owner && 'profile' in owner)
        ? { unnamed: true }
        : {}),
    };
  }

  parseAgent(userAgent: string): AgentFacts | undefined {
    for (const driver of this.#drivers) {
      const facts = driver.parseUserAgent(userAgent);
      if (facts) {
        const reported: NonNullable<Device['reported']> = {};
        if (facts.model) reported.model = facts.model;
        if (facts.firmware) reported.firmware = facts.firmware;
        return { vendor: facts.vendor, reported, ...(facts.mac ? { mac: facts.mac } : {}) };
      }
    }
    return undefined;
  }

  /** `provisioning.common_dialect` of the defaults and the default profile, if this driver speaks it. */
  async #commonDialect(driver: Driver): Promise<string> {
    const chosen = this.#settings.of(undefined, await this.#view.profiles())[COMMON_DIALECT];
    return typeof chosen === 'string' && driver.vendors.includes(chosen)
      ? chosen
      : driver.defaultVendor;
  }
}

/**
 * The request's path as safe segments, as its door spells paths: percent-encoded over HTTP,
 * backslashes as separators over TFTP and FTP. Undefined for a path that is not one.
 */
export function requestSegments(request: ProvisioningRequest): string[] | undefined {
  return normalisePath(request.rawPath, {
    percentEncoded: request.transport === 'http' || request.transport === 'https',
    backslashIsSeparator: request.transport === 'tftp' || request.transport === 'ftp',
  });
}

/**
 * TFTP and FTP carry a file name only; a phone that must send a query (the Plug-n-Dial app
 * request, Fanvil's `input.cfg?input=…`) sends it inside the name, after a `?`.
 */
export function withFileNameQuery(request: ProvisioningRequest): ProvisioningRequest {
  if (request.transport !== 'tftp' && request.transport !== 'ftp') return request;
  if (request.query) return request;
  const q = request.rawPath.indexOf('?');
  if (q < 0) return request;
  return { ...request, rawPath: request.rawPath.slice(0, q), query: request.rawPath.slice(q + 1) };
}

/**
 * `…/firmware/<vendor>/<model>/<version>/<file>`, the path the pipeline gives catalogue
 * images in every driver's firmware URL (a driver with a layout of its own, like the
 * Plug-n-Dial one, recognises that itself).
 */
function catalogueImagePath(
  segments: readonly string[],
  drivers: readonly Driver[],
): (FirmwareRef & { fileName: string }) | undefined {
  if (segments.length < 5) return undefined;
  const [root, vendor, model, version, fileName] = segments.slice(-5) as [
    string,
    string,
    string,
    string,
    string,
  ];
  if (root.toLowerCase() !== 'firmware') return undefined;
  if (!drivers.some((d) => d.vendors.includes(vendor))) return undefined;
  return { vendor, model, version, fileName };
}
