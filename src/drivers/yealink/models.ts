import type { ModelKnowledge } from '../driver.ts';
import { dialectFor } from './dialect.ts';

// Flyingvoice's FIP range (seed 001: FIP10 to FIP16, with G/W/Plus variants) and Yealink's
// desk, DECT and conference series as their agents name them (`SIP-T46G`, `T54W`, `W60B`).
const FLYINGVOICE = /^fip1[0-6][0-9a-z()_-]*$/i;
const YEALINK = /^(sip-?)?(t|w|cp|vp|mp|ax)\d{2,3}[a-z0-9_-]*$/i;

export const yealinkModels: ModelKnowledge = {
  knows: (vendor, model) =>
    (dialectFor(vendor) === 'yealink' ? YEALINK : FLYINGVOICE).test(model.trim()),
  describe: (vendor) =>
    dialectFor(vendor) === 'yealink'
      ? 'the T, W, CP, VP, MP and AX series as the phone names itself, e.g. SIP-T46G or T54W'
      : 'FIP10 to FIP16, e.g. FIP14G',
};
