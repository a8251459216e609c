// The pipeline's authorise stage: may this client have this file? It judges the facts the
// doors extracted (credentials, client certificate, address, FTP login) against the
// device's `provisioning.access` policy. It knows no vendor and no transport's syntax.

import type { AuthChallenge, PresentedCredentials } from '../crypto/http-auth.ts';
import type { BlockMessage } from '../channels.ts';
import { NetworkSet } from '../model/cidr.ts';
import type { SecurityEvent } from '../model/credentials.ts';
import type { Device } from '../model/device.ts';
import type { Mac } from '../model/mac.ts';
import type { AccessPolicy } from '../model/settings.ts';
import type { Logger } from '../log.ts';
import type { Store } from '../store/store.ts';
import {
  byAddress,
  needsCredentials,
  type AccessQuestion,
  type AccessVerdict,
  type AccessVia,
  type PolicySettings,
} from './access-policy.ts';
import { AddressBlocks } from './address-blocks.ts';
import { clientAddress } from './client-address.ts';
import type { ConfigurationView } from './configuration-view.ts';
import { certificateMac, CredentialCheck } from './credential-check.ts';
import { GenerationCache } from './generation-cache.ts';
import { isGrantName, OneTimeGrants } from './one-time-grants.ts';
import type { LoginAttempt, ProvisioningRequest } from './request.ts';
import type { ThrottleLimits } from './throttle.ts';

/** Server-wide access configuration (flags of `plugndial serve`). */
export interface AccessConfig {
  /** Proxies whose `X-Forwarded-For` is believed. */
  trustedProxies?: readonly string[];
  throttle?: ThrottleLimits;
  /** Digest realm; phones show it when they ask their user. */
  realm?: string;
}

const REALM = 'plugndial';

/**
 * Decides every request after the answer memo: the memo holds what a path resolves to,
 * never who may have it, so one client's credentials never serve another.
 */
export class AccessControl {
  readonly #store: Store;
  readonly #view: ConfigurationView;
  readonly #now: () => Date;
  readonly #log: Logger | undefined;
  readonly #blocks: AddressBlocks;
  #proxies: NetworkSet;
  readonly #credentials: CredentialCheck;
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
    this.#blocks = new AddressBlocks({
      limits: options.config?.throttle,
      log: options.log,
      security: (event) => this.#security(event),
    });
    this.#proxies = new NetworkSet(options.config?.trustedProxies ?? []);
    this.#credentials = new CredentialCheck({
      store: options.store,
      view: options.view,
      now: options.now,
      realm: options.config?.realm ?? REALM,
    });
  }

  /** Trusted proxies and throttle limits from a reload; counts and blocks in force stay. */
  configure(config: Pick<AccessConfig, 'trustedProxies' | 'throttle'>): void {
    this.#proxies = new NetworkSet(config.trustedProxies ?? []);
    this.#blocks.limits = config.throttle;
  }

  /** Addresses blocked now: for refusals without credentials, and for wrong credentials. */
  blockedAddresses(): Record<BlockMessage['scope'], number> {
    return this.#blocks.blockedAddresses(this.#now().getTime());
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
    return this.#blocks.blocked(client, this.#now().getTime());
  }

  /** Counts a miss; the one that crosses the limit blocks the address and is recorded. */
  miss(client: string, transport: string, guess = false): void {
    this.#blocks.miss(client, transport, guess, this.#now());
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
      realm: this.#credentials.realm,
      nonce: this.#credentials.nonce(),
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
    const row = await this.#credentials.ofDevice(device.mac, true);
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
    const row = await this.#credentials.ofDevice(device.mac, false);
    if (!row || row.firstContact.closedAt) return;
    const at = this.#now();
    const closed = await this.#store.markFirstContact(device.mac, 'closed', at);
    if (closed) this.#credentials.keep(device.mac, closed);
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
    const asDevice = await this.#credentials.check(
      request.credentials,
      { ...server, policy: 'device-credentials' },
      request,
    );
    if (asDevice.ok) return true;
    if (!server.shared) return false;
    const asShared = await this.#credentials.check(
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
    const found = await this.#credentials.check(presented, policy, {
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
    if (presented.scheme === 'digest' && this.#credentials.nonceState(presented.nonce) !== 'fresh')
      return undefined;
    const ok = this.#credentials.matches(
      presented,
      { username: presented.username, password: grant.password },
      request,
      ['SHA-256', 'MD5'],
    );
    if (!ok) return undefined;
    const device = question.device ?? (await this.#view.device(grant.mac));
    return { allowed: true, via: 'one-time', ...(device ? { device } : {}) };
  }

  async #byCredentials(question: AccessQuestion): Promise<AccessVerdict> {
    const { request, policy, found } = question;
    const presented = request.credentials;
    if (presented) {
      const checked = await this.#credentials.check(presented, policy, request);
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
    const cached = await this.#credentials.ofDevice(device.mac, true);
    if (!cached || cached.firstContact.closedAt) return false;
    // "Open" may be old news from another node: ask the store again.
    const row = await this.#store.deviceCredentials(device.mac);
    if (!row || row.firstContact.closedAt) {
      if (row) this.#credentials.keep(device.mac, row);
      return false;
    }
    const now = this.#now();
    if (row.firstContact.openedAt) {
      return now.getTime() - Date.parse(row.firstContact.openedAt) <= policy.firstContactMs;
    }
    const opened = await this.#store.markFirstContact(device.mac, 'opened', now);
    if (opened) this.#credentials.keep(device.mac, opened);
    this.#security({
      at: now.toISOString(),
      kind: 'first-contact-opened',
      address: client,
      mac: device.mac,
      detail: `fetched without credentials over ${question.request.transport}`,
    });
    return true;
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

function isHttp(request: ProvisioningRequest): boolean {
  return (
    request.transport === 'http' || request.transport === 'https' || request.transport === 'acs'
  );
}
