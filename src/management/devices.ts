import { driverForVendor, drivers, knownVendors } from '../drivers/registry.ts';
import {
  fail,
  isPlugndialError,
  ok,
  pndError,
  type PlugndialError,
  type Result,
} from '../errors.ts';
import type { Device } from '../model/device.ts';
import { parseMac } from '../model/mac.ts';
import { nativeKey, parseSetting, specFor, type Settings } from '../model/settings.ts';
import { isPrintable } from '../model/printable.ts';
import { parseCsvRows } from '../formats/csv.ts';
import type { DeviceImport, Store } from '../store/store.ts';

/** A device as an operator describes it (CLI, CSV row or API body). */
export interface DeviceInput {
  mac: string;
  vendor: string;
  model?: string;
  profiles?: string[];
  settings?: Record<string, unknown>;
}

export interface DevicePatch {
  vendor?: string;
  model?: string | null;
  profiles?: string[];
  /** Merged into the stored settings: the same name as when adding. */
  settings?: Record<string, unknown>;
  unset?: string[];
}

export function checkVendor(vendor: string): Result<string> {
  const vendors = knownVendors();
  return vendors.includes(vendor)
    ? ok(vendor)
    : fail(
        'PND_UNKNOWN_VENDOR',
        `unknown vendor "${vendor.slice(0, 40)}"; known: ${vendors.join(', ')}`,
      );
}

/** Validates settings given as text or JSON; native keys must name a known vendor or driver. */
export function checkSettings(input: Record<string, unknown>, where = ''): Result<Settings> {
  const out: Settings = {};
  for (const [key, raw] of Object.entries(input)) {
    const native = nativeKey(key);
    if (native && !knownVendors().includes(native.driver) && !isDriverName(native.driver)) {
      return fail(
        'PND_INVALID_SETTING',
        `${where}${key}: native keys name a vendor (${knownVendors().join(', ')})`,
        { key },
      );
    }
    const parsed = parseSetting(key, raw);
    if (!parsed.ok) {
      return fail(parsed.error.code, `${where}${parsed.error.message}`, parsed.error.details);
    }
    if (key === 'provisioning.common_dialect' && !knownVendors().includes(String(parsed.value))) {
      return fail(
        'PND_INVALID_SETTING',
        `${where}${key}: "${String(parsed.value).slice(0, 40)}" is no vendor; known: ${knownVendors().join(', ')}`,
        { key },
      );
    }
    out[key] = parsed.value;
  }
  return ok(out);
}

/**
 * A key set on a device itself is for that device alone, so it must be of its vendor's form;
 * a profile's key may serve some of its phones only (plugndial check warns of the others).
 */
export function checkOwnKey(device: Pick<Device, 'vendor' | 'settings'>, where = ''): Result<void> {
  const key = device.settings['security.config_key'];
  const forms = driverForVendor(device.vendor)?.configKeys;
  // A family that decrypts nothing has no form to get wrong (plugndial check warns instead).
  if (typeof key !== 'string' || !forms || forms.none !== undefined) return ok(undefined);
  if (forms.fits(device.vendor, key, device.settings)) return ok(undefined);
  return fail(
    'PND_INVALID_SETTING',
    `${where}security.config_key: a ${device.vendor} device takes a ${forms.describe(device.vendor, device.settings)}; a key for other phones belongs on their profile`,
    { key: 'security.config_key' },
  );
}

function isDriverName(name: string): boolean {
  return drivers.some((d) => d.name === name);
}

async function checkProfiles(store: Store, names: readonly string[], where = ''): Promise<void> {
  const known = new Set((await store.listProfiles()).map((p) => p.name));
  const missing = names.find((n) => !known.has(n));
  if (missing !== undefined) {
    throw pndError(
      'PND_PROFILE_NOT_FOUND',
      `${where}profile "${missing.slice(0, 64)}" does not exist; create it with "plugndial profile add ${missing.slice(0, 64)}"`,
    );
  }
}

/** A device's model, which goes into file names, listings and terminals: 1–64 printable characters. */
export function checkModel(model: unknown, where = ''): Result<string> {
  const text = String(model);
  if (text.length >= 1 && text.length <= 64 && isPrintable(text)) return ok(text);
  return fail(
    'PND_INVALID_ARGUMENT',
    `${where}model: expected 1 to 64 printable characters, e.g. T54W or CP-8841-3PCC`,
  );
}

export function buildDevice(input: DeviceInput, now: Date, where = ''): Result<Device> {
  const mac = parseMac(String(input.mac ?? ''));
  if (!mac.ok) return fail('PND_INVALID_MAC', `${where}${mac.error.message}`);
  const vendor = checkVendor(String(input.vendor ?? ''));
  if (!vendor.ok) return fail(vendor.error.code, `${where}${vendor.error.message}`);
  const settings = checkSettings(input.settings ?? {}, where);
  if (!settings.ok) return settings;
  const own = checkOwnKey({ vendor: vendor.value, settings: settings.value }, where);
  if (!own.ok) return own;
  const model = input.model ? checkModel(input.model, where) : undefined;
  if (model && !model.ok) return model;
  const stamp = now.toISOString();
  return ok({
    mac: mac.value,
    vendor: vendor.value,
    profiles: dedupe(input.profiles ?? []),
    settings: settings.value,
    createdAt: stamp,
    updatedAt: stamp,
    ...(model ? { model: model.value } : {}),
  });
}

/** Adds devices all or nothing: one bad row and nothing of the command is stored. */
export async function addDevices(
  store: Store,
  inputs: readonly DeviceInput[],
  now: Date,
): Promise<Device[]> {
  const devices: Device[] = [];
  const seen = new Set<string>();
  for (const [i, input] of inputs.entries()) {
    const where = inputs.length > 1 ? `device ${i + 1}: ` : '';
    const built = buildDevice(input, now, where);
    if (!built.ok) throw built.error;
    if (seen.has(built.value.mac))
      throw pndError('PND_DEVICE_EXISTS', `${where}MAC ${built.value.mac} is listed twice`);
    seen.add(built.value.mac);
    devices.push(built.value);
  }
  await checkProfiles(
    store,
    devices.flatMap((d) => d.profiles),
  );
  await store.insertDevices(devices);
  return devices;
}

export async function patchDevice(
  store: Store,
  macText: string,
  patch: DevicePatch,
  now: Date,
): Promise<Device> {
  const mac = parseMac(macText);
  if (!mac.ok) throw mac.error;
  if (patch.vendor !== undefined) {
    const vendor = checkVendor(patch.vendor);
    if (!vendor.ok) throw vendor.error;
  }
  const set = checkSettings(patch.settings ?? {});
  if (!set.ok) throw set.error;
  for (const key of patch.unset ?? []) {
    if (!specFor(key) && !nativeKey(key))
      throw pndError('PND_UNKNOWN_SETTING', `unknown setting "${key.slice(0, 100)}"`, { key });
    // Both would leave one silently undone: the value given, or the removal asked for.
    if (Object.hasOwn(set.value, key))
      throw pndError(
        'PND_INVALID_ARGUMENT',
        `"${key.slice(0, 100)}" is both set and unset; give it in one of them`,
        { key },
      );
  }
  if (patch.model !== undefined && patch.model !== null) {
    const model = checkModel(patch.model);
    if (!model.ok) throw model.error;
  }
  if (patch.profiles) await checkProfiles(store, patch.profiles);
  return store.updateDevice(mac.value, (device) => {
    const settings = { ...device.settings, ...set.value };
    for (const key of patch.unset ?? []) delete settings[key];
    const next: Device = { ...device, settings, updatedAt: now.toISOString() };
    if (patch.vendor !== undefined) next.vendor = patch.vendor;
    if (patch.model === null) delete next.model;
    else if (patch.model !== undefined) next.model = patch.model;
    if (patch.profiles) next.profiles = dedupe(patch.profiles);
    const own = checkOwnKey(next);
    if (!own.ok) throw own.error;
    return next;
  });
}

/** A device row of a CSV file: what it describes and the line of the file it starts on. */
export interface CsvDevice {
  line: number;
  input: DeviceInput;
}

/** What is wrong with one row of a CSV file. */
export interface RowProblem {
  line: number;
  message: string;
}

/** Bad rows named in one refusal; the rest are counted. */
const MAX_REPORTED_ROWS = 100;

/** One refusal naming every bad row (up to 100) by its line, with the rows in `details`. */
function rowsRefused(file: string, problems: readonly RowProblem[]): PlugndialError {
  const shown = [...problems].sort((a, b) => a.line - b.line).slice(0, MAX_REPORTED_ROWS);
  const more = problems.length - shown.length;
  const rows = problems.length === 1 ? '1 row' : `${problems.length} rows`;
  return pndError(
    'PND_INVALID_CSV',
    [
      `${rows} of ${file} ${problems.length === 1 ? 'is' : 'are'} refused; no device was stored:`,
      ...shown.map((p) => `  line ${p.line}: ${p.message}`),
      ...(more > 0 ? [`  … and ${more} more bad rows`] : []),
    ].join('\n'),
    { rows: shown },
  );
}

/**
 * Reads a device CSV: header `mac,vendor,model,profiles` plus any canonical key as a column.
 * Profiles inside a cell are separated by `;` or `|`. Empty cells are left unset. Every bad
 * row is reported, by the line of the file it starts on.
 */
export function devicesFromCsv(
  text: string,
): Result<{ devices: CsvDevice[]; problems: RowProblem[] }> {
  // 100,000 devices and the header above them.
  const parsed = parseCsvRows(text, 100_001);
  if (!parsed.ok) return parsed;
  const [header, ...rows] = parsed.value;
  if (!header)
    return fail(
      'PND_INVALID_CSV',
      'the file is empty; expected a header row starting with mac,vendor',
    );
  const columns = header.cells.map((h) => h.trim());
  for (const required of ['mac', 'vendor']) {
    if (!columns.includes(required))
      return fail('PND_INVALID_CSV', `the header has no "${required}" column`);
  }
  for (const column of columns) {
    if (['mac', 'vendor', 'model', 'profiles'].includes(column)) continue;
    if (!specFor(column) && !nativeKey(column)) {
      return fail(
        'PND_INVALID_CSV',
        `column "${column.slice(0, 60)}" is not a canonical setting; allowed: mac, vendor, model, profiles and setting keys`,
      );
    }
  }
  const devices: CsvDevice[] = [];
  const problems: RowProblem[] = [];
  const firstLine = new Map<string, number>();
  for (const { line, cells: row } of rows) {
    if (row.length !== columns.length) {
      problems.push({ line, message: `${row.length} cells, the header has ${columns.length}` });
      continue;
    }
    const cell = (name: string): string => (row[columns.indexOf(name)] ?? '').trim();
    const settings: Record<string, string> = {};
    columns.forEach((column, c) => {
      if (!['mac', 'vendor', 'model', 'profiles'].includes(column) && row[c]!.trim() !== '') {
        settings[column] = row[c]!.trim();
      }
    });
    const input: DeviceInput = {
      mac: cell('mac'),
      vendor: cell('vendor'),
      profiles: cell('profiles')
        .split(/[;|]/)
        .map((p) => p.trim())
        .filter(Boolean),
      settings,
      ...(cell('model') ? { model: cell('model') } : {}),
    };
    const built = buildDevice(input, new Date(0));
    if (!built.ok) {
      problems.push({ line, message: built.error.message });
      continue;
    }
    const earlier = firstLine.get(built.value.mac);
    if (earlier !== undefined) {
      problems.push({
        line,
        message: `MAC ${built.value.mac} is listed twice (first on line ${earlier})`,
      });
      continue;
    }
    firstLine.set(built.value.mac, line);
    devices.push({ line, input });
  }
  return ok({ devices, problems });
}

export interface ImportOutcome {
  added: number;
  updated: number;
  /** Checked only: nothing was stored. */
  checked: boolean;
}

/** An import's outcome and the devices it added or changed, as stored (for the check). */
export interface ImportResult {
  outcome: ImportOutcome;
  devices: Device[];
}

/**
 * Imports a device CSV all or nothing: every bad row is reported (by its line), a device that
 * exists refuses the file unless `update`, and `check` runs it all without storing.
 */
export async function importDevicesCsv(
  store: Store,
  text: string,
  options: { update: boolean; check: boolean; file?: string },
  now: Date,
): Promise<ImportResult> {
  const file = options.file ?? 'the file';
  const parsed = devicesFromCsv(text);
  if (!parsed.ok) throw parsed.error;
  const { devices, problems } = parsed.value;
  const known = new Set((await store.listProfiles()).map((p) => p.name));
  for (const { line, input } of devices) {
    const missing = (input.profiles ?? []).find((name) => !known.has(name));
    if (missing !== undefined)
      problems.push({
        line,
        message: `profile "${missing.slice(0, 64)}" does not exist; create it with "plugndial profile add ${missing.slice(0, 64)}"`,
      });
  }
  if (problems.length > 0) throw rowsRefused(file, problems);
  const changed: Device[] = [];
  const batch = devices.map(({ line, input }): DeviceImport => {
    const built = buildDevice(input, now);
    if (!built.ok) throw built.error;
    return {
      device: built.value,
      change: (existing) => {
        const next = changedByRow(existing, built.value, input);
        // The row and what the device already holds together, as a PATCH is checked: a new
        // vendor must take the key the device keeps.
        const own = checkOwnKey(next);
        if (!own.ok) throw rowsRefused(file, [{ line, message: own.error.message }]);
        changed.push(next);
        return next;
      },
    };
  });
  try {
    const result = await store.importDevices(batch, {
      update: options.update,
      dryRun: options.check,
    });
    const added = new Set<string>(result.added);
    return {
      outcome: {
        added: result.added.length,
        updated: result.updated.length,
        checked: options.check,
      },
      devices: [...batch.map((b) => b.device).filter((d) => added.has(d.mac)), ...changed],
    };
  } catch (error) {
    const macs =
      isPlugndialError(error) && error.code === 'PND_DEVICE_EXISTS'
        ? error.details?.['macs']
        : undefined;
    if (!Array.isArray(macs)) throw error;
    const there = new Set(macs.map(String));
    throw rowsRefused(
      file,
      devices
        .map(({ line }, i) => ({ line, mac: batch[i]!.device.mac }))
        .filter(({ mac }) => there.has(mac))
        .map(({ line, mac }) => ({
          line,
          message: `device ${mac} already exists; --update changes it`,
        })),
    );
  }
}

/** An existing device as a CSV row changes it: the row's non-empty cells, nothing else. */
function changedByRow(existing: Device, row: Device, input: DeviceInput): Device {
  const next: Device = {
    ...existing,
    vendor: row.vendor,
    settings: { ...existing.settings, ...row.settings },
  };
  if (input.model) next.model = row.model!;
  if ((input.profiles ?? []).length > 0) next.profiles = row.profiles;
  return next;
}

function dedupe(names: readonly string[]): string[] {
  return [...new Set(names.map((n) => n.trim()).filter(Boolean))];
}
