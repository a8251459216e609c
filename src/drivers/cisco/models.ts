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
