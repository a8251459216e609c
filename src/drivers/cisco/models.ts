import type { ModelKnowledge } from '../driver.ts';
import type { LineCapacity } from '../capacity.ts';

/**
 * Cisco's two provisioning generations that share the `<flat-profile>` format: the
 * Small Business SPA phones and adapters (vendor `cisco-spa`: SPA30x, SPA50x, SPA52x,
 * SPA1xx) and the multiplatform phones (vendor `cisco`: 68xx, 78xx, 88xx with 3PCC firmware).
 */
export type CiscoFamily = 'mpp' | 'spa';

export const MPP = 'cisco';
export const SPA = 'cisco-spa';

export const DEFAULT_MODELS: Readonly<Record<CiscoFamily, string>> = {
  mpp: 'CP-8841-3PCC',
  spa: 'SPA504G',
};
export const DEFAULT_FIRMWARE: Readonly<Record<CiscoFamily, string>> = {
  mpp: '11.3.1',
  spa: '7.6.2',
};

export function familyOf(vendor: string): CiscoFamily {
  return vendor === SPA ? 'spa' : 'mpp';
}

/**
 * `$PSN`, the product series number the factory Profile_Rule names: `504G` for a SPA504G
 * (`/spa504G.cfg`), `8841-3PCC` for a CP-8841-3PCC (`/8841-3PCC.xml`, the form the 6800
 * provisioning guide's `6841-3PCC` example and public templates use; *uncertain*: one 8800
 * guide shows `V03`).
 */
export function psnOf(model: string, family: CiscoFamily): string {
  if (family === 'spa') return model.replace(/^(cisco[\s-]*)?spa[\s-]*/i, '');
  const digits = /(\d{4})/.exec(model)?.[1];
  return digits ? `${digits}-3PCC` : model;
}

/** The model a bootstrap name's `$PSN` stands for: `SPA504G`, `CP-8841-3PCC`. */
export function modelOfPsn(psn: string, family: CiscoFamily): string | undefined {
  if (family === 'spa') return `SPA${psn.toUpperCase()}`;
  const digits = /^(?:CP-)?(\d{4})(?:-3PCC)?$/i.exec(psn)?.[1];
  return digits ? `CP-${digits}-3PCC` : undefined;
}

// The multiplatform phones as their agents name them (`CP-8841-3PCC`, `CP-7832-3PCC`, also
// without `CP-` or `-3PCC`), and the SPA phones and adapters (`SPA504G`, `SPA-942`, `SPA122`).
const MPP_MODEL = /^(cisco[\s-]*)?(cp-)?(6[89]|7[89]|8[4-9])\d\d([a-z]{0,2})?(-3pcc)?$/i;
const SPA_MODEL = /^(cisco[\s-]*)?spa[\s-]?\d{3}[a-z]{0,2}$/i;

export const ciscoModels: ModelKnowledge = {
  knows: (vendor, model) => (familyOf(vendor) === 'spa' ? SPA_MODEL : MPP_MODEL).test(model.trim()),
  describe: (vendor) =>
    familyOf(vendor) === 'spa'
      ? 'SPA30x, SPA50x, SPA52x and SPA1xx as the phone names itself, e.g. SPA504G'
      : 'the 68xx, 78xx and 88xx multiplatform phones, e.g. CP-8841-3PCC',
};

// Line keys per model, a line each: wazo-provd-plugins' `_NB_FKEY` (cisco_sip for the 88xx,
// cisco_spa for the SPA phones). The SPA301, SPA502G and SPA512G (none there) have the one
// line FusionPBX's templates write; the SPA112/122 adapters two ports and no keys (the same).
const MPP_MODELS: Readonly<Record<string, number>> = {
  '8811': 10,
  '8841': 10,
  '8851': 10,
  '8861': 10,
};
const SPA_MODELS: Readonly<Record<string, { lines: number; keys: number }>> = {
  SPA301: { lines: 1, keys: 1 },
  SPA303: { lines: 3, keys: 3 },
  SPA501G: { lines: 8, keys: 8 },
  SPA502G: { lines: 1, keys: 1 },
  SPA504G: { lines: 4, keys: 4 },
  SPA508G: { lines: 8, keys: 8 },
  SPA509G: { lines: 12, keys: 12 },
  SPA512G: { lines: 1, keys: 1 },
  SPA514G: { lines: 4, keys: 4 },
  SPA525G: { lines: 5, keys: 5 },
  SPA525G2: { lines: 5, keys: 5 },
  SPA941: { lines: 4, keys: 4 },
  SPA942: { lines: 4, keys: 4 },
  SPA962: { lines: 6, keys: 6 },
  SPA112: { lines: 2, keys: 0 },
  SPA122: { lines: 2, keys: 0 },
};
// The most lines a public template writes for the family: FusionPBX's `cisco/9861` 16 (MPP),
// the SPA509G's 12 (SPA).
const FAMILY_MOST: Readonly<Record<CiscoFamily, number>> = { mpp: 16, spa: 12 };

/**
 * The lines (`Line_Enable_N_`…) and line keys (`Extension_N_`…) of a model; a model not in the
 * table gets its family's most.
 */
export function lineCapacity(family: CiscoFamily, model: string | undefined): LineCapacity {
  if (family === 'mpp') {
    const lines = MPP_MODELS[/(\d{4})/.exec(model ?? '')?.[1] ?? ''];
    if (lines !== undefined) return { accounts: lines, keys: lines, known: true };
  } else {
    const name = (model ?? '').toUpperCase().replace(/^(CISCO|LINKSYS)/, '');
    const known = SPA_MODELS[name.replace(/[^A-Z0-9]/g, '')];
    if (known) return { accounts: known.lines, keys: known.keys, known: true };
  }
  const most = FAMILY_MOST[family];
  return { accounts: most, keys: most, known: false };
}
