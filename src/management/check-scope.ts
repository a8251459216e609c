import type { Driver } from '../drivers/driver.ts';
import { DEFAULT_PROFILE, type Device } from '../model/device.ts';
import type { Store } from '../store/store.ts';
import { checkDevices, type Finding, type ServerFacts } from './check.ts';

/** Which devices a check, or a change, is about. */
export type CheckScope =
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

/** Reads what the analysis needs for a scope from the store and runs it. */
export async function checkScope(
  store: Store,
  drivers: readonly Driver[],
  scope: CheckScope,
  server?: ServerFacts,
): Promise<CheckReport> {
  const [profiles, firmware, devices] = await Promise.all([
    store.listProfiles(),
    store.listFirmware(),
    devicesOf(store, scope),
  ]);
  const findings = checkDevices({
    devices,
    profiles: new Map(profiles.map((p) => [p.name, p] as const)),
    firmware,
    drivers,
    ...(server ? { server } : {}),
  });
  return { checked: devices.length, findings };
}

async function devicesOf(store: Store, scope: CheckScope): Promise<readonly Device[]> {
  if ('devices' in scope) return scope.devices;
  if ('vendor' in scope) {
    const devices = await store.listDevices({ vendor: scope.vendor });
    const model = scope.model?.toLowerCase();
    if (model === undefined) return devices;
    return devices.filter((d) => (d.model ?? d.reported?.model)?.toLowerCase() === model);
  }
  if ('profile' in scope && scope.profile !== DEFAULT_PROFILE)
    return store.listDevices({ profile: scope.profile });
  return store.listDevices();
}

/** A change answer's warnings: the findings, with at most this many MACs each. */
export function asWarnings(report: CheckReport, maxDevices = 100): Finding[] {
  return report.findings.map((f) =>
    f.devices.length > maxDevices ? { ...f, devices: f.devices.slice(0, maxDevices) } : f,
  );
}
