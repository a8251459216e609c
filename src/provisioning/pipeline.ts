import type { Driver, FirmwareTarget } from '../drivers/driver.ts';
import type { Device } from '../model/device.ts';
import type { Mac } from '../model/mac.ts';
import type { Logger } from '../log.ts';
import type { Store } from '../store/store.ts';
import { AccessControl, type AccessConfig } from './access.ts';
import { proven, type AccessVia } from './access-policy.ts';
import { FileAnswers, notFound, type DeviceFile, type Served } from './answer.ts';
import { Authorisation } from './authorise.ts';
import { ConfigurationView } from './configuration-view.ts';
import { ContentVersions } from './content-versions.ts';
import { RenderContexts } from './context.ts';
import { authoriseDoor, type DoorVerdict } from './door-access.ts';
import { EffectiveSettings } from './effective-settings.ts';
import { ftpListing, ftpLogin } from './ftp-door.ts';
import { GenerationCache, HOT_ENTRIES } from './generation-cache.ts';
import { Identification, requestSegments, withFileNameQuery, type Identified } from './identify.ts';
import { RecentRequests, type RecentDevice } from './recent-requests.ts';
import { RequestEvents } from './record.ts';
import type { EventRecorder } from './recorder.ts';
import { refusedOutright, Refusals, THROTTLED, type Arrival } from './refusal.ts';
import type {
  Answer,
  LoginAttempt,
  ProvisioningRequest,
  Provisioner,
  UploadAnswer,
  UploadBody,
} from './request.ts';
import type { PipelineStages } from './stages.ts';
import { receiveUpload } from './uploads.ts';

export interface PipelineOptions {
  store: Store;
  drivers: readonly Driver[];
  recorder: EventRecorder;
  /** Injected so tests are deterministic. */
  now?: () => Date;
  /** Trusted proxies and the miss throttle (provisioning/access.ts). */
  access?: AccessConfig;
  /**
   * Refusals and misses are answered no sooner than this after the request came in, so an
   * unknown MAC, wrong credentials and a missing file take the same time. Default 25 ms.
   */
  missFloorMs?: number;
  /**
   * How long a request that named its device ties the address's next requests that name none
   * (provisioning/recent-requests.ts). Default 60 s.
   */
  recentWindowMs?: number;
  log?: Logger;
}

/** What a request resolved to, reusable while the configuration does not change. */
interface Memo extends Served {
  identified: Identified;
  reason: string | undefined;
}

/**
 * The one provisioning pipeline behind every door:
 * recognise → identify → authorise → resolve → render → record.
 * Each stage is a file of this folder; this class puts them in order.
 */
export class ProvisioningPipeline implements Provisioner {
  readonly #store: Store;
  readonly #now: () => Date;
  readonly #view: ConfigurationView;
  readonly #access: AccessControl;
  readonly #settings: EffectiveSettings;
  readonly #identification: Identification;
  readonly #contexts: RenderContexts;
  readonly #files: FileAnswers;
  readonly #authorisation: Authorisation;
  readonly #refusals: Refusals;
  readonly #events: RequestEvents;
  readonly #stages: PipelineStages;
  /**
   * Whole answers by the raw request, so a warm request skips recognise, identify and render.
   * They hold what a path is, never who may have it: access is decided after, every time.
   */
  readonly #answers = new GenerationCache<Memo>(HOT_ENTRIES);
  readonly #recent: RecentRequests;

  constructor(options: PipelineOptions) {
    const store = options.store;
    const now = options.now ?? ((): Date => new Date());
    const view = new ConfigurationView(store);
    const access = new AccessControl({
      store,
      view,
      now,
      ...(options.access ? { config: options.access } : {}),
      ...(options.log ? { log: options.log } : {}),
    });
    const settings = new EffectiveSettings(view);
    const events = new RequestEvents(options.recorder, access, view);
    this.#store = store;
    this.#now = now;
    this.#view = view;
    this.#access = access;
    this.#settings = settings;
    this.#events = events;
    this.#identification = new Identification({ drivers: options.drivers, view, settings });
    this.#contexts = new RenderContexts({
      view,
      settings,
      access,
      versions: new ContentVersions(store, now),
      now,
    });
    this.#files = new FileAnswers({
      store,
      view,
      drivers: options.drivers,
      settings,
      contexts: this.#contexts,
    });
    this.#authorisation = new Authorisation(access, settings);
    this.#refusals = new Refusals({
      access,
      settings,
      events,
      missFloorMs: options.missFloorMs ?? 25,
    });
    this.#recent = new RecentRequests(
      options.recentWindowMs === undefined ? {} : { windowMs: options.recentWindowMs },
    );
    this.#stages = {
      store,
      drivers: options.drivers,
      now,
      view,
      access,
      settings,
      authorisation: this.#authorisation,
      refusals: this.#refusals,
      events,
    };
  }

  async answer(request: ProvisioningRequest): Promise<Answer> {
    const started = performance.now();
    const at = this.#now();
    const client = this.#access.clientAddress(request);
    // Throttled: a blocked address costs no store lookup (refusal.ts).
    const blocked = this.#access.blocked(client);
    if (refusedOutright(blocked, request))
      return this.#refusals.refuse(request, { segments: [] }, THROTTLED, { at, started, client });
    // Recognise, identify, resolve and render (identify.ts, context.ts, answer.ts), memoised
    // by the raw request, for the year (a render carries that year's daylight-saving rules).
    const generation = this.#view.generation;
    const memoKey = `${at.getUTCFullYear()}|${request.transport}|${request.origin}|${request.rawPath}|${request.query ?? ''}|${request.userAgent ?? ''}`;
    let memo = this.#fresh(this.#answers.get(generation, memoKey));
    memo ??= await this.#resolve(request, generation, memoKey);
    // A shared file asked by a request that names no device: the address's recent requests may.
    if (memo.identified.shared) {
      const recent = this.#recent.recent(client, at.getTime());
      if (recent) memo = await this.#resolveRecent(request, memo, recent, generation, memoKey);
    }
    const { identified, answer, reason } = memo;
    // Authorise, on every request (authorise.ts, access.ts).
    const found = answer.status === 200;
    const verdict =
      this.#authorisation.atOnce(request, identified, client, found, generation) ??
      (await this.#authorisation.decide(request, identified, client, found));
    if (!verdict.allowed)
      return this.#refusals.refuse(request, identified, verdict, { at, started, client });
    if (blocked !== undefined && !proven(verdict.via))
      return this.#refusals.refuse(request, identified, THROTTLED, { at, started, client });
    const device = identified.device ?? verdict.device;
    if (device) this.#recent.saw(client, device, at.getTime());
    if (!found)
      return this.#missing(request, { ...identified, device }, reason, verdict.via, {
        at,
        started,
        client,
      });
    // Record: the door's `done` writes the request's one event (record.ts).
    return this.#events.answer(answer, {
      request,
      identified,
      device,
      at,
      started,
      size: answer.size,
      reason: verdict.via === 'first-contact' ? 'first-contact' : reason,
      client,
      delivered: { via: verdict.via, installsCredentials: memo.installsCredentials === true },
    });
  }

  /** The access stage for the TR-069 ACS (door-access.ts). */
  authoriseDoor(request: ProvisioningRequest, mac: Mac | undefined): Promise<DoorVerdict> {
    return authoriseDoor(this.#stages, request, mac);
  }

  /** A file the phone sends, HTTP PUT (uploads.ts). */
  upload(request: ProvisioningRequest, body: UploadBody): Promise<UploadAnswer> {
    return receiveUpload(this.#stages, request, body);
  }

  /** FTP PASS (ftp-door.ts). */
  login(attempt: LoginAttempt): Promise<boolean> {
    return ftpLogin(this.#stages, attempt);
  }

  /** FTP LIST/NLST (ftp-door.ts). */
  listing(request: ProvisioningRequest): Promise<string[]> {
    return ftpListing(this.#stages, request);
  }

  /** Trusted proxies and the miss throttle, changed by a reload of the configuration. */
  configureAccess(config: Pick<AccessConfig, 'trustedProxies' | 'throttle'>): void {
    this.#access.configure(config);
  }

  /** Addresses the miss throttle refuses now, by what blocked them. */
  blockedAddresses(): { anonymous: number; all: number } {
    return this.#access.blockedAddresses();
  }

  /** One-time credentials for one path of one device (a TR-069 Download's Username/Password). */
  grantOneTime(mac: Mac, path: string, ttlMs: number): { username: string; password: string } {
    return this.#access.grant(mac, path, ttlMs);
  }

  /** The catalogue image a device should run, as its phone would fetch it from `baseUrl`. */
  async firmwareFor(device: Device, baseUrl: string): Promise<FirmwareTarget | undefined> {
    const settings = this.#settings.of(device, await this.#view.profiles());
    const model = device.model ?? device.reported?.model;
    const base = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
    return this.#contexts.firmwareTarget(
      settings,
      device.vendor,
      model,
      device.reported?.firmware,
      base,
    );
  }

  /**
   * One of a device's files rendered as its phone would receive it over HTTP from `origin`
   * (the ACS's Download; previews in management/preview.ts). Undefined for an unknown device
   * or a name its driver does not know.
   */
  async render(mac: Mac, fileName: string, origin: string): Promise<DeviceFile | undefined> {
    const device = await this.#store.getDevice(mac);
    return device && this.#files.deviceFile(device, fileName, origin);
  }

  /**
   * A file the request may have that is not there. A known phone asking for a file it lacks
   * is no guess; an unknown name is. A client that proved who it is gets "not found", never
   * another challenge.
   */
  async #missing(
    request: ProvisioningRequest,
    identified: Identified,
    reason: string | undefined,
    via: AccessVia,
    when: Arrival,
  ): Promise<Answer> {
    const miss = identified.device === undefined;
    const authenticated = (via !== 'open' && via !== 'network') || (await this.#proves(request));
    return this.#refusals.refuse(
      request,
      identified,
      { allowed: false, reason: reason ?? 'not-found', miss, authenticated },
      when,
    );
  }

  /** Whether the request proves a client under the default policy; no, when the store fails. */
  async #proves(request: ProvisioningRequest): Promise<boolean> {
    try {
      return await this.#access.proves(request, await this.#settings.policyFor(undefined));
    } catch {
      return false;
    }
  }

  /**
   * The answer to a shared file for the phone the address's recent requests name: its vendor's
   * dialect; for a firmware manifest or image, its own firmware target. Memoised apart.
   */
  async #resolveRecent(
    request: ProvisioningRequest,
    memo: Memo,
    recent: RecentDevice,
    generation: number,
    memoKey: string,
  ): Promise<Memo> {
    const kind = memo.identified.recognition?.kind;
    const firmware = kind === 'manifest' || kind === 'firmware';
    const hint: RecentDevice = {
      ...(recent.vendor !== undefined ? { vendor: recent.vendor } : {}),
      ...(firmware && recent.mac !== undefined ? { mac: recent.mac } : {}),
    };
    if (hint.vendor === undefined && hint.mac === undefined) return memo;
    const key = `${memoKey}|${hint.vendor ?? ''}|${hint.mac ?? ''}`;
    return (
      this.#fresh(this.#answers.get(generation, key)) ??
      (await this.#resolve(request, generation, key, hint))
    );
  }

  /** The memo, unless a device it was answered for has reported other facts since. */
  #fresh(memo: Memo | undefined): Memo | undefined {
    const { device, tied } = memo?.identified ?? {};
    if (device && this.#view.outdated(device)) return undefined;
    if (tied && this.#view.outdated(tied)) return undefined;
    return memo;
  }

  /** Recognise and identify (identify.ts), then the answer for that file (answer.ts). */
  async #resolve(
    asked: ProvisioningRequest,
    generation: number,
    memoKey: string,
    recent?: RecentDevice,
  ): Promise<Memo> {
    let identified: Identified = { segments: [] };
    const request = withFileNameQuery(asked);
    try {
      const segments = requestSegments(request);
      if (!segments) return { identified, answer: notFound(), reason: 'bad-path' };
      // Should identifying fail, the event still names the file as every other event does.
      identified = { segments };
      identified = await this.#identification.identify(segments, request, recent);
      const served = await this.#files.serve(identified, request);
      const memo: Memo = {
        identified,
        answer: served.answer,
        reason: served.reason,
        ...(served.installsCredentials ? { installsCredentials: true } : {}),
      };
      // Streamed overlay files hold a store handle: they are opened afresh each time.
      return served.answer.open ? memo : this.#answers.set(generation, memoKey, memo);
    } catch {
      // A store outage must not tell a phone anything different from "not here".
      return { identified, answer: notFound(), reason: 'internal-error' };
    }
  }
}
