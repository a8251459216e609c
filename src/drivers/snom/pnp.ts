// Plug-and-play and check-sync for Snom desk phones (Snom wiki: SIP Plug & Play, check-sync,
// challenge_checksync, checksync_action).

import type { Device } from '../../model/device.ts';
import type {
  DoorUrls,
  PhoneIdentity,
  PnpAnnouncement,
  PnpClaim,
  PnpContext,
  PnpSubscribe,
} from '../driver.ts';
import { SNOM_PREFIXES } from './dhcp.ts';
import { upperMac } from './files.ts';
import { DEFAULT_FIRMWARE, DEFAULT_MODEL } from './user-agent.ts';

/**
 * Ours when the Event says snom (100) or names a snom phone type (90), then by Snom's MAC
 * block (60). `MAC%3a<hex>`, Snom's form, alone proves nothing: Gigaset phones write it too,
 * and the wiki's own example says `vendor="OEM"`.
 */
export function claimsPnp(subscribe: PnpSubscribe): PnpClaim | undefined {
  if (/\bsnom/i.test(subscribe.vendor ?? '')) return { vendor: 'snom', score: 100 };
  if (/^snom/i.test(subscribe.model ?? '')) return { vendor: 'snom', score: 90 };
  if (SNOM_PREFIXES.includes(subscribe.mac.slice(0, 6))) return { vendor: 'snom', score: 60 };
  return undefined;
}

/** The setting server directory, where the phone builds `snom<model>.htm` and its MAC file. */
export function provisioningUrl(doors: DoorUrls): string | undefined {
  const door = doors.https ?? doors.http ?? doors.tftp;
  return door === undefined ? undefined : `${door.replace(/\/+$/, '')}/`;
}

/**
 * The NOTIFY body is the setting server URL (the wiki's PnP flow); a directory, so the phone
 * guesses its file names from its type and MAC. HTTPS, else HTTP, else TFTP.
 */
export function plugAndPlayUrl(_subscribe: PnpSubscribe, context: PnpContext): string | undefined {
  return provisioningUrl(context.doors);
}

/**
 * `check-sync;reboot=false` reloads the settings (the phone still restarts if a changed
 * setting needs it), `check-sync;reboot=true` restarts it. The phone answers 401 and wants
 * digest with the identity's password only with `challenge_checksync` on.
 */
export function checkSync(_device: Device, options: { reboot: boolean }): string {
  return `check-sync;reboot=${options.reboot ? 'true' : 'false'}`;
}

/** The wiki's SUBSCRIBE: `MAC%3a` and the MAC in capitals; Event vendor and model as M-series bases write them. */
export function phoneAnnouncement(identity: PhoneIdentity): PnpAnnouncement {
  return {
    user: `MAC%3a${upperMac(identity.mac)}`,
    vendor: 'snom',
    model: `snom${identity.model ?? DEFAULT_MODEL}`,
    version: identity.firmware ?? DEFAULT_FIRMWARE,
  };
}
