// Resync for Cisco phones (SPA and MPP administration guides, "Resync From SIP"; VENDORS-MORE.md §5.5).

import type { Device } from '../../model/device.ts';

/**
 * With Resync From SIP on (the default), the phone resyncs on a NOTIFY with `Event: resync`
 * and reboots on `Event: reboot_now`. It challenges both with a 401 unless
 * `Auth_Resync-Reboot_N_` is No; the check-sync sender answers with the account's digest
 * credentials. (Wazo-provd and FusionPBX send `check-sync`, which the guides do not name.)
 * Cisco's phones send no SIP plug-and-play SUBSCRIBE; they are found by DHCP.
 */
export function checkSync(_device: Device, options: { reboot: boolean }): string {
  return options.reboot ? 'reboot_now' : 'resync';
}
