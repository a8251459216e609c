import { xmlElement, type XmlElement } from '../../formats/xml.ts';
import { parsePath, select } from './xpath.ts';

export type OperationKind = 'delete' | 'replace' | 'add';

export interface Operation {
  kind: OperationKind;
  path: string;
  /** What `replace` puts in place of the selected sub-tree, or `add` appends to it. */
  content?: readonly XmlElement[];
}

/** Phones stop somewhere; a file with more operations than this is refused whole. */
export const MAX_OPERATIONS = 256;

export function operationsDocument(operations: readonly Operation[]): XmlElement {
  return xmlElement(
    'operations',
    {},
    operations.map((op) => xmlElement(op.kind, { path: op.path }, [...(op.content ?? [])])),
  );
}

/** The operations of an `<operations>` file, in order; unknown elements are skipped. */
export function readOperations(root: XmlElement): Operation[] {
  const operations: Operation[] = [];
  for (const element of root.children) {
    if (element.name !== 'delete' && element.name !== 'replace' && element.name !== 'add') continue;
    operations.push({
      kind: element.name,
      path: element.attributes['path'] ?? '',
      content: element.children,
    });
  }
  return operations;
}

/** How one section fared: applied, or discarded with the reason. */
export interface SectionOutcome {
  section: string;
  applied: boolean;
  reason?: string;
}

/**
 * Applies operations the way seed 003 says the phone does: all of them against the current
 * settings, then each touched section is checked; a section whose operations did not all
 * apply, or that is no longer valid, keeps what it had and its operations are discarded.
 * `sections` maps a section name to its element; it is changed in place.
 */
export function applyOperations(
  sections: Map<string, XmlElement>,
  operations: readonly Operation[],
  valid: (section: XmlElement) => string | undefined,
): SectionOutcome[] {
  const working = new Map<string, XmlElement | undefined>();
  const failed = new Map<string, string>();
  const copyOf = (name: string): XmlElement | undefined => {
    if (!working.has(name)) {
      const original = sections.get(name);
      working.set(name, original ? structuredClone(original) : undefined);
    }
    return working.get(name);
  };
  for (const operation of operations) {
    const path = parsePath(operation.path);
    const section = path?.steps[0]?.name ?? operation.path.split('/')[1] ?? '';
    if (failed.has(section)) continue;
    const copy = copyOf(section);
    const reason = !path
      ? `"${operation.path.slice(0, 80)}" is not a path the phone understands`
      : path.attribute !== undefined
        ? `"${operation.path.slice(0, 80)}" points to an attribute, not a sub-tree`
        : apply(operation, copy ? select([copy], path.steps) : [], copy, section, working);
    if (reason) failed.set(section, reason);
  }
  const outcomes: SectionOutcome[] = [];
  for (const [section, copy] of working) {
    const reason = failed.get(section) ?? (copy ? valid(copy) : undefined);
    if (reason) {
      outcomes.push({ section, applied: false, reason });
      continue;
    }
    if (copy) sections.set(section, copy);
    else sections.delete(section);
    outcomes.push({ section, applied: true });
  }
  return outcomes;
}

/** Applies one operation to the selected elements; the reason it cannot, if so. */
function apply(
  operation: Operation,
  selected: XmlElement[],
  root: XmlElement | undefined,
  section: string,
  working: Map<string, XmlElement | undefined>,
): string | undefined {
  if (selected.length === 0) return `"${operation.path.slice(0, 80)}" selects nothing`;
  const content = operation.content ?? [];
  if (operation.kind === 'add') {
    for (const element of selected) element.children.push(...structuredClone([...content]));
    return undefined;
  }
  if (operation.kind === 'replace' && content.length === 0) {
    return `replace "${operation.path.slice(0, 80)}" carries nothing to put there`;
  }
  for (const element of selected) {
    const replacement = operation.kind === 'replace' ? structuredClone([...content]) : [];
    if (element === root) {
      if (replacement.length > 1) return 'a section can only be replaced by one element';
      working.set(section, replacement[0]);
      continue;
    }
    const parent = parentOf(root!, element);
    if (!parent) continue;
    parent.children.splice(parent.children.indexOf(element), 1, ...replacement);
  }
  return undefined;
}

function parentOf(root: XmlElement, target: XmlElement): XmlElement | undefined {
  for (const child of root.children) {
    if (child === target) return root;
    const found = parentOf(child, target);
    if (found) return found;
  }
  return undefined;
}
