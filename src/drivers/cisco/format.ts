import { fail, ok, type Result } from '../../errors.ts';
import { escapeText, parseXml, type XmlElement } from '../../formats/xml.ts';

/**
 * The open profile format (SPA and MPP provisioning guides, "Open Profile (XML) Format"):
 * `<flat-profile>` holding one element per parameter, named after its web field with
 * `_` for spaces and `[ ] ( ) /` and `_N_` for line N; `ua="na"` keeps a parameter from the
 * phone's user pages. An element with an opening and a closing tag and nothing between sets
 * the parameter empty; `<Name/>` would leave it unchanged, so it is never written.
 */
export interface FlatParameter {
  name: string;
  value: string;
}

// Secrets and rules that carry them are not for the phone's user to see.
const HIDDEN = /^(Password_\d+_|Admin_Passw(or)?d|User_Password|Profile_Rule(_[BCD])?|GPP_S[A-D])$/;

export function renderFlatProfile(parameters: readonly FlatParameter[]): string {
  const lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<flat-profile>'];
  for (const { name, value } of parameters) {
    const ua = HIDDEN.test(name) ? ' ua="na"' : '';
    lines.push(`  <${name}${ua}>${escapeText(value)}</${name}>`);
  }
  lines.push('</flat-profile>');
  return lines.map((line) => `${line}\n`).join('');
}

/**
 * Reads a profile as the phone emulation does: the `<flat-profile>` wherever it is nested,
 * each parameter's value trimmed (leading and trailing white space is not part of a
 * value), a later occurrence winning over an earlier one.
 */
export function parseFlatProfile(text: string): Result<Map<string, string>> {
  const parsed = parseXml(text);
  if (!parsed.ok) return parsed;
  const profile = find(parsed.value);
  if (!profile) return fail('PND_INVALID_XML', 'not a Cisco profile: no <flat-profile>');
  const values = new Map<string, string>();
  for (const child of profile.children) values.set(child.name, child.text.trim());
  return ok(values);
}

function find(element: XmlElement): XmlElement | undefined {
  for (const child of element.children) {
    if (child.name === 'flat-profile') return child;
    const nested = find(child);
    if (nested) return nested;
  }
  return undefined;
}
