// Plug-and-play and check-sync for Grandstream phones (Grandstream "Plug & Play Mechanism"
// for GXP21xx/17xx/16xx and the GRP26xx "Plug and Play" guide; VENDORS-MORE.md §4.4, §4.5).

import type { Device } from '../../model/device.ts';
import type {
  PhoneIdentity,
  PnpAnnouncement,
  PnpClaim,
  PnpContext,
  PnpSubscribe,
} from '../driver.ts';
import { GRANDSTREAM_PREFIXES } from './dhcp.ts';
import { DEFAULT_FIRMWARE, DEFAULT_MODEL, modelOfName } from './models.ts';

/** Ours when the Event says Grandstream (100), names one of its models (90), or by MAC block (60). */
export function claimsPnp(subscribe: PnpSubscribe): PnpClaim | undefined {
  if ((subscribe.vendor ?? '').toLowerCase().includes('grandstream'))
    return { vendor: 'grandstream', score: 100 };
  if (subscribe.model && modelOfName(subscribe.model)) return { vendor: 'grandstream', score: 90 };
  if (GRANDSTREAM_PREFIXES.includes(subscribe.mac.slice(0, 6)))
    return { vendor: 'grandstream', score: 60 };
  return undefined;
}

/**
 * The directory the phone takes as its Config Server Path, with the scheme that sets its
 * "Config Upgrade Via": HTTPS when the public URL is HTTPS, else HTTP, else TFTP. The phone
 * then asks it for `cfg<mac>.xml` (and its fallbacks).
 */
export function plugAndPlayUrl(_subscribe: PnpSubscribe, context: PnpContext): string | undefined {
  const base = context.doors.https ?? context.doors.http ?? context.doors.tftp;
  return base === undefined ? undefined : `${base.replace(/\/+$/, '')}/`;
}

/**
 * Wazo-provd sends `check-sync` to Grandstream phones, FusionPBX `resync`, and both send
 * `check-sync;reboot=true` to restart one; `check-sync` is what every published platform
 * agrees on for the provisioning without a restart. The phone challenges the NOTIFY with
 * digest unless "Disable SIP NOTIFY Authentication" is set; the account's credentials answer.
 */
export function checkSync(_device: Device, options: { reboot: boolean }): string {
  return options.reboot ? 'check-sync;reboot=true' : 'check-sync';
}

/** The SUBSCRIBE a Grandstream phone sends: `MAC%3a<mac>` (*uncertain*), its model and firmware. */
export function phoneAnnouncement(identity: PhoneIdentity): PnpAnnouncement {
  return {
    user: `MAC%3a${identity.mac}`,
    vendor: 'Grandstream',
    model: (identity.model ?? DEFAULT_MODEL).toUpperCase(),
    version: identity.firmware ?? DEFAULT_FIRMWARE,
  };
}
