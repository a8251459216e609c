// Every fuzz target, in the order the table shows them.

import { CLIENT_TARGETS } from './clients.ts';
import type { Target } from './engine.ts';
import { FORMAT_TARGETS } from './formats.ts';
import { PHONE_TARGETS } from './phone.ts';
import { ROUNDTRIP_TARGETS } from './roundtrip.ts';
import { TEXT_TARGETS } from './text.ts';
import { WIRE_TARGETS } from './wire.ts';

export const TARGETS: readonly Target<unknown>[] = [
  ...WIRE_TARGETS,
  ...TEXT_TARGETS,
  ...FORMAT_TARGETS,
  ...PHONE_TARGETS,
  ...ROUNDTRIP_TARGETS,
  ...CLIENT_TARGETS,
];
