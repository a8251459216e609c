// Whether presented credentials are right: Basic (over TLS only), Digest with our own nonces,
// an FTP login; against the shared credentials or a device's own (and its previous password
// during the grace period). Unknown users cost the same work as known ones.

import { randomBytes } from 'node:crypto';

import {
  NonceKeeper,
  safeEqual,
  verifyDigest,
  type NonceState,
  type PresentedCredentials,
} from '../crypto/http-auth.ts';
import { generateCredentials, type DeviceCredentials } from '../model/credentials.ts';
import type { Device } from '../model/device.ts';
import { findMac, parseMac, type Mac } from '../model/mac.ts';
import type { Store } from '../store/store.ts';
import type { PolicySettings } from './access-policy.ts';
import type { ConfigurationView } from './configuration-view.ts';
import { GenerationCache, HOT_ENTRIES } from './generation-cache.ts';
import type { ClientCertificate, ProvisioningRequest } from './request.ts';

export type CheckResult =
  { ok: true; device?: Device; previous: boolean } | { ok: false; stale: boolean; reason: string };

export class CredentialCheck {
  readonly #store: Store;
  readonly #view: ConfigurationView;
  readonly #now: () => Date;
  readonly #nonces = new NonceKeeper();
  /** Credentials by device, for this generation (a rotation is a configuration change). */
  readonly #credentials = new GenerationCache<DeviceCredentials>(HOT_ENTRIES);
  /** Digest realm; phones show it when they ask their user. */
  readonly realm: string;

  constructor(options: { store: Store; view: ConfigurationView; now: () => Date; realm: string }) {
    this.#store = options.store;
    this.#view = options.view;
    this.#now = options.now;
    this.realm = options.realm;
  }

  /** A fresh nonce for a challenge. */
  nonce(): string {
    return this.#nonces.mint(this.#now());
  }

  nonceState(nonce: string): NonceState {
    return this.#nonces.check(nonce, this.#now());
  }

  /** Presented credentials against expected ones, over this request's method and target. */
  matches(
    presented: PresentedCredentials,
    expected: { username: string; password: string },
    request: ProvisioningRequest,
    algorithms: PolicySettings['algorithms'],
  ): boolean {
    if (presented.scheme === 'digest')
      return verifyDigest(presented, expected, {
        method: request.method ?? 'GET',
        target: `${request.rawPath}${request.query ? `?${request.query}` : ''}`,
        realm: this.realm,
        algorithms,
      });
    const user = safeEqual(presented.username, expected.username);
    const password = safeEqual(presented.password, expected.password);
    return user && password;
  }

  /**
   * Checks presented credentials against the policy. Unknown users cost the same hashing as
   * known ones; a wrong user and a wrong password look alike.
   */
  async check(
    presented: PresentedCredentials,
    policy: PolicySettings,
    request: ProvisioningRequest,
  ): Promise<CheckResult> {
    if (presented.scheme === 'basic' && request.transport !== 'https') {
      return { ok: false, stale: false, reason: 'basic-without-tls' };
    }
    let stale = false;
    if (presented.scheme === 'digest') {
      const state = this.nonceState(presented.nonce);
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
      const row = device && (await this.ofDevice(device.mac, false));
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
      const ok = this.matches(presented, candidate, request, policy.algorithms);
      if (ok && !match) match = { previous: candidate.previous };
    }
    if (!match) return { ok: false, stale: false, reason: 'bad-credentials' };
    if (stale) return { ok: false, stale: true, reason: 'stale-nonce' };
    return { ok: true, previous: match.previous, ...(device ? { device } : {}) };
  }

  /** A device's credentials row, created with fresh credentials when `create` asks for it. */
  async ofDevice(mac: Mac, create: boolean): Promise<DeviceCredentials | undefined> {
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

  /** A row read or written afresh (first contact opened or closed) replaces the cached one. */
  keep(mac: Mac, row: DeviceCredentials): void {
    this.#credentials.set(this.#view.generation, mac, row);
  }
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
