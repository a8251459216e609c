// What the access stage judges by and what it answers: a device's `provisioning.*` access
// settings, the question asked of them and the verdict, and the policies that need nothing
// but the client's address.

import type { DigestAlgorithm } from '../crypto/http-auth.ts';
import { NetworkSet } from '../model/cidr.ts';
import type { Device } from '../model/device.ts';
import type { Mac } from '../model/mac.ts';
import type { AccessPolicy, Settings } from '../model/settings.ts';
import type { ProvisioningRequest } from './request.ts';

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

/** Whether an anonymous-blocked address may still be served this way. */
export function proven(via: AccessVia): boolean {
  return via !== 'open' && via !== 'network' && via !== 'first-contact';
}

const OPEN: AccessVerdict = { allowed: true, via: 'open' };
const NETWORK: AccessVerdict = { allowed: true, via: 'network' };

/** The open and network policies: the client's address is all they look at. */
export function byAddress({ policy, client }: AccessQuestion): AccessVerdict {
  if (policy.policy === 'open') return OPEN;
  if (policy.policy === 'networks' && policy.networks.has(client)) return NETWORK;
  return { allowed: false, reason: 'network-refused', miss: true };
}
