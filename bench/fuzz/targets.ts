// Every fuzz target, in the order the table shows them.

import type { Target } from './engine.ts';
import { TEXT_TARGETS } from './text.ts';
import { WIRE_TARGETS } from './wire.ts';

export const TARGETS: readonly Target<unknown>[] = [...WIRE_TARGETS, ...TEXT_TARGETS];
