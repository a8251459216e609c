import type { Device } from '../../model/device.ts';
import type {
  PhoneIdentity,
  PnpAnnouncement,
  PnpClaim,
  PnpContext,
  PnpSubscribe,
} from '../driver.ts';
import { dialectFor, type Dialect } from './dialect.ts';
import { COMMON_BOOT, macBootName } from './files.ts';
import { formatUserAgent } from './user-agent.ts';

// MAC prefixes: Flyingvoice's from seed 001's capture; Yealink's blocks as public provisioning
// servers match them (wazo-provd-plugins' KNOWN_MAC_PREFIXES).
export const PREFIXES: Readonly<Record<string, Dialect>> = {
  '0021f2': 'flyingvoice',
  '001565': 'yealink',
  '249ad8': 'yealink',
  '3497d7': 'yealink',
  '44dbd2': 'yealink',
  '644f56': 'yealink',
  '805e0c': 'yealink',
  '805ec0': 'yealink',
  b061a9: 'yealink',
  c4fc22: 'yealink',
  e434d7: 'yealink',
  ec1da9: 'yealink',
  f01653: 'yealink',
};

const EVENT_VENDOR = { flyingvoice: 'Flyingvoice', yealink: 'Yealink' } as const;

/**
 * A phone not in the store is ours when its Event says Yealink or Flyingvoice, or its MAC
 * is in one of their blocks; a bare `MAC<hex>` alone (their form, VENDORS.md) is a weak hint.
 */
export function claimsPnp(subscribe: PnpSubscribe): PnpClaim | undefined {
  const vendor = (subscribe.vendor ?? '').toLowerCase();
  if (vendor.includes('yealink')) return { vendor: 'yealink', score: 100 };
  if (/flying\s*voice/.test(vendor)) return { vendor: 'flyingvoice', score: 100 };
  if (/^fip\d/i.test(subscribe.model ?? '')) return { vendor: 'flyingvoice', score: 90 };
  const prefix = PREFIXES[subscribe.mac.slice(0, 6)];
  if (prefix) return { vendor: prefix, score: 60 };
  if (subscribe.macForm === 'MAC') return { vendor: 'flyingvoice', score: 10 };
  return undefined;
}

/**
 * The boot file the phone asks for first, on TFTP as in seed 001's capture when that door is
 * on, else HTTPS, else HTTP: `<mac>.boot` for a device (it names the common and the MAC cfg),
 * `y000000000000.boot` for a phone not in the store.
 */
export function plugAndPlayUrl(subscribe: PnpSubscribe, context: PnpContext): string | undefined {
  const base = context.doors.tftp ?? context.doors.https ?? context.doors.http;
  if (base === undefined) return undefined;
  const name = context.device ? macBootName(subscribe.mac) : COMMON_BOOT;
  return `${base.replace(/\/+$/, '')}/${name}`;
}

/** Both dialects resync on `check-sync` and reboot on `check-sync;reboot=true` (seed 001). */
export function checkSync(_device: Device, options: { reboot: boolean }): string {
  return options.reboot ? 'check-sync;reboot=true' : 'check-sync';
}

/** The SUBSCRIBE the phone sends: bare `MAC<hex>` and its agent's model and firmware. */
export function phoneAnnouncement(identity: PhoneIdentity): PnpAnnouncement {
  const dialect = dialectFor(identity.vendor);
  const [, model = '', version = ''] = formatUserAgent(identity).split(' ');
  return { user: `MAC${identity.mac}`, vendor: EVENT_VENDOR[dialect], model, version };
}
