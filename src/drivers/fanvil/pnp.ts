// Plug-and-play and check-sync for Fanvil phones (seed 004 §2 "PnP"; VENDORS.md).

import type { Device } from '../../model/device.ts';
import type {
  PhoneIdentity,
  PnpAnnouncement,
  PnpClaim,
  PnpContext,
  PnpSubscribe,
} from '../driver.ts';
import { FANVIL_PREFIXES } from './dhcp.ts';
import { DEFAULT_FIRMWARE, DEFAULT_MODEL } from './user-agent.ts';

/**
 * Ours when the Event says Fanvil; `lishuai` is the OEM in seed 004's own PnP scenario
 * (90); then Fanvil's MAC blocks (60); `MAC=<hex>`, the Fanvil OEMs' form, alone is a hint (10).
 */
export function claimsPnp(subscribe: PnpSubscribe): PnpClaim | undefined {
  const vendor = (subscribe.vendor ?? '').toLowerCase();
  if (vendor.includes('fanvil')) return { vendor: 'fanvil', score: 100 };
  if (vendor.includes('lishuai')) return { vendor: 'fanvil', score: 90 };
  if (FANVIL_PREFIXES.includes(subscribe.mac.slice(0, 6))) return { vendor: 'fanvil', score: 60 };
  if (subscribe.macForm === 'MAC=') return { vendor: 'fanvil', score: 10 };
  return undefined;
}

/**
 * The provisioning directory, ending in `/`, as seed 004's capture of a PnP NOTIFY shows
 * (`http://…/provisioning/…/`): the phone fetches its model's general file and then
 * `<mac>.cfg` from it. HTTPS when the public URL is HTTPS, else HTTP, else TFTP.
 */
export function plugAndPlayUrl(_subscribe: PnpSubscribe, context: PnpContext): string | undefined {
  const base = context.doors.https ?? context.doors.http ?? context.doors.tftp;
  return base === undefined ? undefined : `${base.replace(/\/+$/, '')}/`;
}

/**
 * The reboot parameter is always written out, `reboot=false` too: the seed does not say what
 * a bare `check-sync` does on a Fanvil, and platforms that provision Fanvil phones send it
 * explicitly so that no firmware takes the bare form as a reboot.
 */
export function checkSync(_device: Device, options: { reboot: boolean }): string {
  return `check-sync;reboot=${options.reboot ? 'true' : 'false'}`;
}

/** The SUBSCRIBE a Fanvil phone sends: `MAC=<hex>` (VENDORS.md), its model and firmware. */
export function phoneAnnouncement(identity: PhoneIdentity): PnpAnnouncement {
  return {
    user: `MAC=${identity.mac}`,
    vendor: 'Fanvil',
    model: identity.model ?? DEFAULT_MODEL,
    version: identity.firmware ?? DEFAULT_FIRMWARE,
  };
}
