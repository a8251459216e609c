// Discovery and resync for Poly UC Software phones: no SIP plug-and-play is documented for
// them (they find their server by DHCP, a static setting or Poly's zero-touch service), so
// this driver claims no SUBSCRIBE; check-sync is documented.

import type { Device } from '../../model/device.ts';
import type { DoorUrls } from '../driver.ts';

/** The boot server directory: the phone asks for `<mac>.cfg`, then `000000000000.cfg`, in it. */
export function provisioningUrl(doors: DoorUrls): string | undefined {
  // FTP last: the phone's factory server type, but the other doors are what sites already use.
  const door = doors.https ?? doors.http ?? doors.tftp ?? doors.ftp;
  return door === undefined ? undefined : `${door.replace(/\/+$/, '')}/`;
}

/**
 * `check-sync` either way: the phone fetches its configuration again and restarts only when
 * what changed needs it, or on every check-sync with
 * `voIpProt.SIP.specialEvent.checkSync.alwaysReboot=1` (a `native.poly.` key). No `reboot=`
 * parameter is documented for it.
 */
export function checkSync(_device: Device, _options: { reboot: boolean }): string {
  return 'check-sync';
}
