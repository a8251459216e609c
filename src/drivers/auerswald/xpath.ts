import type { XmlElement } from '../../formats/xml.ts';

/**
 * The XPath the operations of seed 003 use: absolute location paths of element names with
 * `[@attribute='value']` and `[N]` predicates, e.g.
 * `/keys/phoneXtensions/key[@keyNumber='3']/parameters/parameter[@name='@string/identity']`.
 * A trailing `/` is allowed. A final `@attribute` step parses, so that the caller can refuse
 * it: operations work on sub-trees, never on single attributes.
 */
export interface PathStep {
  name: string;
  predicates: Predicate[];
}

export type Predicate = { attribute: string; value: string } | { position: number };

export interface ParsedPath {
  steps: PathStep[];
  /** Set when the path ends at an attribute. */
  attribute?: string;
}

const MAX_PATH = 1024;
const MAX_STEPS = 32;
const NAME = /^[A-Za-z_][\w.:-]*/;

export function parsePath(path: string): ParsedPath | undefined {
  if (!path.startsWith('/') || path.length > MAX_PATH) return undefined;
  const steps: PathStep[] = [];
  let at = 1;
  while (at < path.length) {
    if (steps.length >= MAX_STEPS) return undefined;
    if (path[at] === '@') {
      const name = NAME.exec(path.slice(at + 1))?.[0];
      const end = at + 1 + (name?.length ?? 0);
      if (!name || (end < path.length && path.slice(end) !== '/')) return undefined;
      return { steps, attribute: name };
    }
    const name = NAME.exec(path.slice(at))?.[0];
    if (!name) return undefined;
    at += name.length;
    const predicates: Predicate[] = [];
    while (path[at] === '[') {
      const parsed = parsePredicate(path, at);
      if (!parsed) return undefined;
      predicates.push(parsed.predicate);
      at = parsed.end;
    }
    steps.push({ name, predicates });
    if (at < path.length) {
      if (path[at] !== '/') return undefined;
      at += 1;
    }
  }
  return steps.length > 0 ? { steps } : undefined;
}

/** The elements a path selects, starting from the section elements at the top. */
export function select(roots: readonly XmlElement[], steps: readonly PathStep[]): XmlElement[] {
  let current = filter(roots, steps[0]!);
  for (const step of steps.slice(1)) {
    current = current.flatMap((element) => filter(element.children, step));
  }
  return current;
}

function filter(candidates: readonly XmlElement[], step: PathStep): XmlElement[] {
  let matched = candidates.filter((c) => c.name === step.name);
  for (const predicate of step.predicates) {
    matched =
      'position' in predicate
        ? matched.slice(predicate.position - 1, predicate.position)
        : matched.filter((c) => c.attributes[predicate.attribute] === predicate.value);
  }
  return matched;
}

function parsePredicate(
  path: string,
  start: number,
): { predicate: Predicate; end: number } | undefined {
  const rest = path.slice(start);
  const position = /^\[([1-9]\d{0,3})\]/.exec(rest);
  if (position)
    return { predicate: { position: Number(position[1]) }, end: start + position[0].length };
  const attribute = /^\[\s*@([A-Za-z_][\w.:-]*)\s*=\s*(?:'([^']*)'|"([^"]*)")\s*\]/.exec(rest);
  if (!attribute) return undefined;
  return {
    predicate: { attribute: attribute[1]!, value: attribute[2] ?? attribute[3] ?? '' },
    end: start + attribute[0].length,
  };
}
