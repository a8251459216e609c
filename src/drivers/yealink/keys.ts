import type { YealinkModel } from './models.ts';

/**
 * Where canonical key N lands on a model: its line keys first (`linekey.N`, pages included),
 * then the memory keys of older T2x phones (`memorykey.M`), then the expansion modules in
 * chain order (`expansion_module.X.key.Y`); undefined past the last key the model can take.
 * A phone whose model is not known gets `linekey.N`, which every generation since V7x reads.
 */
export function keyPrefix(n: number, model: YealinkModel | undefined): string | undefined {
  if (!model) return `linekey.${n}`;
  if (n <= model.lineKeys) return `linekey.${n}`;
  let rest = n - model.lineKeys;
  const memory = model.memoryKeys ?? 0;
  if (rest <= memory) return `memorykey.${rest}`;
  rest -= memory;
  const expansion = model.expansion;
  if (!expansion || rest > expansion.keys * expansion.modules) return undefined;
  const module = Math.ceil(rest / expansion.keys);
  return `expansion_module.${module}.key.${rest - (module - 1) * expansion.keys}`;
}

/**
 * The key of a BLF key's pickup code: `extension` from V80 on (public templates for V80 and
 * later write it), `pickup_value` before, and on the memory keys of the T2x of those days.
 */
export function pickupField(prefix: string, release: number | undefined): string {
  const old = prefix.startsWith('memorykey.') || (release !== undefined && release < V80);
  return old ? 'pickup_value' : 'extension';
}

const V80 = 80;

/** The canonical key numbers a model takes (the canonical index stops at 64); undefined: any. */
export function keyCapacity(model: YealinkModel | undefined): number | undefined {
  if (!model) return undefined;
  let n = 0;
  while (n < 64 && keyPrefix(n + 1, model) !== undefined) n += 1;
  return n;
}
