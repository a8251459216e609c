// Plug-and-play and check-sync for Gigaset Maxwell phones (seed 002: "SIP Multicast" is the
// second source of the provisioning URL; VENDORS.md).

import { formatMac } from '../../model/mac.ts';
import type { Device } from '../../model/device.ts';
import type {
  DoorUrls,
  PhoneIdentity,
  PnpAnnouncement,
  PnpClaim,
  PnpContext,
  PnpSubscribe,
} from '../driver.ts';
import { GIGASET_PREFIXES } from './dhcp.ts';
import { DEFAULT_MODEL, modelByName } from './models.ts';
import { DEFAULT_FIRMWARE, VENDOR } from './user-agent.ts';

/**
 * The phone expands `%MACD` itself, then asks for `<url>`, which this driver answers with
 * the provisioning file: no `provisioning.xml` or `<MAC>.xml` round trip is needed.
 */
export function provisioningUrl(doors: DoorUrls): string | undefined {
  const door = doors.https ?? doors.http;
  return door === undefined ? undefined : `${door.replace(/\/+$/, '')}/gigaset/%MACD`;
}

/**
 * Ours when the Event says Gigaset (100) or names a Maxwell (90), or by Gigaset's MAC blocks
 * (60). `MAC%3a<hex>` alone proves nothing: Snom phones write it too.
 */
export function claimsPnp(subscribe: PnpSubscribe): PnpClaim | undefined {
  if (/gigaset/i.test(subscribe.vendor ?? '')) return { vendor: VENDOR, score: 100 };
  if (modelByName(subscribe.model)) return { vendor: VENDOR, score: 90 };
  if (GIGASET_PREFIXES.includes(subscribe.mac.slice(0, 6))) return { vendor: VENDOR, score: 60 };
  return undefined;
}

/**
 * The provisioning URL DHCP option 114 gives, with `%MACD` already filled from the
 * SUBSCRIBE: seed 002 documents the placeholders for the configured URL, not for one a
 * NOTIFY carries, and a URL without them means the same to a phone that would expand them.
 */
export function plugAndPlayUrl(subscribe: PnpSubscribe, context: PnpContext): string | undefined {
  return provisioningUrl(context.doors)?.replace(/%MACD/g, formatMac(subscribe.mac, 'BARE'));
}

/**
 * `check-sync` makes a Maxwell fetch its files; `reboot=true` is sent when asked for, but many
 * Gigaset models ignore it (VENDORS.md; Gigaset applies provisioned settings without a
 * restart, and reboots on check-sync only where the platform enabled it).
 */
export function checkSync(_device: Device, options: { reboot: boolean }): string {
  return options.reboot ? 'check-sync;reboot=true' : 'check-sync';
}

/** The SUBSCRIBE a Maxwell sends: `MAC%3a<hex>` as Snom and Gigaset write it (VENDORS.md). */
export function phoneAnnouncement(identity: PhoneIdentity): PnpAnnouncement {
  const model = modelByName(identity.model) ?? DEFAULT_MODEL;
  return {
    user: `MAC%3a${identity.mac}`,
    vendor: 'Gigaset',
    model: model.name,
    version: identity.firmware ?? DEFAULT_FIRMWARE,
  };
}
