// Plug-and-play and check-sync for Auerswald COMfortel D-series phones (seed 003: "Multicast
// Subscribe" and "via check sync"; VENDORS.md).

import type { Device } from '../../model/device.ts';
import type {
  DoorUrls,
  PhoneIdentity,
  PnpAnnouncement,
  PnpClaim,
  PnpContext,
  PnpSubscribe,
} from '../driver.ts';
import { AUERSWALD_PREFIXES } from './dhcp.ts';
import { DEFAULT_FIRMWARE, VENDOR, hardwareType } from './user-agent.ts';

/** The entry file, with the markers the phone fills in: its MAC, serial and hardware type. */
export function provisioningUrl(doors: DoorUrls): string | undefined {
  const door = doors.https ?? doors.http;
  return door === undefined
    ? undefined
    : `${door.replace(/\/+$/, '')}/auerswald/{mac}.xml?sn={serial}&hw={type}`;
}

/**
 * Ours when the Event says Auerswald or FonTevo (100) or names a COMfortel (90), or by
 * Auerswald's MAC block (60). A bare `D200` model is not enough: Snom's D-series look alike.
 */
export function claimsPnp(subscribe: PnpSubscribe): PnpClaim | undefined {
  if (/auerswald|fontevo/i.test(subscribe.vendor ?? '')) return { vendor: VENDOR, score: 100 };
  if (/comfortel/i.test(subscribe.model ?? '')) return { vendor: VENDOR, score: 90 };
  if (AUERSWALD_PREFIXES.includes(subscribe.mac.slice(0, 6))) return { vendor: VENDOR, score: 60 };
  return undefined;
}

/**
 * The provisioning URL with its markers left in: seed 003 says every URL the service uses
 * may carry them, and only the phone knows its serial number.
 */
export function plugAndPlayUrl(_subscribe: PnpSubscribe, context: PnpContext): string | undefined {
  return provisioningUrl(context.doors);
}

/**
 * Always a plain `check-sync`: seed 003 says provisioning never restarts a D-series phone and
 * its settings apply without one, and documents no reboot parameter, so `--reboot` adds nothing.
 */
export function checkSync(_device: Device, _options: { reboot: boolean }): string {
  return 'check-sync';
}

/**
 * The SUBSCRIBE the phone sends. Seed 003 does not show the message: `MAC%3A<HEX>` (upper
 * case, as its `<MACADR>` marker writes the MAC) is this emulation's choice; the responder
 * reads every form alike.
 */
export function phoneAnnouncement(identity: PhoneIdentity): PnpAnnouncement {
  return {
    user: `MAC%3A${identity.mac.toUpperCase()}`,
    vendor: 'Auerswald',
    model: `COMfortel ${hardwareType(identity)}`,
    version: identity.firmware ?? DEFAULT_FIRMWARE,
  };
}
