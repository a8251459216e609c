import type { ModelKnowledge } from '../driver.ts';
import { dialectFor } from './dialect.ts';

/**
 * Yealink's models as provisioning sees them: the number in the common file each asks for
 * (`y0000000000XX.cfg`), the keys it has, and for DECT bases what they register. Sources and
 * how sure each number is: README.md ("Model table").
 */
export interface YealinkModel {
  /** As the User-Agent names it once `SIP-` / `SIP VP-` is taken off: `T46S`, `W70B`. */
  model: string;
  /** The number in its common file, `y000000000066.cfg` → 66. */
  code: number;
  /** `linekey.N`: line keys with their pages. */
  lineKeys: number;
  /** `memorykey.N`: the separate DSS keys of older T2x phones. */
  memoryKeys?: number;
  /** `expansion_module.X.key.Y`: keys per module and how many modules chain. */
  expansion?: Expansion;
  /** A DECT base or manager: how many handsets and accounts; multi-cell ones use server templates. */
  dect?: Dect;
  /**
   * Its last firmware is V73 (the T2xP of old): keys without `static.` and the transport as
   * `account.N.transport`, when the phone does not say which firmware it runs.
   */
  legacy?: true;
  /** Other names the same phone goes by (a User-Agent or a catalogue entry). */
  aliases?: readonly string[];
}

export interface Expansion {
  keys: number;
  modules: number;
}

export interface Dect {
  handsets: number;
  accounts: number;
  /** Accounts name a `template.N.*` server rather than carrying their own. */
  serverTemplates: boolean;
}

// Expansion modules as public templates pair them with phones: EXP40 (T2x/T4x G and S),
// EXP43 (T4xU), EXP50 (T5x), EXP55 (T7x/T8x).
const EXP40: Expansion = { keys: 40, modules: 6 };
const EXP43: Expansion = { keys: 60, modules: 3 };
const EXP50: Expansion = { keys: 60, modules: 3 };
const EXP55: Expansion = { keys: 78, modules: 3 };

function dect(handsets: number, accounts: number, serverTemplates = false): Dect {
  return { handsets, accounts, serverTemplates };
}

export const YEALINK_MODELS: readonly YealinkModel[] = [
  // T2x: the older desk phones; T26P, T28P and T38G have memory keys besides their line keys.
  { model: 'T19P_E2', code: 53, lineKeys: 0, aliases: ['T19P'] },
  { model: 'T20P', code: 7, lineKeys: 2, legacy: true },
  { model: 'T21P_E2', code: 52, lineKeys: 2, aliases: ['T21P', 'T21_E2'] },
  { model: 'T22P', code: 5, lineKeys: 3, legacy: true },
  { model: 'T23G', code: 44, lineKeys: 3 },
  { model: 'T23P', code: 44, lineKeys: 3 },
  { model: 'T26P', code: 4, lineKeys: 3, memoryKeys: 10, legacy: true },
  { model: 'T27G', code: 69, lineKeys: 21, expansion: EXP40 },
  { model: 'T27P', code: 45, lineKeys: 21, expansion: EXP40 },
  // The T28P asks for y000000000000.cfg itself: its file is the common one.
  { model: 'T28P', code: 0, lineKeys: 6, memoryKeys: 10, legacy: true },
  { model: 'T29G', code: 46, lineKeys: 27, expansion: EXP40 },
  { model: 'T32G', code: 32, lineKeys: 3, legacy: true },
  { model: 'T38G', code: 38, lineKeys: 6, memoryKeys: 10, legacy: true },
  // T3x
  { model: 'T30', code: 124, lineKeys: 0 },
  { model: 'T30P', code: 124, lineKeys: 0 },
  { model: 'T31', code: 124, lineKeys: 2 },
  { model: 'T31P', code: 124, lineKeys: 2 },
  { model: 'T31W', code: 124, lineKeys: 2 },
  { model: 'T31G', code: 123, lineKeys: 2 },
  { model: 'T33G', code: 124, lineKeys: 12 },
  { model: 'T33P', code: 124, lineKeys: 12 },
  { model: 'T34W', code: 171, lineKeys: 12 },
  // T4x
  { model: 'T40P', code: 54, lineKeys: 3 },
  { model: 'T40G', code: 76, lineKeys: 3 },
  { model: 'T41P', code: 36, lineKeys: 15 },
  { model: 'T41S', code: 68, lineKeys: 15 },
  { model: 'T41U', code: 108, lineKeys: 15 },
  { model: 'T42G', code: 29, lineKeys: 15 },
  { model: 'T42S', code: 67, lineKeys: 15 },
  { model: 'T42U', code: 116, lineKeys: 15 },
  { model: 'T43U', code: 107, lineKeys: 15, expansion: EXP43 },
  { model: 'T44U', code: 108, lineKeys: 24 },
  { model: 'T44W', code: 174, lineKeys: 24 },
  { model: 'T46G', code: 28, lineKeys: 27, expansion: EXP40 },
  { model: 'T46S', code: 66, lineKeys: 27, expansion: EXP40 },
  { model: 'T46U', code: 108, lineKeys: 27, expansion: EXP43 },
  { model: 'T48G', code: 35, lineKeys: 29, expansion: EXP40 },
  { model: 'T48S', code: 65, lineKeys: 29, expansion: EXP40 },
  { model: 'T48U', code: 109, lineKeys: 29, expansion: EXP43 },
  { model: 'T49G', code: 51, lineKeys: 29 },
  // T5x
  { model: 'T52S', code: 74, lineKeys: 21, expansion: EXP50 },
  { model: 'T53', code: 95, lineKeys: 21, expansion: EXP50, aliases: ['T53C'] },
  { model: 'T53W', code: 95, lineKeys: 21, expansion: EXP50 },
  { model: 'T54S', code: 70, lineKeys: 27, expansion: EXP50 },
  { model: 'T54W', code: 96, lineKeys: 27, expansion: EXP50 },
  { model: 'T56A', code: 56, lineKeys: 27, expansion: EXP50 },
  { model: 'T57W', code: 97, lineKeys: 29, expansion: EXP50 },
  { model: 'T58', code: 58, lineKeys: 27, expansion: EXP50, aliases: ['T58A', 'T58V'] },
  { model: 'T58W', code: 150, lineKeys: 27, expansion: EXP50 },
  // T7x/T8x
  { model: 'T73U', code: 186, lineKeys: 48, expansion: EXP55 },
  { model: 'T73W', code: 183, lineKeys: 48, expansion: EXP55 },
  { model: 'T74U', code: 187, lineKeys: 60, expansion: EXP55 },
  { model: 'T74W', code: 184, lineKeys: 60, expansion: EXP55 },
  { model: 'T77U', code: 188, lineKeys: 95, expansion: EXP55 },
  { model: 'T85W', code: 196, lineKeys: 72, expansion: EXP55 },
  { model: 'T87W', code: 197, lineKeys: 95, expansion: EXP55 },
  { model: 'T88V', code: 192, lineKeys: 95, expansion: EXP55 },
  { model: 'T88W', code: 192, lineKeys: 95, expansion: EXP55 },
  // Conference and video phones, and the AX cordless desk phones
  { model: 'CP860', code: 37, lineKeys: 0 },
  { model: 'CP920', code: 78, lineKeys: 0 },
  { model: 'CP925', code: 148, lineKeys: 0 },
  { model: 'CP960', code: 73, lineKeys: 0 },
  { model: 'CP965', code: 143, lineKeys: 0 },
  { model: 'VP530', code: 23, lineKeys: 0, aliases: ['VP530P'] },
  { model: 'VP59', code: 91, lineKeys: 0 },
  { model: 'AX83H', code: 180, lineKeys: 0 },
  { model: 'AX86R', code: 180, lineKeys: 0 },
  // W-series DECT: the base (or the DECT manager of a multi-cell system) provisions for its handsets.
  { model: 'W52P', code: 25, lineKeys: 0, dect: dect(5, 5) },
  { model: 'W56P', code: 25, lineKeys: 0, dect: dect(5, 5) },
  { model: 'W60B', code: 77, lineKeys: 0, dect: dect(8, 8) },
  { model: 'W70B', code: 146, lineKeys: 0, dect: dect(10, 10) },
  { model: 'W75DM', code: 175, lineKeys: 0, dect: dect(20, 20, true) },
  { model: 'W75B', code: 175, lineKeys: 0, dect: dect(20, 20, true) },
  { model: 'W80DM', code: 103, lineKeys: 0, dect: dect(30, 30, true) },
  { model: 'W80B', code: 103, lineKeys: 0, dect: dect(30, 30, true) },
  { model: 'W90DM', code: 130, lineKeys: 0, dect: dect(250, 250, true) },
  { model: 'W90B', code: 130, lineKeys: 0, dect: dect(250, 250, true) },
];

/**
 * Handsets a W-series base upgrades over the air, by the name of their `over_the_air.url.<name>`
 * key; a catalogue image of one of these models goes there.
 */
export const HANDSET_MODELS: readonly string[] = [
  'W52H',
  'W53H',
  'W56H',
  'W57R',
  'W59R',
  'W73H',
  'W74H',
  'W78H',
  'CP930W',
];

const BY_NAME = new Map<string, YealinkModel>();
for (const entry of YEALINK_MODELS) {
  for (const name of [entry.model, ...(entry.aliases ?? [])])
    BY_NAME.set(name.toUpperCase(), entry);
}

const BY_CODE = new Map<number, YealinkModel[]>();
for (const entry of YEALINK_MODELS) {
  if (entry.code === 0) continue;
  BY_CODE.set(entry.code, [...(BY_CODE.get(entry.code) ?? []), entry]);
}

/** `SIP-T46G`, `SIP VP-T49G`, `Yealink W70B`, `t46g` → `T46G`: the name the table uses. */
export function modelName(reported: string): string {
  return reported
    .trim()
    .replace(/^yealink[\s-]+/i, '')
    .replace(/^sip[\s-]+/i, '')
    .replace(/^vp-/i, '')
    .toUpperCase();
}

/** The table's entry for a model as a User-Agent, the store or the catalogue names it. */
export function modelInfo(reported: string | undefined): YealinkModel | undefined {
  return reported === undefined ? undefined : BY_NAME.get(modelName(reported));
}

/** The models that ask for `y0000000000XX.cfg` with this number. */
export function modelsOfCode(code: number): readonly YealinkModel[] {
  return BY_CODE.get(code) ?? [];
}

/**
 * The model a common file stands for: the one its number names, or where several share the
 * number, the one the phone says it is (its User-Agent); else the first listed.
 */
export function modelOfCode(code: number, reported: string | undefined): YealinkModel | undefined {
  const models = modelsOfCode(code);
  const said = modelInfo(reported);
  if (said && models.includes(said)) return said;
  return models[0];
}

/** The common file a model asks for when no boot file tells it otherwise. */
export function commonFileOf(model: YealinkModel): string {
  return `y${String(model.code).padStart(12, '0')}.cfg`;
}

/** Whether a catalogue model is a handset a base upgrades over the air. */
export function isHandsetModel(model: string): boolean {
  return HANDSET_MODELS.includes(modelName(model));
}

/** The release a firmware version belongs to: `28.73.0.50` → 73, `96.86.0.70` → 86. */
export function firmwareRelease(firmware: string | undefined): number | undefined {
  const field = firmware === undefined ? undefined : /^\d+\.(\d+)\./.exec(firmware.trim())?.[1];
  return field === undefined ? undefined : Number(field);
}

/** The release whose keys a file for this phone is written in: what it runs, else its model's last. */
export function releaseOf(
  model: YealinkModel | undefined,
  firmware: string | undefined,
): number | undefined {
  return firmwareRelease(firmware) ?? (model?.legacy ? LEGACY_RELEASE : undefined);
}

export const LEGACY_RELEASE = 73;
/** From V81 on, provisioning, network and security keys carry `static.`. */
export const STATIC_RELEASE = 81;
/** From V71 on, an account's server is `account.N.sip_server.1.*` (before: `sip_server_host`). */
export const SERVER_KEYS_RELEASE = 71;
/** From V80 on, an account's transport is `account.N.sip_server.1.transport_type`. */
export const SERVER_TRANSPORT_RELEASE = 80;

// Flyingvoice's FIP range (seed 001: FIP10 to FIP16, with G/W/Plus variants) and Yealink's
// desk, DECT and conference series as their agents name them (`SIP-T46G`, `T54W`, `W60B`):
// a Yealink model newer than the table is still one of these series.
const FLYINGVOICE = /^fip1[0-6][0-9a-z()_-]*$/i;
const YEALINK = /^(sip-?)?(t|w|cp|vp|mp|ax)\d{2,3}[a-z0-9_-]*$/i;

export const yealinkModels: ModelKnowledge = {
  knows: (vendor, model) =>
    dialectFor(vendor) === 'yealink'
      ? modelInfo(model) !== undefined || YEALINK.test(model.trim())
      : FLYINGVOICE.test(model.trim()),
  describe: (vendor) =>
    dialectFor(vendor) === 'yealink'
      ? 'the T, W, CP, VP, MP and AX series as the phone names itself, e.g. SIP-T46G or T54W'
      : 'FIP10 to FIP16, e.g. FIP14G',
};
