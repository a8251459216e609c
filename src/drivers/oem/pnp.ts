// Plug-and-play and check-sync for Plug-n-Dial APS devices. Seed 000 describes only the
// boot-time fetch; what follows is chosen to fit it and is documented in the README.

import type { Device } from '../../model/device.ts';
import type {
  PhoneIdentity,
  PnpAnnouncement,
  PnpClaim,
  PnpContext,
  PnpSubscribe,
} from '../driver.ts';
import { splitClass } from './request.ts';
import { DEFAULT_CLASS, DEFAULT_FIRMWARE } from './user-agent.ts';

/** The APS device class `<Make>/<Model>` (seed 000's `class=`), as a model name. */
const DEVICE_CLASS = /^[A-Za-z0-9._-]+\/[A-Za-z0-9._-]+$/;

/**
 * No vendor name or MAC block is known for these devices (the OEM is whoever built them):
 * ours when the Event or the User-Agent says Plug-n-Dial, or, weakly, when the model is
 * written as an APS class.
 */
export function claimsPnp(subscribe: PnpSubscribe): PnpClaim | undefined {
  const named = /plug-?n-?dial/i;
  if (named.test(subscribe.vendor ?? '')) return { vendor: 'oem', score: 100 };
  if (named.test(subscribe.userAgent ?? '')) return { vendor: 'oem', score: 90 };
  if (DEVICE_CLASS.test(subscribe.model ?? '')) return { vendor: 'oem', score: 50 };
  return undefined;
}

/**
 * The APS server itself, ending in `/`: the device builds `<Make>/<Model>/app?…` and
 * `firmware/…` on it, as from DHCP option 66. HTTPS first (seed 000 "should initially attempt"
 * HTTPS), then HTTP, then TFTP (the request becomes the file name).
 */
export function plugAndPlayUrl(_subscribe: PnpSubscribe, context: PnpContext): string | undefined {
  const base = context.doors.https ?? context.doors.http ?? context.doors.tftp;
  return base === undefined ? undefined : `${base.replace(/\/+$/, '')}/`;
}

/**
 * `check-sync`, and `check-sync;reboot=true` to reboot: seed 000 names no SIP trigger; its
 * `<flat-profile>` answers are those of ATAs that read check-sync, so this is the form sent.
 */
export function checkSync(_device: Device, options: { reboot: boolean }): string {
  return options.reboot ? 'check-sync;reboot=true' : 'check-sync';
}

/**
 * The SUBSCRIBE the emulated device sends: `MAC:<hex>` (a form VENDORS.md lists without a
 * vendor; this emulation's choice), its make as vendor and its APS class as model.
 */
export function phoneAnnouncement(identity: PhoneIdentity): PnpAnnouncement {
  const deviceClass = identity.model ?? DEFAULT_CLASS;
  return {
    user: `MAC:${identity.mac}`,
    vendor: splitClass(deviceClass).oem,
    model: deviceClass,
    version: identity.firmware ?? DEFAULT_FIRMWARE,
  };
}
