import type { ModelKnowledge } from '../driver.ts';
import type { LineCapacity } from '../capacity.ts';

/**
 * Grandstream model names as the phones write them in `cfg<model>.xml` and their
 * User-Agent (`GXP2130`, `GRP2614`, `DP750`, `WP820`, `HT801`), and the firmware file each
 * series asks for in its firmware path.
 */
export const DEFAULT_MODEL = 'GXP2130';
export const DEFAULT_FIRMWARE = '1.0.11.3';

const MODEL = /^(gxp|grp|gxv|gac|gsc|gxw|ghp|dp|wp|ht)(\d{3,4})([a-z]{0,2})$/i;

/** The model a `cfg<model>.xml` name stands for, upper case (`GRP2612W`); undefined if none. */
export function modelOfName(name: string): string | undefined {
  const match = MODEL.exec(name);
  return match ? `${match[1]}${match[2]}${match[3]}`.toUpperCase() : undefined;
}

/**
 * The firmware image a model fetches from its firmware path. Series share one image
 * (public provisioning templates and Grandstream's firmware downloads; *uncertain* per
 * model): GXP16xx `gxp1600fw.bin`, GXP17xx `gxp1700fw.bin`, GXP213x–217x `gxp2130fw.bin`,
 * GRP26xx `grp2600fw.bin`, DP75x/DP72x `dp750fw.bin`; any other model `<model>fw.bin`.
 */
export function firmwareFileOf(model: string): string {
  const m = model.toLowerCase();
  if (/^gxp16\d\d/.test(m)) return 'gxp1600fw.bin';
  if (/^gxp17\d\d/.test(m)) return 'gxp1700fw.bin';
  if (/^gxp21[3-7]\d/.test(m)) return 'gxp2130fw.bin';
  if (/^grp26\d\d/.test(m)) return 'grp2600fw.bin';
  if (/^dp7[25]\d/.test(m)) return 'dp750fw.bin';
  return `${m.replace(/[^a-z0-9]/g, '')}fw.bin`;
}

/** An image name a phone may ask for: `<letters and digits>fw.bin`. */
export const FIRMWARE_NAME = /^[a-z]{2,4}\d{3,4}[a-z]{0,2}fw\.bin$/i;

export const grandstreamModels: ModelKnowledge = {
  knows: (_vendor, model) => modelOfName(model.trim()) !== undefined,
  describe: () => 'the GXP, GRP, GXV, DP, WP and HT series as the phone names itself, e.g. GXP2130',
  imageFileName: firmwareFileOf,
};

// Grandstream's GXP21xx template (firmware 1.0.11.79, as FusionPBX redistributes it): "VPK1 to
// VPK3 are fixed VPK, VPK4 to VPK12 are dynamic" for the GXP2130, and so on; a fixed VPK is an
// account's own key.
const GXP21XX: Readonly<Record<string, { accounts: number; keys: number }>> = {
  GXP2130: { accounts: 3, keys: 12 },
  GXP2135: { accounts: 8, keys: 32 },
  GXP2140: { accounts: 4, keys: 16 },
  GXP2160: { accounts: 6, keys: 24 },
  GXP2170: { accounts: 12, keys: 48 },
};
// The most the templates name: "Account 12" (GXP21xx and GRP261x templates), the GXP2170's 48 VPKs.
const FAMILY_MOST = { accounts: 12, keys: 48 };

/** The accounts and line keys of a model; a model not in the table gets the family's most. */
export function lineCapacity(model: string | undefined): LineCapacity {
  const known = GXP21XX[modelOfName(model?.trim() ?? '') ?? ''];
  return known ? { ...known, known: true } : { ...FAMILY_MOST, known: false };
}
