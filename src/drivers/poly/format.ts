import { escapeAttribute, parseXml, type XmlElement } from '../../formats/xml.ts';
import { fail, ok, type Result } from '../../errors.ts';
import type { PolyParam } from './mapping.ts';

const DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>';

/**
 * A UC Software configuration file: the parameter names are attribute names (the element
 * names are free; public templates use `polycomConfig`), one attribute per line.
 */
export function configFile(params: readonly PolyParam[]): string {
  const lines = [DECLARATION, '<polycomConfig'];
  for (const p of params) lines.push(`  ${p.name}="${escapeAttribute(p.value)}"`);
  lines.push('/>');
  return lines.map((line) => `${line}\n`).join('');
}

/** The master file's `APPLICATION` attributes, in the order the guide lists them. */
export interface Master {
  APP_FILE_PATH: string;
  CONFIG_FILES: string;
  MISC_FILES: string;
  LOG_FILE_DIRECTORY: string;
  OVERRIDES_DIRECTORY: string;
  CONTACTS_DIRECTORY: string;
  LICENSE_DIRECTORY: string;
}

export function masterFile(master: Master): string {
  const lines = [DECLARATION, '<APPLICATION'];
  for (const [name, value] of Object.entries(master))
    lines.push(`  ${name}="${escapeAttribute(value)}"`);
  lines.push('/>');
  return lines.map((line) => `${line}\n`).join('');
}

/**
 * Every attribute of every element, as the phone reads a configuration file: the first
 * occurrence of a name wins within a file. Bounded by the XML reader (size, depth).
 */
export function readParams(text: string): Result<Map<string, string>> {
  const parsed = parseXml(text);
  if (!parsed.ok) return parsed;
  const out = new Map<string, string>();
  const walk = (element: XmlElement): void => {
    for (const [name, value] of Object.entries(element.attributes))
      if (!out.has(name)) out.set(name, value);
    element.children.forEach(walk);
  };
  walk(parsed.value);
  return ok(out);
}

/** The `APPLICATION` element of a master file, or why it is none. */
export function readMaster(text: string): Result<Record<string, string>> {
  const parsed = parseXml(text);
  if (!parsed.ok) return parsed;
  const app = parsed.value.children.find((c) => c.name === 'APPLICATION');
  if (!app) return fail('PND_INVALID_XML', 'not a master configuration file: no <APPLICATION>');
  return ok(app.attributes);
}
