import type { ModelKnowledge } from '../driver.ts';

/**
 * The general configuration file each Fanvil model asks for (seed 004 §4.1 tables). A
 * general file is the same for every phone of the model; names match without case.
 */
export interface ModelFile {
  model: string;
  name: string;
}

export const GENERAL_FILES: readonly ModelFile[] = [
  // X series low-end colour screens, H series, access control (seed 004, first table)
  { model: 'X1', name: 'f0X1hw1.100.cfg' },
  { model: 'X2', name: 'f0X2hw1.100.cfg' },
  { model: 'X3S', name: 'f0X3Shw1.100.cfg' },
  { model: 'X4', name: 'f0X4hw1.100.cfg' },
  { model: 'H2S', name: 'f0H2Shw1.100.cfg' },
  { model: 'H3', name: 'f0H3hw1.100.cfg' },
  { model: 'H5', name: 'f0H5hw1.100.cfg' },
  { model: 'i16V', name: 'f0i16Vhw1.100.cfg' },
  { model: 'i20S', name: 'f0i20SVhw1.100.cfg' },
  { model: 'i30', name: 'f0i30hw1.100.cfg' },
  { model: 'i23S', name: 'f0i23Shw1.100.cfg' },
  { model: 'i31S', name: 'f0i31Shw1.100.cfg' },
  { model: 'i12', name: 'f0i12hw1.100.cfg' },
  { model: 'i18S', name: 'f0i18Shw1.100.cfg' },
  { model: 'PA2', name: 'f0PA2hw1.100.cfg' },
  { model: 'i13W', name: 'f0i13Whw1.100.cfg' },
  { model: 'i32V', name: 'f0i32Vhw1.100.cfg' },
  { model: 'i33V', name: 'f0i33Vhw1.100.cfg' },
  { model: 'iW30', name: 'f0iW30hw1.100.cfg' },
  { model: 'EIM-01', name: 'f0EIM-01hw1.100.cfg' },
  // X series high-end colour screens
  { model: 'X5S', name: 'F0V0X5S00000.cfg' },
  { model: 'X6', name: 'F0V00X600000.cfg' },
  { model: 'X7', name: 'F0V00X700000.cfg' },
  { model: 'X7C', name: 'F0V0X7C00000.cfg' },
  { model: 'X210', name: 'F0VX21000000.cfg' },
  // Android
  { model: 'F600', name: 'f0F060000000.cfg' },
  { model: 'C600', name: 'f0C060000000.cfg' },
  { model: 'C400', name: 'f0C040000000.cfg' },
  // Asked for in seed 004's TFTP capture (figure 8); the model is the C62 by public plugin data.
  { model: 'C62', name: 'f0C00620000.cfg' },
];

const BY_NAME = new Map(GENERAL_FILES.map((entry) => [entry.name.toLowerCase(), entry]));
const BY_MODEL = new Map(GENERAL_FILES.map((entry) => [entry.model.toLowerCase(), entry]));

// Models after the tables follow the first table's pattern: f0<model>hw1.100.cfg.
const HW1 = /^f0([a-z0-9][a-z0-9-]{0,15})hw1\.100\.cfg$/i;

/** The model a general file name stands for, or undefined when it is not one. */
export function modelOfGeneralFile(name: string): string | undefined {
  const known = BY_NAME.get(name.toLowerCase());
  if (known) return known.model;
  return HW1.exec(name)?.[1];
}

/** The general file a model asks for; models not in the tables get the hw1 pattern. */
export function generalFileOf(model: string): string {
  return BY_MODEL.get(model.toLowerCase())?.name ?? `f0${model}hw1.100.cfg`;
}

/** The models of the general-file tables; another model's file name is only a guess. */
export const fanvilModels: ModelKnowledge = {
  knows: (_vendor, model) => BY_MODEL.has(model.trim().toLowerCase()),
  describe: () => GENERAL_FILES.map((entry) => entry.model).join(', '),
};
