// The render stage: the answer for one identified file. A driver's rendered file (cached by
// its version key), a catalogue firmware image, or a file the operator stored (the overlay);
// anything else is the one "not found".

import { Readable } from 'node:stream';

import type { Driver, FirmwareRef, Recognition, RenderContext } from '../drivers/driver.ts';
import { configKeyProblem, type KeyProblem } from '../drivers/config-key.ts';
import type { Device } from '../model/device.ts';
import type { Mac } from '../model/mac.ts';
import type { FirmwareHandle, Store, StoredFileHandle } from '../store/store.ts';
import type { ConfigurationView } from './configuration-view.ts';
import type { RenderContexts, RenderFacts } from './context.ts';
import { settingsOwner, type EffectiveSettings } from './effective-settings.ts';
import { GenerationCache, HOT_ENTRIES } from './generation-cache.ts';
import type { Identified } from './identify.ts';
import { withEtag, type CachedArtifact } from './etag.ts';
import type { Answer, ProvisioningRequest } from './request.ts';

/** An answer before the door has it: no event to record yet. */
export type FileAnswer = Omit<Answer, 'done'>;

/** What a file resolved to, and why it is not served when it is not. */
export interface Served {
  answer: FileAnswer;
  reason?: string;
  /** The file carries the device's credentials: delivering it ends first contact. */
  installsCredentials?: boolean;
}

/** One of a device's files rendered as its phone would receive it, and what it came from. */
export interface DeviceFile {
  device: Device;
  driver: Driver;
  recognition: Recognition;
  context: RenderContext;
  /** Undefined when the driver renders nothing for these settings. */
  artifact: CachedArtifact | undefined;
}

export const NOT_FOUND_TYPE = 'text/plain; charset=utf-8';

export function notFound(): FileAnswer {
  return { status: 404, contentType: NOT_FOUND_TYPE, size: 0 };
}

export class FileAnswers {
  readonly #store: Store;
  readonly #view: ConfigurationView;
  readonly #drivers: readonly Driver[];
  readonly #settings: EffectiveSettings;
  readonly #contexts: RenderContexts;
  readonly #renders = new GenerationCache<CachedArtifact | null>(HOT_ENTRIES);
  /** Catalogue images as the store found them, for this generation: a storm asks for a few. */
  readonly #images = new GenerationCache<FirmwareHandle | null>(HOT_ENTRIES);

  constructor(options: {
    store: Store;
    view: ConfigurationView;
    drivers: readonly Driver[];
    settings: EffectiveSettings;
    contexts: RenderContexts;
  }) {
    this.#store = options.store;
    this.#view = options.view;
    this.#drivers = options.drivers;
    this.#settings = options.settings;
    this.#contexts = options.contexts;
  }

  async serve(identified: Identified, request: ProvisioningRequest): Promise<Served> {
    const { driver, recognition, device, vendor } = identified;
    if (identified.image) return this.#firmwareAnswer(identified.image);
    if (!driver || !recognition || !vendor || identified.unnamed)
      return this.#overlay(identified.segments);
    if (recognition.needsDevice && !device) return { answer: notFound(), reason: 'unknown-device' };
    const prefix = recognition.prefix.map((s) => encodeSegment(s, request.transport)).join('/');
    const baseUrl = `${request.origin}/${prefix ? `${prefix}/` : ''}`;
    const { fileDevice, firmwareDevice } = whoseFile(
      recognition,
      device,
      identified.profile !== undefined,
      // A firmware manifest or image that carries no MAC is still this device's when its
      // User-Agent or its address's recent requests say so: its own firmware.version decides.
      [device, identified.tied].find((d) => d !== undefined && driver.vendors.includes(d.vendor)),
    );
    const facts = {
      device: fileDevice,
      vendor,
      baseUrl,
      ...(identified.profile !== undefined ? { profile: identified.profile } : {}),
      ...(firmwareDevice ? { firmwareOf: firmwareDevice } : {}),
      // Facts of this very request; the store's record of them may lag behind.
      reported: { ...(device ?? firmwareDevice)?.reported, ...identified.reported },
      requested: identified.reported ?? {},
    };
    if (recognition.kind === 'firmware' && driver.firmwareImage) {
      const ref = driver.firmwareImage(
        recognition,
        await this.#contexts.build(driver, recognition, facts),
      );
      const image = ref && (await this.#openFirmware(ref));
      if (ref && image) return storedAnswer(image);
      // Not the catalogue's: maybe a file the operator stored there (a Prom_file).
      const stored = await this.#overlay(identified.segments);
      return stored.answer.status === 200 ? stored : { answer: notFound(), reason: 'no-firmware' };
    }
    // The cache is asked first: a warm file costs no settings merge and no render.
    const artifact = await this.renderCached(
      driver,
      recognition,
      {
        vendor,
        device: fileDevice ?? firmwareDevice,
        location: `${baseUrl}${identified.segments.join('/')}`,
        // Renders may depend on what the phone reports (firmware targets): part of the key.
        facts: `${facts.reported.model ?? ''}|${facts.reported.firmware ?? ''}|${identified.profile ?? ''}`,
      },
      () => this.#contexts.build(driver, recognition, facts),
    );
    if (!artifact) {
      // A file the phone writes: what it uploaded, when it was kept.
      if (recognition.writable !== undefined && fileDevice)
        return this.#overlayFile(uploadPath(fileDevice.mac, recognition.writable));
      const withheld = await this.#withheld(driver, recognition, vendor, facts);
      return { answer: notFound(), reason: withheld?.reason ?? 'no-such-file' };
    }
    return {
      ...(artifact.installsCredentials ? { installsCredentials: true } : {}),
      answer: {
        status: 200,
        contentType: artifact.contentType,
        size: artifact.body.length,
        etag: artifact.etag,
        body: artifact.body,
      },
    };
  }

  /**
   * One of a device's files by its name, rendered as its phone would receive it over HTTP
   * from `origin` (the ACS's Download, `plugndial render`). The render is shared with the
   * phone's own requests: the same cache, the same key.
   */
  async deviceFile(
    device: Device,
    fileName: string,
    origin: string,
  ): Promise<DeviceFile | undefined> {
    const driver = this.#drivers.find((d) => d.vendors.includes(device.vendor));
    const recognition = driver?.recognise({
      segments: fileName.split('/').filter((s) => s !== ''),
      query: '',
      transport: 'http',
    });
    if (!driver || !recognition) return undefined;
    // As serve() renders them for the phone: a shared file (the common cfg, a model's file)
    // from the defaults and the default profile, not from this device's own settings.
    const { fileDevice, firmwareDevice } = whoseFile(recognition, device, false, device);
    const context = await this.#contexts.build(driver, recognition, {
      device: fileDevice,
      vendor: device.vendor,
      baseUrl: origin,
      ...(firmwareDevice ? { firmwareOf: firmwareDevice } : {}),
    });
    const artifact = await this.renderCached(
      driver,
      recognition,
      {
        vendor: device.vendor,
        device: fileDevice ?? firmwareDevice,
        location: `${origin}/${fileName}`,
      },
      async () => context,
    );
    return { device, driver, recognition, context, artifact: artifact ?? undefined };
  }

  /**
   * A rendered file by its version key: driver, vendor, device, location, the calendar year
   * (daylight-saving rules are a year's) and the store generation. Anything else a render
   * depends on must be added to the key.
   */
  async renderCached(
    driver: Driver,
    recognition: Recognition,
    key: { vendor: string; device: Device | undefined; location: string; facts?: string },
    context: () => Promise<RenderContext>,
  ): Promise<CachedArtifact | null> {
    const generation = this.#view.generation;
    const id = `${driver.name}|${key.vendor}|${key.device?.mac ?? ''}|${key.location}|${key.facts ?? ''}|${this.#contexts.year()}`;
    const cached = this.#renders.get(generation, id);
    if (cached !== undefined) return cached;
    return this.#renders.set(generation, id, withEtag(driver.render(recognition, await context())));
  }

  /**
   * Why a recognised file rendered to nothing, when the operator can fix it: it should be
   * encrypted and the key does not fit the vendor. The phone still gets the same 404.
   */
  async #withheld(
    driver: Driver,
    recognition: Recognition,
    vendor: string,
    facts: Pick<RenderFacts, 'device' | 'profile'>,
  ): Promise<KeyProblem | undefined> {
    if (!driver.configKeys?.encrypts(recognition)) return undefined;
    const owner = settingsOwner(facts.device, facts.profile);
    const settings = this.#settings.of(owner, await this.#view.profiles());
    return configKeyProblem(driver.configKeys, vendor, settings);
  }

  /** Streams a catalogue image; any miss is the same 404 as every missing file. */
  async #firmwareAnswer(ref: FirmwareRef & { fileName: string }): Promise<Served> {
    const image = await this.#openFirmware(ref);
    if (!image || image.fileName !== ref.fileName)
      return { answer: notFound(), reason: 'no-firmware' };
    return storedAnswer(image);
  }

  /** The catalogue's image for this ref; a change to the catalogue moves the generation. */
  async #openFirmware(ref: FirmwareRef): Promise<FirmwareHandle | undefined> {
    const generation = this.#view.generation;
    const key = `${ref.vendor}\0${ref.model.toLowerCase()}\0${ref.version}`;
    const cached = this.#images.get(generation, key);
    if (cached !== undefined) return cached ?? undefined;
    const image = await this.#store.openFirmware(ref);
    return this.#images.set(generation, key, image ?? null) ?? undefined;
  }

  async #overlay(segments: string[]): Promise<Served> {
    // An overlay file may be asked for under any prefix: try the full path, then shorter tails.
    for (let i = 0; i < segments.length; i++) {
      const found = await this.#overlayFile(segments.slice(i).join('/'));
      if (found.answer.status === 200) return found;
    }
    return { answer: notFound(), reason: 'no-such-file' };
  }

  async #overlayFile(path: string): Promise<Served> {
    const file = await this.#store.openFile(path);
    if (!file) return { answer: notFound(), reason: 'no-such-file' };
    return storedAnswer(file);
  }
}

/**
 * A stored file or catalogue image as the doors serve it: a small one whole, from the
 * store's kept bytes, like a rendered file; a larger one streamed chunk by chunk.
 */
async function storedAnswer(file: StoredFileHandle | FirmwareHandle): Promise<Served> {
  const head = {
    status: 200 as const,
    contentType: file.contentType,
    size: file.size,
    etag: `"${file.sha256.slice(0, 27)}"`,
  };
  if (!file.bytes) return { answer: { ...head, open: (range) => file.stream(range) } };
  const body = await file.bytes();
  const open = (range?: { start: number; end: number }): Readable =>
    Readable.from([range ? body.subarray(range.start, range.end + 1) : body]);
  return { answer: { ...head, body, open } };
}

/** Where uploads are kept (`provisioning.uploads=store`): per device, by the name the phone gave. */
export function uploadPath(mac: Mac, name: string): string {
  return `uploads/${mac}/${name}`;
}

function encodeSegment(segment: string, transport: string): string {
  return transport === 'http' || transport === 'https' ? encodeURIComponent(segment) : segment;
}

/**
 * Whose settings a recognised file is rendered from: a device's own file (its MAC, or the
 * name its `provisioning.config_name` gives, unless a profile's name it is) from the
 * device's; a shared file from the defaults and the default profile alone, except that a
 * firmware manifest or image names the firmware target of the device it is for.
 */
function whoseFile(
  recognition: Recognition,
  device: Device | undefined,
  profileNamed: boolean,
  firmwareOwner: Device | undefined,
): { fileDevice?: Device | undefined; firmwareDevice?: Device | undefined } {
  const own = recognition.needsDevice || (recognition.configName !== undefined && !profileNamed);
  if (own && device) return { fileDevice: device };
  const firmware = recognition.kind === 'manifest' || recognition.kind === 'firmware';
  return firmware ? { firmwareDevice: firmwareOwner } : {};
}
