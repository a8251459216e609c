import { Readable } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';

import type {
  Driver,
  Explanation,
  FirmwareRef,
  FirmwareTarget,
  Recognition,
  RenderContext,
} from '../drivers/driver.ts';

import { publishRequest } from '../channels.ts';
import type { AuthChallenge } from '../crypto/http-auth.ts';
import { configKeyProblem, type KeyProblem } from '../drivers/config-key.ts';
import { phonebookOwners, type Contact } from '../model/contact.ts';
import type { Device, Profile } from '../model/device.ts';
import { findMac, type Mac } from '../model/mac.ts';
import { chainSettings, withOwnSettings } from '../model/merge.ts';
import type { Settings } from '../model/settings.ts';
import type { Logger } from '../log.ts';
import type { Store } from '../store/store.ts';
import {
  AccessControl,
  policySettings,
  type AccessVia,
  type AccessConfig,
  type AccessVerdict,
  type PolicySettings,
  type Refusal,
} from './access.ts';
import { ConfigurationView } from './configuration-view.ts';
import { ContentVersions } from './content-versions.ts';
import type { ProvisioningEvent } from '../model/event.ts';
import { normalisePath } from './path.ts';
import { RecentRequests, type RecentDevice } from './recent-requests.ts';
import { lastContactOf } from './last-contact.ts';
import type { EventRecorder } from './recorder.ts';
import { GenerationCache, HOT_ENTRIES, setBounded } from './generation-cache.ts';
import { withEtag, type CachedArtifact } from './render-cache.ts';
import type {
  Answer,
  LoginAttempt,
  ProvisioningRequest,
  Provisioner,
  TransferOutcome,
  UploadAnswer,
  UploadBody,
} from './request.ts';

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
interface Memo {
  identified: Identified;
  answer: Omit<Answer, 'done'>;
  reason: string | undefined;
  /** The file carries the device's credentials: delivering it ends first contact. */
  installsCredentials?: boolean;
}

/** A request after recognise and identify: who is asking for what. */
interface Identified {
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

/** The default profile's choice of dialect for phones that name neither device nor vendor. */
const COMMON_DIALECT = 'provisioning.common_dialect';

const NOT_FOUND_TYPE = 'text/plain; charset=utf-8';
const THROTTLED: Refusal = { allowed: false, reason: 'throttled', miss: false };

/** Credentials or a verified certificate: what may still open a file to a blocked address. */
function showsProof(request: ProvisioningRequest): boolean {
  return request.credentials !== undefined || request.clientCertificate?.verified === true;
}

/** Twelve zeros name a common file (`000000000000.cfg`), never a phone. */
const NO_MAC = '000000000000';

/** Where uploads are kept (`provisioning.uploads=store`), and their default size cap. */
const UPLOADS = 'uploads';
const UPLOAD_LIMIT = 1_048_576;

/**
 * The one provisioning pipeline behind every door:
 * recognise → identify → authorise → resolve → render → record.
 */
export class ProvisioningPipeline implements Provisioner {
  readonly #store: Store;
  readonly #drivers: readonly Driver[];
  readonly #recorder: EventRecorder;
  readonly #now: () => Date;
  readonly #view: ConfigurationView;
  readonly #versions: ContentVersions;
  readonly #renders = new GenerationCache<CachedArtifact | null>(HOT_ENTRIES);
  /**
   * Whole answers by the raw request, so a warm request skips recognise, identify and render.
   * They hold what a path is, never who may have it: access is decided after, every time.
   */
  readonly #answers = new GenerationCache<Memo>(HOT_ENTRIES);
  readonly #access: AccessControl;
  /** Access settings by device (`''` for requests that name none). */
  readonly #policies = new GenerationCache<PolicySettings>(HOT_ENTRIES);
  /** Access settings by profile chain and a device's own access settings (policyShape). */
  readonly #chainPolicies = new GenerationCache<PolicySettings>(CHAINS);
  /** Profile chains' merged settings, for the profiles the view holds now. */
  #chains: { profiles: ReadonlyMap<string, Profile> | undefined; merged: Map<string, Settings> } = {
    profiles: undefined,
    merged: new Map(),
  };
  readonly #missFloorMs: number;
  readonly #recent: RecentRequests;

  constructor(options: PipelineOptions) {
    this.#store = options.store;
    this.#drivers = options.drivers;
    this.#recorder = options.recorder;
    this.#now = options.now ?? ((): Date => new Date());
    this.#view = new ConfigurationView(options.store);
    this.#versions = new ContentVersions(options.store, this.#now);
    this.#missFloorMs = options.missFloorMs ?? 25;
    this.#recent = new RecentRequests(
      options.recentWindowMs === undefined ? {} : { windowMs: options.recentWindowMs },
    );
    this.#access = new AccessControl({
      store: options.store,
      view: this.#view,
      now: this.#now,
      ...(options.access ? { config: options.access } : {}),
      ...(options.log ? { log: options.log } : {}),
    });
  }

  async answer(request: ProvisioningRequest): Promise<Answer> {
    const started = performance.now();
    const at = this.#now();
    const client = this.#access.clientAddress(request);
    // A blocked address costs no store lookup: its flood stops here, unless it shows
    // credentials or a certificate (that may be a phone behind the same NAT).
    const blocked = this.#access.blocked(client);
    if (blocked === 'all' || (blocked === 'anonymous' && !showsProof(request))) {
      return this.#refuse(request, { segments: [] }, THROTTLED, { at, started, client });
    }
    const generation = this.#view.generation;
    const memoKey = `${request.transport}|${request.origin}|${request.rawPath}|${request.query ?? ''}|${request.userAgent ?? ''}`;
    let memo =
      this.#answers.get(generation, memoKey) ?? (await this.#resolve(request, generation, memoKey));
    // A shared file asked by a request that names no device: the address's recent requests may.
    if (memo.identified.shared) {
      const recent = this.#recent.recent(client, at.getTime());
      if (recent) memo = await this.#resolveRecent(request, memo, recent, generation, memoKey);
    }
    const { identified, answer, reason } = memo;
    const verdict =
      this.#authoriseAtOnce(request, identified, client, answer.status === 200, generation) ??
      (await this.#authorise(request, identified, client, answer.status === 200));
    if (!verdict.allowed)
      return this.#refuse(request, identified, verdict, { at, started, client });
    if (blocked !== undefined && !AccessControl.proven(verdict.via))
      return this.#refuse(request, identified, THROTTLED, { at, started, client });
    const device = identified.device ?? verdict.device;
    if (device) this.#recent.saw(client, device, at.getTime());
    if (answer.status !== 200) {
      // A known phone asking for a file it lacks is no guess; an unknown name is.
      const miss = device === undefined;
      const authenticated =
        (verdict.via !== 'open' && verdict.via !== 'network') ||
        (await this.#access.proves(request, await this.#policyFor(undefined)).catch(() => false));
      return this.#refuse(
        request,
        { ...identified, device },
        { allowed: false, reason: reason ?? 'not-found', miss, authenticated },
        { at, started, client },
      );
    }
    return new PipelineAnswer(
      answer,
      {
        request,
        identified,
        device,
        at,
        started,
        size: answer.size,
        reason: verdict.via === 'first-contact' ? 'first-contact' : reason,
        client,
        delivered: { via: verdict.via, installsCredentials: memo.installsCredentials === true },
      },
      this.#finish,
    );
  }

  /**
   * The access stage for a door that is not a file request (the TR-069 ACS): the device's
   * policy judges the request's credentials; a refusal is counted, answered after the floor
   * and carries the challenge to send. The door records its own event.
   */
  async authoriseDoor(
    request: ProvisioningRequest,
    mac: Mac | undefined,
  ): Promise<
    | { allowed: true; device?: Device; via: string }
    | { allowed: false; reason: string; challenge?: AuthChallenge }
  > {
    const started = performance.now();
    const client = this.#access.clientAddress(request);
    const blocked = this.#access.blocked(client);
    if (blocked === 'all' || (blocked === 'anonymous' && !showsProof(request))) {
      await this.#floor(started);
      return { allowed: false, reason: 'throttled' };
    }
    const device = mac ? await this.#view.device(mac).catch(() => undefined) : undefined;
    const verdict = await this.#authorise(
      request,
      { segments: [], ...(device ? { device } : {}), ...(mac ? { mac } : {}) },
      client,
      device !== undefined,
    );
    if (verdict.allowed && (blocked === undefined || AccessControl.proven(verdict.via))) {
      const found = device ?? verdict.device;
      return { allowed: true, via: verdict.via, ...(found ? { device: found } : {}) };
    }
    if (!verdict.allowed && verdict.miss)
      this.#access.miss(client, request.transport, verdict.guess === true);
    await this.#floor(started);
    const refusal = verdict.allowed ? THROTTLED : verdict;
    const challenge = refusal.authenticated
      ? undefined
      : await this.#access
          .challenge(request, await this.#policyFor(undefined), refusal.stale === true)
          .catch(() => undefined);
    return { allowed: false, reason: refusal.reason, ...(challenge ? { challenge } : {}) };
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
    const settings = this.#settingsOf(device, await this.#view.profiles());
    const model = device.model ?? device.reported?.model;
    const base = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
    return this.#firmwareTarget(settings, device.vendor, model, device.reported?.firmware, base);
  }

  /** FTP PASS: judged against the server's default policy, slowly when wrong. */
  async login(attempt: LoginAttempt): Promise<boolean> {
    const started = performance.now();
    const client = this.#access.clientAddress({
      transport: attempt.transport,
      rawPath: '/',
      remoteAddress: attempt.remoteAddress,
      origin: '',
    });
    try {
      const ok = await this.#access.login(attempt, await this.#policyFor(undefined), client);
      if (!ok) await this.#floor(started);
      return ok;
    } catch {
      await this.#floor(started);
      return false;
    }
  }

  /**
   * A file the phone sends (HTTP PUT): taken only where its driver says the phone writes it,
   * for a device in the store, under that device's access policy. It is read up to
   * `provisioning.upload_limit` and kept as a stored file (`provisioning.uploads=store`) or
   * dropped; never held whole in memory. One event, whatever the outcome.
   */
  async upload(request: ProvisioningRequest, body: UploadBody): Promise<UploadAnswer> {
    const started = performance.now();
    const at = this.#now();
    const client = this.#access.clientAddress(request);
    let identified: Identified = { segments: [] };
    let received = 0;
    const done = (
      status: UploadAnswer['status'],
      reason: string,
      extra: { challenge?: AuthChallenge; bodyLeft?: boolean } = {},
    ): UploadAnswer => {
      this.#record(
        request,
        identified,
        at,
        started,
        { status, bytes: received, reason },
        undefined,
        client,
      );
      return {
        status,
        bodyLeft: extra.bodyLeft ?? true,
        ...(extra.challenge ? { challenge: extra.challenge } : {}),
      };
    };
    const refuse = async (verdict: Refusal): Promise<UploadAnswer> => {
      if (verdict.miss) this.#access.miss(client, request.transport, verdict.guess === true);
      await this.#floor(started);
      const challenge = verdict.authenticated
        ? undefined
        : await this.#access
            .challenge(request, await this.#policyFor(undefined), verdict.stale === true)
            .catch(() => undefined);
      return done(challenge ? 401 : 404, verdict.reason, challenge ? { challenge } : {});
    };
    // As for a GET: a blocked address is refused before any lookup, unless it shows proof.
    const blocked = this.#access.blocked(client);
    if (blocked === 'all' || (blocked === 'anonymous' && !showsProof(request)))
      return refuse(THROTTLED);
    try {
      const segments = normalisePath(request.rawPath, {
        percentEncoded: request.transport === 'http' || request.transport === 'https',
        backslashIsSeparator: false,
      });
      if (!segments) return done(404, 'bad-path');
      identified = { segments };
      const fileRequest = {
        segments,
        query: request.query ?? '',
        transport: request.transport,
        upload: true,
        ...(request.userAgent ? { userAgent: request.userAgent } : {}),
      };
      const claims: { driver: Driver; recognition: Recognition; name: string }[] = [];
      for (const driver of this.#drivers) {
        const recognition = driver.recognise(fileRequest);
        const name = recognition?.writable;
        if (recognition && name !== undefined && recognition.mac && recognition.mac !== NO_MAC)
          claims.push({ driver, recognition, name });
      }
      if (claims.length === 0) return done(405, 'not-writable');
      const mac = claims[0]!.recognition.mac!;
      const device = await this.#view.device(mac);
      identified = { segments, mac, ...(device ? { device } : {}) };
      const claim = device && claims.find((c) => c.driver.vendors.includes(device.vendor));
      if (!device || !claim)
        return refuse({
          allowed: false,
          reason: device ? 'not-writable' : 'unknown-device',
          miss: !device,
        });
      identified = { segments, mac, device, driver: claim.driver, recognition: claim.recognition };
      const verdict = await this.#authorise(request, identified, client, true);
      if (!verdict.allowed) return refuse(verdict);
      if (blocked !== undefined && !AccessControl.proven(verdict.via)) return refuse(THROTTLED);
      // First contact lets a phone fetch its credentials, never write where its files are kept.
      if (verdict.via === 'first-contact')
        return refuse({ allowed: false, reason: 'first-contact-upload', miss: false });
      const settings = this.#settingsOf(device, await this.#view.profiles());
      const limitSetting = settings['provisioning.upload_limit'];
      const limit = typeof limitSetting === 'number' ? limitSetting : UPLOAD_LIMIT;
      if (body.declaredLength !== undefined && body.declaredLength > limit)
        return done(413, 'upload-too-large');
      // Read by hand, not with for-await: leaving that loop early would destroy the request,
      // and the door still has to answer on its socket.
      const chunks = (body.stream as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
      const counted = (async function* (): AsyncGenerator<Buffer> {
        for (;;) {
          const next = await chunks.next();
          if (next.done) return;
          received += next.value.length;
          if (received > limit) throw new UploadTooLarge();
          yield next.value;
        }
      })();
      // A phone that shows it has its credentials has had its first contact.
      if (verdict.via === 'credentials' || verdict.via === 'previous-credentials')
        void this.#access
          .delivered(device, {
            installsCredentials: false,
            via: verdict.via,
            client,
            file: segments.join('/'),
          })
          .catch(() => undefined);
      try {
        if (settings['provisioning.uploads'] === 'store') {
          await this.#store.putFile(
            uploadPath(device.mac, claim.name),
            Readable.from(counted),
            uploadType(claim.name),
          );
          return done(204, 'upload-stored', { bodyLeft: false });
        }
        for await (const _chunk of counted) {
          // Read and dropped: the phone is answered, nothing is kept.
        }
        return done(204, 'upload-discarded', { bodyLeft: false });
      } catch (error) {
        if (error instanceof UploadTooLarge) return done(413, 'upload-too-large');
        throw error;
      }
    } catch {
      // A store outage or a broken body: nothing is kept, the phone is told so plainly.
      return done(500, 'internal-error');
    }
  }

  /**
   * What a client may list (FTP LIST/NLST): the files of the device whose credentials it
   * logged in with, nothing to anyone else. One event, like any request.
   */
  async listing(request: ProvisioningRequest): Promise<string[]> {
    const started = performance.now();
    const at = this.#now();
    const client = this.#access.clientAddress(request);
    let names: string[] = [];
    let device: Device | undefined;
    const username = request.credentials?.username;
    const mac = username && this.#access.blocked(client) !== 'all' ? findMac(username) : undefined;
    try {
      device = mac ? await this.#view.device(mac) : undefined;
      if (device) {
        const policy = await this.#policyFor(device);
        const verdict =
          policy.policy === 'device-credentials'
            ? await this.#access.decide({
                request,
                client,
                policy,
                device,
                mac: device.mac,
                found: true,
              })
            : undefined;
        if (verdict?.allowed && verdict.via !== 'first-contact') {
          names = this.#driverFor(device.vendor)?.files(device.mac) ?? [];
        } else {
          device = undefined;
        }
      }
    } catch {
      device = undefined;
    }
    this.#record(
      request,
      {
        segments:
          normalisePath(request.rawPath, { percentEncoded: false, backslashIsSeparator: true }) ??
          [],
        ...(device ? { device, mac: device.mac } : {}),
      },
      at,
      started,
      { status: 200, bytes: names.join('\r\n').length, reason: 'list' },
      undefined,
      client,
    );
    return names;
  }

  /** The access verdict without awaiting, when the cached policy allows one (see decideAtOnce). */
  #authoriseAtOnce(
    request: ProvisioningRequest,
    identified: Identified,
    client: string,
    found: boolean,
    generation: number,
  ): AccessVerdict | undefined {
    const policy = this.#policies.get(generation, identified.device?.mac ?? '');
    if (policy === undefined) return undefined;
    return this.#access.decideAtOnce({
      request,
      client,
      policy,
      found,
      device: identified.device,
      mac: identified.mac,
    });
  }

  async #authorise(
    request: ProvisioningRequest,
    identified: Identified,
    client: string,
    found: boolean,
  ): Promise<AccessVerdict> {
    try {
      const policy = await this.#policyFor(identified.device);
      return await this.#access.decide({
        request,
        client,
        policy,
        found,
        ...(identified.device ? { device: identified.device } : {}),
        ...(identified.mac ? { mac: identified.mac } : {}),
      });
    } catch {
      // A store outage must not open anything.
      return { allowed: false, reason: 'internal-error', miss: false };
    }
  }

  /** One refusal: counted against the address, answered after the floor, recorded once. */
  async #refuse(
    request: ProvisioningRequest,
    identified: Identified,
    verdict: Refusal,
    when: { at: Date; started: number; client: string },
  ): Promise<Answer> {
    if (verdict.miss) this.#access.miss(when.client, request.transport, verdict.guess === true);
    await this.#floor(when.started);
    const challenge = verdict.authenticated
      ? undefined
      : await this.#access
          .challenge(request, await this.#policyFor(undefined), verdict.stale === true)
          .catch(() => undefined);
    const answer: Omit<Answer, 'done'> = challenge
      ? { status: 401, contentType: NOT_FOUND_TYPE, size: 0, challenge }
      : notFound();
    return new PipelineAnswer(
      answer,
      {
        request,
        identified,
        device: identified.device,
        at: when.at,
        started: when.started,
        size: answer.size,
        reason: verdict.reason,
        client: when.client,
        delivered: undefined,
      },
      this.#finish,
    );
  }

  async #floor(started: number): Promise<void> {
    const wait = started + this.#missFloorMs - performance.now();
    if (wait > 0) await delay(wait);
  }

  /** The access settings of a device's effective settings, or the server's for no device. */
  async #policyFor(device: Device | undefined): Promise<PolicySettings> {
    const generation = this.#view.generation;
    const key = device?.mac ?? '';
    const cached = this.#policies.get(generation, key);
    if (cached) return cached;
    const profiles = await this.#view.profiles();
    // Devices of one chain with no access settings of their own share one policy (and its
    // network set) rather than each making its own.
    const shape = device ? policyShape(device) : '';
    let policy = this.#chainPolicies.get(generation, shape);
    if (!policy) {
      policy = policySettings(this.#settingsOf(device, profiles));
      this.#chainPolicies.set(generation, shape, policy);
    }
    return this.#policies.set(generation, key, policy);
  }

  /**
   * A device's (or with none, the defaults' and `default` profile's) effective settings: the
   * profile chain's merge is made once for the profiles the view holds, the device's own
   * settings laid over a copy.
   */
  #settingsOf(
    owner: Pick<Device, 'profiles' | 'settings'> | undefined,
    profiles: ReadonlyMap<string, Profile>,
  ): Settings {
    if (this.#chains.profiles !== profiles) this.#chains = { profiles, merged: new Map() };
    const names = owner?.profiles ?? [];
    const key = names.join('\0');
    let chain = this.#chains.merged.get(key);
    if (!chain) {
      chain = chainSettings(names, profiles);
      setBounded(this.#chains.merged, key, chain, CHAINS);
    }
    return owner ? withOwnSettings(chain, owner.settings) : { ...chain };
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
      this.#answers.get(generation, key) ?? (await this.#resolve(request, generation, key, hint))
    );
  }

  async #resolve(
    asked: ProvisioningRequest,
    generation: number,
    memoKey: string,
    recent?: RecentDevice,
  ): Promise<Memo> {
    let identified: Identified = { segments: [] };
    const request = withFileNameQuery(asked);
    try {
      const segments = normalisePath(request.rawPath, {
        percentEncoded: request.transport === 'http' || request.transport === 'https',
        backslashIsSeparator: request.transport === 'tftp' || request.transport === 'ftp',
      });
      if (!segments) return { identified, answer: notFound(), reason: 'bad-path' };
      identified = await this.#identify(segments, request, recent);
      const served = await this.#serve(identified, request);
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

  /**
   * Renders one of a device's files as its phone would receive it (`plugndial render`);
   * `withheld` says why a file the phone asks for is not served.
   */
  async preview(
    mac: Mac,
    fileName: string,
    origin: string,
  ): Promise<{
    artifact?: CachedArtifact;
    explanation?: Explanation;
    driver?: string;
    withheld?: KeyProblem;
  }> {
    const device = await this.#store.getDevice(mac);
    if (!device) return {};
    const driver = this.#driverFor(device.vendor);
    const recognition = driver?.recognise({
      segments: fileName.split('/').filter((s) => s !== ''),
      query: '',
      transport: 'http',
    });
    if (!driver || !recognition) return {};
    const context = await this.#context(driver, recognition, {
      device,
      vendor: device.vendor,
      baseUrl: origin,
    });
    const artifact = await this.#renderCached(
      driver,
      recognition,
      { vendor: device.vendor, device, location: `${origin}/${fileName}` },
      async () => context,
    );
    const withheld = artifact
      ? undefined
      : configKeyProblem(driver.configKeys, device.vendor, context.settings);
    return {
      driver: driver.name,
      ...(artifact ? { artifact } : {}),
      explanation: driver.explain(recognition, context),
      ...(withheld && driver.configKeys?.encrypts(recognition) ? { withheld } : {}),
    };
  }

  /** The file names a device has, as its driver names them. */
  async deviceFiles(mac: Mac): Promise<string[]> {
    const device = await this.#store.getDevice(mac);
    if (!device) return [];
    // A driver lists every file its phones may ask for; some exist only with some settings
    // (a category without content, a single-file layout), and those are left out; one that
    // is withheld (encrypted under a key that does not fit) is listed: the phone asks for it.
    const present: string[] = [];
    for (const file of this.#driverFor(device.vendor)?.files(mac) ?? []) {
      const preview = await this.preview(mac, file, 'http://localhost');
      if (preview.artifact || preview.withheld) present.push(file);
    }
    return present;
  }

  #driverFor(vendor: string): Driver | undefined {
    return this.#drivers.find((d) => d.vendors.includes(vendor));
  }

  async #identify(
    segments: string[],
    request: ProvisioningRequest,
    recent?: RecentDevice,
  ): Promise<Identified> {
    const image = catalogueImagePath(segments, this.#drivers);
    if (image) {
      const agent = request.userAgent ? this.#parseAgent(request.userAgent) : undefined;
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
    const agent = request.userAgent ? this.#parseAgent(request.userAgent) : undefined;
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
        ? await this.#store.deviceBySerial(serial)
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
    // A phone that names no device and no vendor: the vendor of the device that asked from its
    // address just before, else the default profile's choice, else the driver's own.
    const vendor = speaks(fileDevice?.vendor)
      ? fileDevice.vendor
      : speaks(agent?.vendor)
        ? agent.vendor
        : speaks(recent?.vendor)
          ? recent.vendor
          : await this.#commonDialect(best.driver);
    const shared = !best.recognition.needsDevice && mac === undefined && configName === undefined;
    const tiedDevice = shared && recent?.mac ? await this.#view.device(recent.mac) : undefined;
    const tied = tiedDevice && speaks(tiedDevice.vendor) ? tiedDevice : undefined;
    return {
      ...(shared ? { shared } : {}),
      ...(tied ? { tied } : {}),
      segments,
      driver: best.driver,
      recognition: best.recognition,
      mac: byName?.mac ?? mac,
      device: byName ?? device,
      vendor,
      reported: { ...agent?.reported, ...best.recognition.reported },
      ...(owner && 'profile' in owner ? { profile: owner.profile } : {}),
      ...(configName !== undefined && !byName && !(owner && 'profile' in owner)
        ? { unnamed: true }
        : {}),
    };
  }

  /** `provisioning.common_dialect` of the defaults and the default profile, if this driver speaks it. */
  async #commonDialect(driver: Driver): Promise<string> {
    const chosen = this.#settingsOf(undefined, await this.#view.profiles())[COMMON_DIALECT];
    return typeof chosen === 'string' && driver.vendors.includes(chosen)
      ? chosen
      : driver.defaultVendor;
  }

  #parseAgent(
    userAgent: string,
  ): { vendor: string; mac?: Mac; reported: Device['reported'] } | undefined {
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

  async #serve(
    identified: Identified,
    request: ProvisioningRequest,
  ): Promise<{ answer: Omit<Answer, 'done'>; reason?: string; installsCredentials?: boolean }> {
    const { driver, recognition, device, vendor } = identified;
    if (identified.image) return this.#firmwareAnswer(identified.image);
    if (!driver || !recognition || !vendor || identified.unnamed)
      return this.#overlay(identified.segments);
    if (recognition.needsDevice && !device) return { answer: notFound(), reason: 'unknown-device' };
    const prefix = recognition.prefix.map((s) => encodeSegment(s, request.transport)).join('/');
    const baseUrl = `${request.origin}/${prefix ? `${prefix}/` : ''}`;
    const fileDevice =
      recognition.needsDevice || (recognition.configName !== undefined && !identified.profile)
        ? device
        : undefined;
    // A firmware manifest or image that carries no MAC is still this device's when its
    // User-Agent or its address's recent requests say so: its own firmware.version decides.
    const firmwareDevice =
      !fileDevice && (recognition.kind === 'manifest' || recognition.kind === 'firmware')
        ? [device, identified.tied].find(
            (d) => d !== undefined && driver.vendors.includes(d.vendor),
          )
        : undefined;
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
        await this.#context(driver, recognition, facts),
      );
      const image = ref && (await this.#store.openFirmware(ref));
      if (ref && image) return this.#firmwareAnswer({ ...ref, fileName: image.fileName });
      // Not the catalogue's: maybe a file the operator stored there (a Prom_file).
      const stored = await this.#overlay(identified.segments);
      return stored.answer.status === 200 ? stored : { answer: notFound(), reason: 'no-firmware' };
    }
    // The cache is asked first: a warm file costs no settings merge and no render.
    const artifact = await this.#renderCached(
      driver,
      recognition,
      {
        vendor,
        device: fileDevice ?? firmwareDevice,
        location: `${baseUrl}${identified.segments.join('/')}`,
        // Renders may depend on what the phone reports (firmware targets): part of the key.
        facts: `${facts.reported.model ?? ''}|${facts.reported.firmware ?? ''}|${identified.profile ?? ''}`,
      },
      () => this.#context(driver, recognition, facts),
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

  async #context(
    driver: Driver,
    recognition: Recognition,
    facts: {
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
    },
  ): Promise<RenderContext> {
    const { device, vendor } = facts;
    const baseUrl = facts.baseUrl.endsWith('/') ? facts.baseUrl : `${facts.baseUrl}/`;
    const profiles = await this.#view.profiles();
    // Common files are shared by every phone: they carry the defaults, never one device's values.
    const settings = this.#settingsOf(
      device ?? facts.firmwareOf ?? settingsOwner(undefined, facts.profile),
      profiles,
    );
    const reported = { ...(facts.reported ?? device?.reported) };
    const model =
      facts.requested?.model ?? device?.model ?? facts.firmwareOf?.model ?? reported.model;
    const firmware = await this.#firmwareTarget(
      settings,
      vendor,
      model,
      reported.firmware,
      baseUrl,
    );
    const accessories = await this.#accessoryFirmware(settings, vendor, baseUrl);
    const contacts = await this.#contacts(device, facts.profile, profiles);
    // What the access policy asks of this phone from now on; only its own files carry it.
    const credentials = device
      ? await this.#access.credentialsFor(device, policySettings(settings))
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
   * Why a recognised file rendered to nothing, when the operator can fix it: it should be
   * encrypted and the key does not fit the vendor. The phone still gets the same 404.
   */
  async #withheld(
    driver: Driver,
    recognition: Recognition,
    vendor: string,
    facts: { device: Device | undefined; profile?: string },
  ): Promise<KeyProblem | undefined> {
    if (!driver.configKeys?.encrypts(recognition)) return undefined;
    const owner = settingsOwner(facts.device, facts.profile);
    const settings = this.#settingsOf(owner, await this.#view.profiles());
    return configKeyProblem(driver.configKeys, vendor, settings);
  }

  /**
   * The catalogue image `firmware.version` names for this vendor and model, unless the phone
   * reports that it runs it already. A phone that reports nothing is offered the image and
   * compares for itself.
   */
  async #firmwareTarget(
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

  /** Streams a catalogue image; any miss is the same 404 as every missing file. */
  async #firmwareAnswer(
    ref: FirmwareRef & { fileName: string },
  ): Promise<{ answer: Omit<Answer, 'done'>; reason?: string }> {
    const image = await this.#store.openFirmware(ref);
    if (!image || image.fileName !== ref.fileName)
      return { answer: notFound(), reason: 'no-firmware' };
    return {
      answer: {
        status: 200,
        contentType: image.contentType,
        size: image.size,
        etag: `"${image.sha256.slice(0, 27)}"`,
        open: (range) => image.stream(range),
      },
    };
  }

  /**
   * A rendered file by its version key: driver, vendor, device, location and the store
   * generation. Anything else a render depends on must be added to the key.
   */
  async #renderCached(
    driver: Driver,
    recognition: Recognition,
    key: { vendor: string; device: Device | undefined; location: string; facts?: string },
    context: () => Promise<RenderContext>,
  ): Promise<CachedArtifact | null> {
    const generation = this.#view.generation;
    const id = `${driver.name}|${key.vendor}|${key.device?.mac ?? ''}|${key.location}|${key.facts ?? ''}`;
    const cached = this.#renders.get(generation, id);
    if (cached !== undefined) return cached;
    return this.#renders.set(generation, id, withEtag(driver.render(recognition, await context())));
  }

  async #overlay(segments: string[]): Promise<{ answer: Omit<Answer, 'done'>; reason?: string }> {
    // An overlay file may be asked for under any prefix: try the full path, then shorter tails.
    for (let i = 0; i < segments.length; i++) {
      const found = await this.#overlayFile(segments.slice(i).join('/'));
      if (found.answer.status === 200) return found;
    }
    return { answer: notFound(), reason: 'no-such-file' };
  }

  async #overlayFile(path: string): Promise<{ answer: Omit<Answer, 'done'>; reason?: string }> {
    const file = await this.#store.openFile(path);
    if (!file) return { answer: notFound(), reason: 'no-such-file' };
    return {
      answer: {
        status: 200,
        contentType: file.contentType,
        size: file.size,
        etag: `"${file.sha256.slice(0, 27)}"`,
        open: (range) => file.stream(range),
      },
    };
  }

  /** Records a request once its transfer ended; a file fully delivered also tells access. */
  readonly #finish = (delivery: Delivery, outcome: TransferOutcome): void => {
    const { request, identified, device, delivered, client } = delivery;
    this.#record(
      request,
      identified,
      delivery.at,
      delivery.started,
      outcome,
      delivery.reason,
      client,
      device,
    );
    if (!delivered || outcome.status !== 200 || outcome.bytes < delivery.size) return;
    if (delivered.via === 'one-time') this.#access.revoke(request.credentials!.username);
    if (device) {
      void this.#access
        .delivered(device, {
          installsCredentials: delivered.installsCredentials,
          via: delivered.via,
          client,
          file: identified.segments.join('/'),
        })
        .catch(() => undefined);
    }
  };

  #record(
    request: ProvisioningRequest,
    identified: Identified,
    at: Date,
    started: number,
    outcome: TransferOutcome,
    reason: string | undefined,
    client: string = request.remoteAddress,
    device: Device | undefined = identified.device,
  ): void {
    const file =
      identified.segments.length > 0
        ? identified.segments.join('/')
        : request.rawPath.slice(0, 256);
    // Built field by field, not with conditional spreads: this runs once per phone request.
    const event: ProvisioningEvent = {
      at: at.toISOString(),
      file,
      transport: request.transport,
      address: client,
      status: outcome.status,
      bytes: outcome.bytes,
      durationMs: Math.round((performance.now() - started) * 1000) / 1000,
    };
    if (identified.mac) event.mac = identified.mac;
    if (identified.driver) event.driver = identified.driver.name;
    if (request.userAgent) event.userAgent = request.userAgent.slice(0, 256);
    if (outcome.retransmissions) event.retransmissions = outcome.retransmissions;
    const why = outcome.reason ?? reason;
    if (why) event.reason = why;
    publishRequest(
      event,
      device?.vendor ?? identified.vendor ?? 'unknown',
      identified.recognition?.kind ?? (identified.image ? 'firmware' : 'other'),
    );
    if (!device) {
      this.#recorder.record(event);
      return;
    }
    const reported = identified.reported;
    // Facts the device (as this node last read it) already has are no news: the contact may
    // wait for the next of the recorder's contact writes.
    this.#recorder.record(
      event,
      lastContactOf(event, device.mac, reported),
      reported !== undefined && isNews(device.reported, reported),
    );
  }
}

/** A fact in `facts` that `known` lacks or holds otherwise. */
function isNews(known: Device['reported'], facts: NonNullable<Device['reported']>): boolean {
  for (const key in facts) {
    const name = key as keyof typeof facts;
    if (facts[name] !== undefined && known?.[name] !== facts[name]) return true;
  }
  return false;
}

/** What recording one request takes, from its answer to the end of its transfer. */
interface Delivery {
  request: ProvisioningRequest;
  identified: Identified;
  device: Device | undefined;
  at: Date;
  started: number;
  size: number;
  /** The event's reason unless the transfer names its own. */
  reason: string | undefined;
  client: string;
  /** How access let a file through; undefined for a refusal. */
  delivered: { via: AccessVia; installsCredentials: boolean } | undefined;
}

/**
 * One request's answer: `done` records it once. The request's facts ride on the answer, not
 * in a closure made per request (under tsx each closure also gets its name defined, which
 * costs more than the rest of a warm answer). Fields are copied one by one, never with
 * `{ ...answer }`: Node 20's V8 gives a spread copy that gains a key a hidden class of its
 * own, and every door reading it would miss its property caches.
 */
class PipelineAnswer implements Answer {
  readonly status: Answer['status'];
  readonly challenge: AuthChallenge | undefined;
  readonly contentType: string;
  readonly size: number;
  readonly etag: string | undefined;
  readonly body: Buffer | undefined;
  readonly open: Answer['open'];
  #delivery: Delivery | undefined;
  readonly #finish: (delivery: Delivery, outcome: TransferOutcome) => void;

  constructor(
    answer: Omit<Answer, 'done'>,
    delivery: Delivery,
    finish: (delivery: Delivery, outcome: TransferOutcome) => void,
  ) {
    this.status = answer.status;
    this.challenge = answer.challenge;
    this.contentType = answer.contentType;
    this.size = answer.size;
    this.etag = answer.etag;
    this.body = answer.body;
    this.open = answer.open;
    this.#delivery = delivery;
    this.#finish = finish;
  }

  done(outcome: TransferOutcome): void {
    const delivery = this.#delivery;
    if (delivery === undefined) return;
    this.#delivery = undefined;
    this.#finish(delivery, outcome);
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

function notFound(): Omit<Answer, 'done'> {
  return { status: 404, contentType: NOT_FOUND_TYPE, size: 0 };
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

/**
 * TFTP and FTP carry a file name only; a phone that must send a query (the Plug-n-Dial app
 * request, Fanvil's `input.cfg?input=…`) sends it inside the name, after a `?`.
 */
function withFileNameQuery(request: ProvisioningRequest): ProvisioningRequest {
  if (request.transport !== 'tftp' && request.transport !== 'ftp') return request;
  if (request.query) return request;
  const q = request.rawPath.indexOf('?');
  if (q < 0) return request;
  return { ...request, rawPath: request.rawPath.slice(0, q), query: request.rawPath.slice(q + 1) };
}

function encodeSegment(segment: string, transport: string): string {
  return transport === 'http' || transport === 'https' ? encodeURIComponent(segment) : segment;
}

/**
 * Whose settings a file carries: the device's; for a user-named file of a profile, that
 * profile's; for a common file the defaults only, never one device's values.
 */
/** Profile chains kept merged: sites have a few dozen. */
const CHAINS = 1000;

/** What decides a device's access settings: its profile chain and its own provisioning.* keys. */
function policyShape(device: Device): string {
  let own = '';
  for (const key in device.settings) {
    if (key.startsWith('provisioning.')) own += `\0${key}=${JSON.stringify(device.settings[key])}`;
  }
  return `${device.profiles.join('\0')}\u0001${own}`;
}

function settingsOwner(
  device: Device | undefined,
  profile: string | undefined,
): Pick<Device, 'profiles' | 'settings'> | undefined {
  return device ?? (profile !== undefined ? { profiles: [profile], settings: {} } : undefined);
}

/** The stored file an upload is kept as: per device, by the name the phone gave it. */
function uploadPath(mac: Mac, name: string): string {
  return `${UPLOADS}/${mac}/${name}`;
}

function uploadType(name: string): string {
  if (/\.xml$/i.test(name)) return 'application/xml';
  return 'text/plain; charset=utf-8';
}

class UploadTooLarge extends Error {}
