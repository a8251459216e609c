import type { LineCapacity } from '../capacity.ts';
/** Polycom's VVX Expansion Module guide (UC Software 4.1.6): "up to 34 line registrations". */
const MOST_ACCOUNTS = 34;
/** Three expansion modules of 40 keys (wazo-provd-plugins' `_EXPANSION`). */
const EXPANSION = 3 * 40;

/**
 * Registrations, then line keys. SoundPoint and SoundStation IP: the SIP 2.2 Administrator's
 * Guide (A-83 "x is the registration number", A-85 `reg.x.lineKeys` "max = the number of line
 * keys") and the SIP 3.1 guide (the registrations of the 560, 670, 6000 and 7000, whose keys
 * are taken to be the 550's, 650's and 4000's). VVX: wazo-provd-plugins'
 * `_NB_FKEY` (line keys, with three expansion modules where the model takes them); each
 * registration takes a line key of its own, at most 34.
 */
const MODELS: Readonly<Record<string, readonly [number, number]>> = {
  SSIP4000: [1, 1],
  SSIP6000: [1, 1],
  SSIP7000: [1, 1],
  SPIP301: [2, 2],
  SPIP320: [2, 2],
  SPIP330: [2, 2],
  SPIP430: [2, 2],
  SPIP501: [3, 3],
  SPIP550: [4, 4],
  SPIP560: [4, 4],
  SPIP600: [6, 6],
  SPIP601: [12, 48],
  SPIP650: [34, 48],
  SPIP670: [34, 48],
  VVX101: [2, 2],
  VVX150: [2, 2],
  VVX200: [2, 2],
  VVX201: [2, 2],
  VVX250: [4, 4],
  VVX300: [MOST_ACCOUNTS, 6 + EXPANSION],
  VVX301: [MOST_ACCOUNTS, 6 + EXPANSION],
  VVX310: [MOST_ACCOUNTS, 6 + EXPANSION],
  VVX311: [MOST_ACCOUNTS, 6 + EXPANSION],
  VVX350: [6, 6],
  VVX400: [MOST_ACCOUNTS, 12 + EXPANSION],
  VVX401: [MOST_ACCOUNTS, 12 + EXPANSION],
  VVX410: [MOST_ACCOUNTS, 12 + EXPANSION],
  VVX411: [MOST_ACCOUNTS, 12 + EXPANSION],
  VVX450: [MOST_ACCOUNTS, 12 + EXPANSION],
  VVX500: [MOST_ACCOUNTS, 12 + EXPANSION],
  VVX501: [MOST_ACCOUNTS, 12 + EXPANSION],
  VVX600: [MOST_ACCOUNTS, 16 + EXPANSION],
  VVX601: [MOST_ACCOUNTS, 16 + EXPANSION],
  VVX1500: [6, 6],
};
/** The most line keys in the table: a VVX 600 with three expansion modules. */
const MOST_KEYS = 16 + EXPANSION;

/**
 * The registrations and line keys of a model, named as plugndial names it (`VVX450`, any case,
 * with or without `_`); Trio, Edge E and a model not in the table get the family's most.
 */
export function lineCapacity(model: string | undefined): LineCapacity {
  const known = MODELS[(model ?? '').toUpperCase().replace(/[\s_-]/g, '')];
  return known
    ? { accounts: known[0], keys: known[1], known: true }
    : { accounts: MOST_ACCOUNTS, keys: MOST_KEYS, known: false };
}
