import type { ModelKnowledge } from '../driver.ts';

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
