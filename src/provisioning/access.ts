// The pipeline's authorise stage: may this client have this file? It judges the facts the
// doors extracted (credentials, client certificate, address, FTP login) against the
// device's `provisioning.access` policy. It knows no vendor and no transport's syntax.

import { randomBytes } from 'node:crypto';

import {
  NonceKeeper,
  safeEqual,
  verifyDigest,
  type AuthChallenge,
  type DigestAlgorithm,
  type PresentedCredentials,
} from '../crypto/http-auth.ts';
import { NetworkSet } from '../model/cidr.ts';
import {
  generateCredentials,
  type DeviceCredentials,
  type SecurityEvent,
} from '../model/credentials.ts';
import type { Device } from '../model/device.ts';
import { findMac, parseMac, type Mac } from '../model/mac.ts';
import type { AccessPolicy, Settings } from '../model/settings.ts';
import type { Logger } from '../log.ts';
import type { Store } from '../store/store.ts';
import { clientAddress } from './client-address.ts';
import type { ConfigurationView } from './configuration-view.ts';
import { GenerationCache } from './generation-cache.ts';
import { isGrantName, OneTimeGrants } from './one-time-grants.ts';
import type { ClientCertificate, LoginAttempt, ProvisioningRequest } from './request.ts';
import { DEFAULT_THROTTLE, MissThrottle, type ThrottleLimits } from './throttle.ts';

/** Server-wide access configuration (flags of `plugndial serve`). */
export interface AccessConfig {
  /** Proxies whose `X-Forwarded-For` is believed. */
  trustedProxies?: readonly string[];
  throttle?: ThrottleLimits;
  /** Digest realm; phones show it when they ask their user. */
  realm?: string;
}

/** A device's policy, read from its effective settings. */
export interface PolicySettings {
  policy: AccessPolicy;
  networks: NetworkSet;
  shared?: { username: string; password: string };
  firstContactMs: number;
  graceMs: number;
  algorithms: readonly DigestAlgorithm[];
}

export type AccessVia =
  | 'open'
  | 'network'
  | 'credentials'
  | 'previous-credentials'
  | 'certificate'
  | 'first-contact'
  /** Credentials another door handed out for one file (the ACS's Download). */
  | 'one-time';

export type AccessVerdict =
  | {
      allowed: true;
      via: AccessVia;
      /** The device the credentials or certificate name, when the path named none. */
      device?: Device;
    }
  | {
      allowed: false;
      /** A short code for the event; never a secret. */
      reason: string;
      /** Counts towards the address's miss limit. */
      miss: boolean;
      /** Wrong credentials were presented: a guess, counted apart from anonymous refusals. */
      guess?: boolean;
      /** The client's Digest nonce had expired: challenge again with stale=true. */
      stale?: boolean;
      /** The client proved who it is: "not found" rather than another challenge. */
      authenticated?: boolean;
    };

export type Refusal = Extract<AccessVerdict, { allowed: false }>;

export interface AccessQuestion {
  request: ProvisioningRequest;
  /** The client's address, after trusted proxies. */
  client: string;
  policy: PolicySettings;
  /** The device the path or User-Agent named, if it is in the store. */
  device?: Device;
  /** The MAC the path or User-Agent named, device or not. */
  mac?: Mac;
  /** The file exists for this request (a 200 if allowed). */
  found: boolean;
}

const REALM = 'plugndial';

/** Reads `provisioning.*` access keys from effective settings. */
export function policySettings(settings: Settings): PolicySettings {
  const policy = (settings['provisioning.access'] as AccessPolicy | undefined) ?? 'open';
  const networks = settings['provisioning.networks'];
  const username = settings['provisioning.username'];
  const password = settings['provisioning.password'];
  const algorithms = String(settings['provisioning.digest_algorithms'] ?? 'sha-256,md5')
    .split(',')
    .map((a): DigestAlgorithm => (a === 'md5' ? 'MD5' : 'SHA-256'));
  return {
    policy,
    networks: new NetworkSet(Array.isArray(networks) ? networks : []),
    ...(typeof username === 'string' && typeof password === 'string' && password !== ''
      ? { shared: { username, password } }
      : {}),
    firstContactMs: Number(settings['provisioning.first_contact_window'] ?? 600) * 1000,
    graceMs: Number(settings['provisioning.credential_grace'] ?? 604_800) * 1000,
    algorithms,
  };
}

export function needsCredentials(policy: AccessPolicy): boolean {
  return policy === 'shared-credentials' || policy === 'device-credentials';
}

/**
 * Decides every request after the answer memo: the memo holds what a path resolves to,
 * never who may have it, so one client's credentials never serve another.
 */
export class AccessControl {
  readonly #store: Store;
  readonly #view: ConfigurationView;
  readonly #now: () => Date;
  readonly #log: Logger | undefined;
  readonly #nonces = new NonceKeeper();
  /**
   * Refusals of requests that proved nothing (no credentials, no certificate), the same for
   * a known MAC, an unknown one and a missing file, so the block tells nothing about which
   * MACs are devices. Every Digest exchange starts with one, so a blocked address is still
   * served whatever valid credentials or a certificate open (phones behind one NAT).
   */
  readonly #anonymous: MissThrottle;
  /** Wrong credentials: blocks everything from the address, valid credentials included. */
  readonly #guesses: MissThrottle;
  readonly #proxies: NetworkSet;
  readonly #realm: string;
  /** Credentials by device, for this generation (a rotation is a configuration change). */
  readonly #credentials = new GenerationCache<DeviceCredentials>(100_000);
  readonly #inUse = new GenerationCache<boolean>(1);
  readonly #grants = new OneTimeGrants();

  constructor(options: {
    store: Store;
    view: ConfigurationView;
    now: () => Date;
    config?: AccessConfig;
    log?: Logger;
  }) {
    this.#store = options.store;
    this.#view = options.view;
    this.#now = options.now;
    this.#log = options.log;
    this.#anonymous = new MissThrottle(options.config?.throttle ?? DEFAULT_THROTTLE);
    this.#guesses = new MissThrottle(options.config?.throttle ?? DEFAULT_THROTTLE);
    this.#proxies = new NetworkSet(options.config?.trustedProxies ?? []);
    this.#realm = options.config?.realm ?? REALM;
  }

  /** The client's address, through the trusted proxies (client-address.ts). */
  clientAddress(request: ProvisioningRequest): string {
    return clientAddress(request, this.#proxies);
  }

  /**
   * How far the address is blocked: `all` after too many wrong credentials, `anonymous`
   * (only what valid credentials or a certificate open) after too many other refusals.
   */
  blocked(client: string): 'all' | 'anonymous' | undefined {
    const now = this.#now().getTime();
    if (this.#guesses.isBlocked(client, now)) return 'all';
    return this.#anonymous.isBlocked(client, now) ? 'anonymous' : undefined;
  }

  /** Whether an anonymous-blocked address may still be served this way. */
  static proven(via: AccessVia): boolean {
    return via !== 'open' && via !== 'network' && via !== 'first-contact';
  }

  /** Counts a miss; the one that crosses the limit blocks the address and is recorded. */
  miss(client: string, transport: string, guess = false): void {
    const now = this.#now();
    const throttle = guess ? this.#guesses : this.#anonymous;
    if (!throttle.miss(client, now.getTime())) return;
    const { misses, windowMs, blockMs } = throttle.limits;
    const what = guess ? 'wrong credentials' : 'refusals without credentials';
    const scope = guess ? 'everything' : 'all but valid credentials';
    const detail = `more than ${misses} ${what} in ${windowMs / 1000} s over ${transport}; ${scope} refused for ${blockMs / 1000} s`;
    this.#log?.('warn', 'address blocked', { address: client, reason: detail });
    this.#security({ at: now.toISOString(), kind: 'address-blocked', address: client, detail });
  }

  /**
   * The challenge a refused or missing request gets over HTTP(S): one for every path alike
   * whenever some device, profile or the server asks for credentials, so that a protected
   * device and an unknown MAC look the same. Algorithms come from the server's defaults.
   */
  async challenge(
    request: ProvisioningRequest,
    server: PolicySettings,
    stale: boolean,
  ): Promise<AuthChallenge | undefined> {
    if (!isHttp(request) || !(await this.#credentialsInUse(server))) return undefined;
    return {
      realm: this.#realm,
      nonce: this.#nonces.mint(this.#now()),
      algorithms: server.algorithms,
      basic: request.transport === 'https',
      stale,
    };
  }

  async #credentialsInUse(server: PolicySettings): Promise<boolean> {
    if (needsCredentials(server.policy)) return true;
    const generation = this.#view.generation;
    const cached = this.#inUse.get(generation, 'in-use');
    if (cached !== undefined) return cached;
    const policies = await this.#store.accessPoliciesInUse();
    const inUse = policies.some((p) => needsCredentials(p as AccessPolicy));
    return this.#inUse.set(generation, 'in-use', inUse);
  }

  /**
   * Credentials that open one file of one device, for `ttlMs` or until the file is delivered
   * once (`revoke`): what the ACS writes into a Download so the CPE can fetch from the HTTP door.
   */
  grant(mac: Mac, path: string, ttlMs: number): { username: string; password: string } {
    return this.#grants.grant(mac, path, ttlMs, this.#now().getTime());
  }

  revoke(username: string): void {
    this.#grants.revoke(username);
  }

  async decide(question: AccessQuestion): Promise<AccessVerdict> {
    const oneTime = await this.#oneTime(question);
    if (oneTime) return oneTime;
    const { policy } = question;
    switch (policy.policy) {
      case 'open':
      case 'networks':
        return byAddress(question);
      case 'client-certificate':
        return this.#byCertificate(question);
      case 'shared-credentials':
      case 'device-credentials':
        return this.#byCredentials(question);
    }
  }

  /**
   * The verdict when it needs neither the store nor a credential check: the open and
   * network policies, with no one-time grant presented. Undefined otherwise: ask `decide`.
   * A boot storm is nearly all such requests, and each saved await is saved per request.
   */
  decideAtOnce(question: AccessQuestion): AccessVerdict | undefined {
    if (question.request.credentials && isGrantName(question.request.credentials.username))
      return undefined;
    const kind = question.policy.policy;
    return kind === 'open' || kind === 'networks' ? byAddress(question) : undefined;
  }

  /** The credentials a device's own files carry under its policy; created on first need. */
  async credentialsFor(
    device: Device,
    policy: PolicySettings,
  ): Promise<{ username: string; password: string } | undefined> {
    if (policy.policy === 'shared-credentials') return policy.shared;
    if (policy.policy !== 'device-credentials') return undefined;
    const row = await this.#deviceCredentials(device.mac, true);
    return row && { username: row.username, password: row.password };
  }

  /**
   * A file went out whole. When it carried the device's credentials (or the phone already
   * showed it has them), the first-contact window closes for good.
   */
  async delivered(
    device: Device,
    options: { installsCredentials: boolean; via: AccessVia; client: string; file: string },
  ): Promise<void> {
    const authenticated = options.via === 'credentials' || options.via === 'previous-credentials';
    if (!options.installsCredentials && !authenticated) return;
    const row = await this.#deviceCredentials(device.mac, false);
    if (!row || row.firstContact.closedAt) return;
    const at = this.#now();
    const closed = await this.#store.markFirstContact(device.mac, 'closed', at);
    if (closed) this.#credentials.set(this.#view.generation, device.mac, closed);
    this.#security({
      at: at.toISOString(),
      kind: 'first-contact-closed',
      address: options.client,
      mac: device.mac,
      detail: authenticated
        ? 'the phone presented its credentials'
        : `credentials delivered in ${options.file.slice(0, 120)}`,
    });
  }

  /**
   * Whether the request carries valid credentials of some device or the server's shared
   * ones, whatever the policy that let it through: such a client is told "not found", as
   * it would be for a protected device that is not its own.
   */
  async proves(request: ProvisioningRequest, server: PolicySettings): Promise<boolean> {
    if (!request.credentials) return false;
    const asDevice = await this.#check(
      request.credentials,
      { ...server, policy: 'device-credentials' },
      request,
    );
    if (asDevice.ok) return true;
    if (!server.shared) return false;
    const asShared = await this.#check(
      request.credentials,
      { ...server, policy: 'shared-credentials' },
      request,
    );
    return asShared.ok;
  }

  /** FTP PASS: anonymous always logs in (files are judged one by one); others must be right. */
  async login(attempt: LoginAttempt, policy: PolicySettings, client: string): Promise<boolean> {
    if (this.blocked(client) === 'all') return false;
    if (!needsCredentials(policy.policy)) return true;
    const presented: PresentedCredentials = {
      scheme: 'login',
      username: attempt.username,
      password: attempt.password,
    };
    const found = await this.#check(presented, policy, {
      transport: attempt.transport,
      remoteAddress: attempt.remoteAddress,
      rawPath: '/',
      origin: '',
    });
    if (found.ok) return true;
    this.miss(client, attempt.transport, true);
    return false;
  }

  /** Valid one-time credentials for this very path open it, whatever the device's policy. */
  async #oneTime(question: AccessQuestion): Promise<AccessVerdict | undefined> {
    const { request } = question;
    const presented = request.credentials;
    if (!presented) return undefined;
    const grant = this.#grants.find(presented.username, this.#now().getTime());
    if (!grant) return undefined;
    if (grant.path !== request.rawPath || (question.mac && question.mac !== grant.mac))
      return undefined;
    if (presented.scheme === 'basic' && request.transport !== 'https') return undefined;
    if (
      presented.scheme === 'digest' &&
      this.#nonces.check(presented.nonce, this.#now()) !== 'fresh'
    )
      return undefined;
    const ok = matches(
      presented,
      { username: presented.username, password: grant.password },
      {
        method: request.method ?? 'GET',
        target: `${request.rawPath}${request.query ? `?${request.query}` : ''}`,
        realm: this.#realm,
        algorithms: ['SHA-256', 'MD5'],
      },
    );
    if (!ok) return undefined;
    const device = question.device ?? (await this.#view.device(grant.mac));
    return { allowed: true, via: 'one-time', ...(device ? { device } : {}) };
  }

  async #byCredentials(question: AccessQuestion): Promise<AccessVerdict> {
    const { request, policy, found } = question;
    const presented = request.credentials;
    if (presented) {
      const checked = await this.#check(presented, policy, request);
      if (checked.ok) {
        // Another device's credentials open nothing of this one's: as if it were not there.
        if (question.mac && checked.device && checked.device.mac !== question.mac) {
          return {
            allowed: false,
            reason: 'credentials-of-another-device',
            miss: true,
            guess: true,
            authenticated: true,
          };
        }
        return {
          allowed: true,
          via: checked.previous ? 'previous-credentials' : 'credentials',
          ...(checked.device ? { device: checked.device } : {}),
        };
      }
      if (checked.stale) return { allowed: false, reason: 'stale-nonce', miss: false, stale: true };
      return { allowed: false, reason: checked.reason, miss: true, guess: true };
    }
    if (question.device && (await this.#firstContactOpen(question))) {
      return { allowed: true, via: 'first-contact' };
    }
    // Known MAC or not, file or not: the same 401 outside, so the same count inside. (Every
    // Digest exchange starts here; valid credentials pass an address blocked for it.)
    return { allowed: false, reason: found ? 'unauthorised' : 'unauthorised-miss', miss: true };
  }

  async #byCertificate(question: AccessQuestion): Promise<AccessVerdict> {
    const certificate = question.request.clientCertificate;
    if (!certificate?.verified) return { allowed: false, reason: 'no-certificate', miss: true };
    const mac = certificateMac(certificate);
    if (!mac) return { allowed: false, reason: 'certificate-without-mac', miss: true };
    if (question.mac && question.mac !== mac) {
      return { allowed: false, reason: 'certificate-of-another-device', miss: true };
    }
    const device = question.device ?? (await this.#view.device(mac));
    if (!device) return { allowed: false, reason: 'certificate-unknown-device', miss: true };
    return { allowed: true, via: 'certificate', device };
  }

  /**
   * Whether a never-provisioned device may fetch without credentials: the policy allows a
   * window, the client is on `provisioning.networks` (when set), the credentials were never
   * delivered and the window, counted from its first use, has not run out.
   */
  async #firstContactOpen(question: AccessQuestion): Promise<boolean> {
    const { policy, client } = question;
    const device = question.device!;
    if (policy.firstContactMs <= 0) return false;
    if (policy.networks.size > 0 && !policy.networks.has(client)) return false;
    const cached = await this.#deviceCredentials(device.mac, true);
    if (!cached || cached.firstContact.closedAt) return false;
    // "Open" may be old news from another node: ask the store again.
    const row = await this.#store.deviceCredentials(device.mac);
    if (!row || row.firstContact.closedAt) {
      if (row) this.#credentials.set(this.#view.generation, device.mac, row);
      return false;
    }
    const now = this.#now();
    if (row.firstContact.openedAt) {
      return now.getTime() - Date.parse(row.firstContact.openedAt) <= policy.firstContactMs;
    }
    const opened = await this.#store.markFirstContact(device.mac, 'opened', now);
    if (opened) this.#credentials.set(this.#view.generation, device.mac, opened);
    this.#security({
      at: now.toISOString(),
      kind: 'first-contact-opened',
      address: client,
      mac: device.mac,
      detail: `fetched without credentials over ${question.request.transport}`,
    });
    return true;
  }

  /**
   * Checks presented credentials against the policy. Unknown users cost the same hashing as
   * known ones; a wrong user and a wrong password look alike.
   */
  async #check(
    presented: PresentedCredentials,
    policy: PolicySettings,
    request: ProvisioningRequest,
  ): Promise<
    { ok: true; device?: Device; previous: boolean } | { ok: false; stale: boolean; reason: string }
  > {
    if (presented.scheme === 'basic' && request.transport !== 'https') {
      return { ok: false, stale: false, reason: 'basic-without-tls' };
    }
    let stale = false;
    if (presented.scheme === 'digest') {
      const state = this.#nonces.check(presented.nonce, this.#now());
      if (state === 'invalid') return { ok: false, stale: false, reason: 'bad-nonce' };
      stale = state === 'stale';
    }
    const candidates: { username: string; password: string; previous: boolean }[] = [];
    let device: Device | undefined;
    if (policy.policy === 'shared-credentials') {
      if (policy.shared) candidates.push({ ...policy.shared, previous: false });
    } else {
      const mac = parseMac(presented.username);
      device = mac.ok ? await this.#view.device(mac.value) : undefined;
      const row = device && (await this.#deviceCredentials(device.mac, false));
      if (row) {
        candidates.push({ username: row.username, password: row.password, previous: false });
        if (
          row.previousPassword !== undefined &&
          row.previousUntil !== undefined &&
          this.#now().getTime() < Date.parse(row.previousUntil)
        ) {
          candidates.push({
            username: row.username,
            password: row.previousPassword,
            previous: true,
          });
        }
      }
    }
    // Unknown users are checked against a throwaway password: the same work, the same "no".
    if (candidates.length === 0) {
      candidates.push({
        username: '\0',
        password: randomBytes(18).toString('base64url'),
        previous: false,
      });
      device = undefined;
    }
    let match: { previous: boolean } | undefined;
    for (const candidate of candidates) {
      const ok = matches(presented, candidate, {
        method: request.method ?? 'GET',
        target: `${request.rawPath}${request.query ? `?${request.query}` : ''}`,
        realm: this.#realm,
        algorithms: policy.algorithms,
      });
      if (ok && !match) match = { previous: candidate.previous };
    }
    if (!match) return { ok: false, stale: false, reason: 'bad-credentials' };
    if (stale) return { ok: false, stale: true, reason: 'stale-nonce' };
    return { ok: true, previous: match.previous, ...(device ? { device } : {}) };
  }

  async #deviceCredentials(mac: Mac, create: boolean): Promise<DeviceCredentials | undefined> {
    const generation = this.#view.generation;
    const cached = this.#credentials.get(generation, mac);
    if (cached) return cached;
    const row = create
      ? await this.#store.ensureDeviceCredentials(mac, generateCredentials(mac), this.#now())
      : await this.#store.deviceCredentials(mac);
    // Only rows are kept: a device without credentials yet may get them on another node.
    if (row) this.#credentials.set(generation, mac, row);
    return row;
  }

  #security(event: SecurityEvent): void {
    this.#store.appendSecurityEvents([event]).catch((error: unknown) => {
      this.#log?.('warn', 'security event not stored', {
        kind: event.kind,
        error: (error as Error).message,
      });
    });
  }
}

function matches(
  presented: PresentedCredentials,
  expected: { username: string; password: string },
  check: Parameters<typeof verifyDigest>[2],
): boolean {
  if (presented.scheme === 'digest') return verifyDigest(presented, expected, check);
  const user = safeEqual(presented.username, expected.username);
  const password = safeEqual(presented.password, expected.password);
  return user && password;
}

/** The MAC in a certificate: in its common name, else in a subject alternative name. */
export function certificateMac(certificate: ClientCertificate): Mac | undefined {
  const fromName = certificate.commonName ? findMac(certificate.commonName) : undefined;
  if (fromName) return fromName;
  for (const name of certificate.altNames) {
    const mac = findMac(name.replace(/^[A-Za-z ]+:/, ''));
    if (mac) return mac;
  }
  return undefined;
}

function isHttp(request: ProvisioningRequest): boolean {
  return (
    request.transport === 'http' || request.transport === 'https' || request.transport === 'acs'
  );
}

const OPEN: AccessVerdict = { allowed: true, via: 'open' };
const NETWORK: AccessVerdict = { allowed: true, via: 'network' };

function byAddress({ policy, client }: AccessQuestion): AccessVerdict {
  if (policy.policy === 'open') return OPEN;
  if (policy.policy === 'networks' && policy.networks.has(client)) return NETWORK;
  return { allowed: false, reason: 'network-refused', miss: true };
}
