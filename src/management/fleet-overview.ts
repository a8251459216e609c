// What the overview says of the fleet, from the store's counts: firmware compliance per model
// (the target each device's profiles and own settings give it, against what it reports) and
// the last hour's failures in the operator's categories. Pure: the counts come in.

import type { Profile } from '../model/device.ts';
import { effectiveSettings } from '../model/merge.ts';
import type { Settings } from '../model/settings.ts';
import type { FleetCounts } from '../store/store.ts';

export interface ComplianceRow {
  vendor: string;
  /** Lower case, as grouped; null for devices whose model nobody knows. */
  model: string | null;
  /** The `firmware.version` these devices are to run. */
  target: string;
  devices: number;
  /** Report running the target. */
  running: number;
  /** Report another version. */
  other: number;
  /** Have reported no version yet. */
  unknown: number;
}

/** Devices grouped by target version per vendor and model; devices without a target are counted apart. */
export function firmwareCompliance(
  groups: FleetCounts['firmware'],
  profiles: ReadonlyMap<string, Profile>,
): { rows: ComplianceRow[]; untargeted: number } {
  const rows = new Map<string, ComplianceRow>();
  let untargeted = 0;
  for (const group of groups) {
    const own: Settings = group.own !== null ? { 'firmware.version': group.own } : {};
    const target = effectiveSettings({ profiles: group.profiles, settings: own }, profiles)
      .settings['firmware.version'];
    if (typeof target !== 'string' || target === '') {
      untargeted += group.devices;
      continue;
    }
    const key = JSON.stringify([group.vendor, group.model, target]);
    let row = rows.get(key);
    if (!row) {
      row = {
        vendor: group.vendor,
        model: group.model,
        target,
        devices: 0,
        running: 0,
        other: 0,
        unknown: 0,
      };
      rows.set(key, row);
    }
    row.devices += group.devices;
    if (group.running === null) row.unknown += group.devices;
    else if (group.running === target) row.running += group.devices;
    else row.other += group.devices;
  }
  const sorted = [...rows.values()].sort(
    (a, b) =>
      a.vendor.localeCompare(b.vendor) ||
      (a.model ?? '').localeCompare(b.model ?? '') ||
      a.target.localeCompare(b.target),
  );
  return { rows: sorted, untargeted };
}

export const FAILURE_CATEGORIES = [
  'unknown-mac',
  'refused',
  'throttled',
  'missing-file',
  'transfer-fault',
  'resync-timeout',
  'resync-failed',
  'other',
] as const;
export type FailureCategory = (typeof FAILURE_CATEGORIES)[number];

const REFUSALS = new Set([
  'unauthorised',
  'unauthorised-miss',
  'network-refused',
  'bad-credentials',
  'bad-nonce',
  'stale-nonce',
  'basic-without-tls',
  'no-certificate',
  'certificate-without-mac',
  'certificate-of-another-device',
  'certificate-unknown-device',
  'credentials-of-another-device',
]);
const SUBSCRIBE_FAILURES = new Set(['busy', 'internal-error', 'no-driver', 'no-url', 'unclaimed']);
const MISSING = new Set(['no-such-file', 'not-found', 'no-firmware', 'bad-path']);

/** The operator's word for why a request failed, from the event's reason and door. */
export function failureCategory(reason: string | null, transport: string): FailureCategory {
  if (reason === null) return 'other';
  if (transport === 'sip') {
    if (reason === 'timeout') return 'resync-timeout';
    if (reason === 'throttled') return 'throttled';
    // A plug-and-play SUBSCRIBE that failed is no resync's failure.
    if (SUBSCRIBE_FAILURES.has(reason) || reason.startsWith('notify-')) return 'other';
    return 'resync-failed';
  }
  if (reason === 'unknown-device') return 'unknown-mac';
  if (reason === 'throttled') return 'throttled';
  if (reason.startsWith('transfer-fault')) return 'transfer-fault';
  if (REFUSALS.has(reason)) return 'refused';
  if (MISSING.has(reason)) return 'missing-file';
  return 'other';
}

export interface FailureRow {
  reason: string | null;
  transport: string;
  category: FailureCategory;
  count: number;
}

/** Failures by category (each with its reasons), most frequent first. */
export function failuresByCategory(failures: FleetCounts['failures']): {
  total: number;
  categories: { category: FailureCategory; count: number; reasons: FailureRow[] }[];
} {
  const byCategory = new Map<FailureCategory, FailureRow[]>();
  let total = 0;
  for (const failure of failures) {
    const category = failureCategory(failure.reason, failure.transport);
    const rows = byCategory.get(category) ?? [];
    rows.push({ ...failure, category });
    byCategory.set(category, rows);
    total += failure.count;
  }
  const categories = FAILURE_CATEGORIES.filter((c) => byCategory.has(c)).map((category) => {
    const reasons = byCategory.get(category)!.sort((a, b) => b.count - a.count);
    return { category, count: reasons.reduce((n, r) => n + r.count, 0), reasons };
  });
  categories.sort((a, b) => b.count - a.count);
  return { total, categories };
}
