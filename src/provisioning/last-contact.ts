import type { Device } from '../model/device.ts';
import type { ProvisioningEvent } from '../model/event.ts';
import type { Mac } from '../model/mac.ts';
import type { ContactUpdate } from '../store/store.ts';

/**
 * A device's last contact, made from the event of the request that was it: every door (file
 * doors, plug-and-play, the ACS) records the same fields. What the phone reported (model,
 * firmware) goes with it only when there is something.
 */
export function lastContactOf(
  event: ProvisioningEvent,
  mac: Mac,
  reported?: Device['reported'],
): ContactUpdate {
  const contact: ContactUpdate = {
    mac,
    lastContact: {
      at: event.at,
      address: event.address,
      file: event.file,
      transport: event.transport,
      status: event.status,
      ...(event.userAgent ? { userAgent: event.userAgent } : {}),
    },
  };
  if (reported) {
    // A loop, not Object.keys: this runs for every request of a boot storm.
    for (const _ in reported) {
      contact.reported = reported;
      break;
    }
  }
  return contact;
}
