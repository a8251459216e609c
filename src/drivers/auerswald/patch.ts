import type { XmlElement } from '../../formats/xml.ts';
import { IDENTITIES } from './sections.ts';

/** Attributes that name one element of a list: such an element replaces its counterpart whole. */
const KEY_ATTRIBUTES = ['keyNumber', 'name', 'id'] as const;

/** How one section of a settings file fared on the phone. */
export interface PatchOutcome {
  section: string;
  applied: boolean;
  merged: boolean;
  reason?: string;
}

/**
 * Applies a settings file the way seed 003 describes: each section either replaces the
 * phone's section, or, marked `patch="true"`, is merged into it; then each is validated and
 * a section that is no longer valid keeps what it had. A `<configuration>` carries several
 * sections; any other root is one section.
 */
export function applySettings(sections: Map<string, XmlElement>, root: XmlElement): PatchOutcome[] {
  const provided = root.name === 'configuration' ? root.children : [root];
  const outcomes: PatchOutcome[] = [];
  for (const section of provided) {
    const merged = section.attributes['patch'] === 'true';
    const next = merged ? structuredClone(sections.get(section.name)) : undefined;
    const result = next ?? withoutPatch(structuredClone(section));
    if (merged && next) merge(next, section);
    const reason = validSection(result);
    if (reason) {
      outcomes.push({ section: section.name, applied: false, merged, reason });
      continue;
    }
    sections.set(section.name, result);
    outcomes.push({ section: section.name, applied: true, merged });
  }
  return outcomes;
}

/** What the emulated phone checks of a section; the reason it is invalid, if it is. */
export function validSection(section: XmlElement): string | undefined {
  if (section.name !== 'identities') return undefined;
  const identities = section.children.filter((c) => c.name === 'identity');
  if (identities.length !== IDENTITIES) {
    return `identities must hold ${IDENTITIES} identity elements, not ${identities.length}`;
  }
  for (const identity of identities) {
    for (const leaf of identity.children) {
      const text = leaf.text.trim();
      if (leaf.name === 'active' && !['true', 'false', ''].includes(text)) {
        return `identity active must be true or false, not "${text.slice(0, 20)}"`;
      }
      if (leaf.name === 'registrarPort' && text !== '') {
        const port = Number(text);
        if (!Number.isInteger(port) || port < 1 || port > 65535) {
          return `registrarPort must be 1 to 65535, not "${text.slice(0, 20)}"`;
        }
      }
    }
  }
  return undefined;
}

/**
 * Merges a patch into the phone's element: an element with a key attribute replaces its
 * counterpart whole; others pair with the counterpart of the same name and position,
 * containers recursively, leaves by value. An empty element in a patch stands for
 * "leave this one alone" where the phone has a container.
 */
function merge(target: XmlElement, patch: XmlElement): void {
  const seen = new Map<string, number>();
  for (const element of patch.children) {
    const key = KEY_ATTRIBUTES.find((attribute) => element.attributes[attribute] !== undefined);
    if (key) {
      const index = target.children.findIndex(
        (c) => c.name === element.name && c.attributes[key] === element.attributes[key],
      );
      if (index >= 0) target.children[index] = structuredClone(element);
      else target.children.push(structuredClone(element));
      continue;
    }
    const position = seen.get(element.name) ?? 0;
    seen.set(element.name, position + 1);
    const counterpart = target.children.filter((c) => c.name === element.name)[position];
    if (!counterpart) {
      target.children.push(structuredClone(element));
    } else if (element.children.length > 0) {
      merge(counterpart, element);
    } else if (counterpart.children.length === 0) {
      counterpart.text = element.text;
      Object.assign(counterpart.attributes, element.attributes);
    }
  }
}

function withoutPatch(section: XmlElement): XmlElement {
  delete section.attributes['patch'];
  return section;
}
