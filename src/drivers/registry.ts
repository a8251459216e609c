import { auerswaldDriver } from './auerswald/index.ts';
import { ciscoDriver } from './cisco/index.ts';
import type { Driver } from './driver.ts';
import { fanvilDriver } from './fanvil/index.ts';
import { gigasetDriver } from './gigaset/index.ts';
import { grandstreamDriver } from './grandstream/index.ts';
import { oemDriver } from './oem/index.ts';
import { polyDriver } from './poly/index.ts';
import { snomDriver } from './snom/index.ts';
import { yealinkDriver } from './yealink/index.ts';

/** Every driver plugndial has; the pipeline asks each of them to recognise a request. */
export const drivers: readonly Driver[] = [
  yealinkDriver,
  gigasetDriver,
  fanvilDriver,
  oemDriver,
  auerswaldDriver,
  snomDriver,
  polyDriver,
  grandstreamDriver,
  ciscoDriver,
];

/** The driver that speaks for a vendor as devices name it (`flyingvoice`, `yealink`, …). */
export function driverForVendor(vendor: string): Driver | undefined {
  return drivers.find((driver) => driver.vendors.includes(vendor));
}

/** Vendor names a device may carry, sorted. */
export function knownVendors(): string[] {
  return [...new Set(drivers.flatMap((driver) => driver.vendors))].sort();
}
