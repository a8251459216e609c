import type { Driver } from '../drivers/driver.ts';
import type { Device } from '../model/device.ts';
import type { Store } from '../store/store.ts';
import {
  checkDevices,
  type CheckedGroup,
  type CheckInput,
  type Finding,
  type ServerFacts,
} from './check.ts';
import { checkedOf, type DeviceIndex } from './device-index.ts';

/** Which devices a check, or a change, is about. */
export type CheckScope =
  /** Every device, read from the store now (`plugndial check`, `serve` start). */
  | { all: true }
  /** Every device the profile applies to: all of them for `default`. */
  | { profile: string }
  /** A vendor's devices; with a model, those of that model (the firmware catalogue's key). */
  | { vendor: string; model?: string }
  | { devices: readonly Device[] };

/** What a change leaves broken for the devices it applies to: the change answer's warnings. */
export type Warn = (scope: CheckScope) => Promise<Finding[]>;

export interface CheckReport {
  /** How many devices were looked at. */
  checked: number;
  findings: Finding[];
}

export interface CheckContext {
  store: Store;
  drivers: readonly Driver[];
  /** Devices as the check sees them, kept between changes. */
  index: DeviceIndex;
  server?: ServerFacts;
}

/** Reads what the analysis needs for a scope and runs it. */
export async function checkScope(context: CheckContext, scope: CheckScope): Promise<CheckReport> {
  const [profiles, firmware, devices] = await Promise.all([
    context.store.listProfiles(),
    context.store.listFirmware(),
    devicesOf(context.index, scope),
  ]);
  const findings = checkDevices({
    ...devices,
    profiles: new Map(profiles.map((p) => [p.name, p] as const)),
    firmware,
    drivers: context.drivers,
    ...(context.server ? { server: context.server } : {}),
  });
  return { checked: devices.checked, findings };
}

async function devicesOf(
  index: DeviceIndex,
  scope: CheckScope,
): Promise<{ checked: number } & Pick<CheckInput, 'devices' | 'groups'>> {
  if ('devices' in scope)
    return { checked: scope.devices.length, devices: scope.devices.map(checkedOf) };
  let groups: CheckedGroup[];
  if ('all' in scope) groups = await index.refresh();
  else if ('profile' in scope) groups = await index.select({ profile: scope.profile });
  else {
    const model = scope.model?.toLowerCase();
    groups = await index.select({ vendor: scope.vendor });
    if (model !== undefined)
      groups = groups.filter((g) => (g.model ?? g.reported?.model)?.toLowerCase() === model);
  }
  let checked = 0;
  for (const group of groups) checked += group.macs.length;
  return { checked, groups };
}

/** A change answer's warnings: the findings, with at most this many MACs each. */
export function asWarnings(report: CheckReport, maxDevices = 100): Finding[] {
  return report.findings.map((f) =>
    f.devices.length > maxDevices ? { ...f, devices: f.devices.slice(0, maxDevices) } : f,
  );
}
