// Everything a driver's render is handed, gathered here so drivers do no I/O: effective
// settings, the firmware the phone should run, its phonebook, the credentials its policy
// asks of it, the time and the URL it came in by.

import type { Driver, FirmwareTarget, Recognition, RenderContext } from '../drivers/driver.ts';
import { phonebookOwners, type Contact } from '../model/contact.ts';
import type { Device } from '../model/device.ts';
import type { Settings } from '../model/settings.ts';
import type { AccessControl } from './access.ts';
import type { ConfigurationView } from './configuration-view.ts';
import type { ContentVersions } from './content-versions.ts';
import { settingsOwner, type EffectiveSettings } from './effective-settings.ts';

/** What the pipeline knows of one file's request when it builds its render context. */
export interface RenderFacts {
  device: Device | undefined;
  vendor: string;
  baseUrl: string;
  /** A user-named file carried by a profile: settings are that profile's. */
  profile?: string;
  /** A shared firmware file tied to this device: its settings choose the target. */
  firmwareOf?: Device;
  reported?: Device['reported'];
  /** What this request itself said (path, User-Agent), preferred for the model. */
  requested?: Device['reported'];
}

export class RenderContexts {
  readonly #view: ConfigurationView;
  readonly #settings: EffectiveSettings;
  readonly #access: AccessControl;
  readonly #versions: ContentVersions;
  readonly #now: () => Date;

  constructor(options: {
    view: ConfigurationView;
    settings: EffectiveSettings;
    access: AccessControl;
    versions: ContentVersions;
    now: () => Date;
  }) {
    this.#view = options.view;
    this.#settings = options.settings;
    this.#access = options.access;
    this.#versions = options.versions;
    this.#now = options.now;
  }

  /**
   * The calendar year (UTC) renders are made for: a time zone's daylight-saving rules are
   * the year's, so a file rendered last year is not this year's though nothing else changed.
   */
  year(): number {
    return this.#now().getUTCFullYear();
  }

  async build(
    driver: Driver,
    recognition: Recognition,
    facts: RenderFacts,
  ): Promise<RenderContext> {
    const { device, vendor } = facts;
    const baseUrl = facts.baseUrl.endsWith('/') ? facts.baseUrl : `${facts.baseUrl}/`;
    const profiles = await this.#view.profiles();
    // Common files are shared by every phone: they carry the defaults, never one device's values.
    const settings = this.#settings.of(
      device ?? facts.firmwareOf ?? settingsOwner(undefined, facts.profile),
      profiles,
    );
    const reported = { ...(facts.reported ?? device?.reported) };
    const model =
      facts.requested?.model ?? device?.model ?? facts.firmwareOf?.model ?? reported.model;
    const firmware = await this.firmwareTarget(settings, vendor, model, reported.firmware, baseUrl);
    const accessories = await this.#accessoryFirmware(settings, vendor, baseUrl);
    const contacts = await this.#contacts(device, facts.profile, profiles);
    // What the access policy asks of this phone from now on; only its own files carry it.
    // The policy of the settings above, as the access stage holds it: one per chain of
    // profiles, its network set built once rather than for every device file rendered.
    const credentials = device
      ? await this.#access.credentialsFor(device, await this.#settings.policyFor(device))
      : undefined;
    const context: RenderContext = {
      vendor,
      settings,
      baseUrl,
      now: this.#now(),
      ...(device ? { device } : {}),
      ...(reported.model || reported.firmware
        ? {
            reported: {
              ...(reported.model ? { model: reported.model } : {}),
              ...(reported.firmware ? { firmware: reported.firmware } : {}),
            },
          }
        : {}),
      ...(firmware ? { firmware } : {}),
      ...(accessories.length > 0 ? { accessoryFirmware: accessories } : {}),
      ...(contacts ? { contacts } : {}),
      ...(credentials ? { credentials } : {}),
    };
    return this.#versions.attach(driver, recognition, context);
  }

  /**
   * The catalogue image `firmware.version` names for this vendor and model, unless the phone
   * reports that it runs it already. A phone that reports nothing is offered the image and
   * compares for itself.
   */
  async firmwareTarget(
    settings: Settings,
    vendor: string,
    model: string | undefined,
    running: string | undefined,
    baseUrl: string,
  ): Promise<FirmwareTarget | undefined> {
    const version = settings['firmware.version'];
    if (typeof version !== 'string' || model === undefined || running === version) return undefined;
    const image = (await this.#view.firmware()).find(
      (i) =>
        i.vendor === vendor &&
        i.version === version &&
        i.model.toLowerCase() === model.toLowerCase(),
    );
    return image && catalogueTarget(image, baseUrl);
  }

  /**
   * The catalogue images `firmware.accessories` names (MODEL=VERSION) for this vendor: what
   * is attached to the phone (DECT handsets, expansion modules), whose versions it does not
   * report here, so every one named is offered.
   */
  async #accessoryFirmware(
    settings: Settings,
    vendor: string,
    baseUrl: string,
  ): Promise<FirmwareTarget[]> {
    const wanted = settings['firmware.accessories'];
    if (!Array.isArray(wanted) || wanted.length === 0) return [];
    const images = await this.#view.firmware();
    const targets: FirmwareTarget[] = [];
    for (const item of wanted) {
      const eq = item.indexOf('=');
      const model = item.slice(0, eq).toLowerCase();
      const version = item.slice(eq + 1);
      const image = images.find(
        (i) => i.vendor === vendor && i.version === version && i.model.toLowerCase() === model,
      );
      if (image) targets.push(catalogueTarget(image, baseUrl));
    }
    return targets;
  }

  /** The device's own list, else its last profile's that has one, else the default profile's. */
  async #contacts(
    device: Device | undefined,
    profile: string | undefined,
    profiles: ReadonlyMap<string, unknown>,
  ): Promise<readonly Contact[] | undefined> {
    const chain = device?.profiles ?? (profile ? [profile] : []);
    for (const owner of phonebookOwners(device?.mac, chain)) {
      if ('profile' in owner && !profiles.has(owner.profile)) continue;
      const list = await this.#view.contacts(owner);
      if (list) return list;
    }
    return undefined;
  }
}

/** A catalogue image as a driver writes it: under the door and prefix the phone used. */
function catalogueTarget(image: Omit<FirmwareTarget, 'url'>, baseUrl: string): FirmwareTarget {
  const path = ['firmware', image.vendor, image.model, image.version, image.fileName]
    .map(encodeURIComponent)
    .join('/');
  return {
    vendor: image.vendor,
    model: image.model,
    version: image.version,
    fileName: image.fileName,
    size: image.size,
    sha256: image.sha256,
    url: `${baseUrl}${path}`,
  };
}
