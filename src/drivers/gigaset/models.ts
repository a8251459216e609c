import { settingToText, type Settings } from '../../model/settings.ts';

/** A Maxwell model: its `%DVID` (device id in URLs) and the `productID` its files carry. */
export interface GigasetModel {
  name: string;
  dvid: string;
  productId: string;
}

/**
 * Seed 002 documents `mx3b` for the Maxwell 3 and Basic; Gigaset's firmware notes serve one
 * `mx3b` template to every Maxwell and give the DVIDs below. Other product IDs are not
 * public: `native.gigaset.productID` overrides the table for a device or profile.
 */
export const MODELS: readonly GigasetModel[] = [
  { name: 'Maxwell 3', dvid: '82/1', productId: 'mx3b' },
  { name: 'Maxwell Basic', dvid: '82/2', productId: 'mx3b' },
  { name: 'Maxwell 2', dvid: '82/6', productId: 'mx3b' },
  { name: 'Maxwell 4', dvid: '84/1', productId: 'mx3b' },
];

export const DEFAULT_MODEL: GigasetModel = MODELS[0]!;

/** The setting that overrides the product ID; it is not a parameter of the settings file. */
export const PRODUCT_ID_KEY = 'native.gigaset.productID';

const PRODUCT_ID = /^[A-Za-z0-9_.-]{1,32}$/;

/** `Maxwell 3`, `maxwell3`, `Gigaset Maxwell 3` and `MAXWELL-3` name the same model. */
export function modelByName(name: string | undefined): GigasetModel | undefined {
  if (name === undefined) return undefined;
  const key = normalise(name).replace(/^gigaset/, '');
  return MODELS.find((model) => normalise(model.name) === key);
}

export function modelByDvid(dvid: string): GigasetModel | undefined {
  return MODELS.find((model) => model.dvid === dvid);
}

/** The product ID for a device: the override, else its model's, else the Maxwell 3's. */
export function productIdFor(settings: Settings, model: string | undefined): string {
  const override = settings[PRODUCT_ID_KEY];
  if (override !== undefined) {
    const text = settingToText(override).trim();
    // A value that could not stand in an attribute safely is no product ID at all.
    if (PRODUCT_ID.test(text)) return text;
  }
  return (modelByName(model) ?? DEFAULT_MODEL).productId;
}

function normalise(name: string): string {
  return name.toLowerCase().replace(/[\s_-]+/g, '');
}
