import { fail, ok, type Result } from '../../errors.ts';
import { escapeAttribute, escapeText, parseXml, type XmlElement } from '../../formats/xml.ts';
import type { Mac } from '../../model/mac.ts';

/**
 * The XML provisioning file (Grandstream's XML provisioning guide and configuration
 * templates): `<gs_provision version="1">`, an optional `<mac>` the phone checks against
 * its own (and refuses the file if it differs), then `<config version="2">` with
 * `<item name="alias">value</item>` or `<config version="1">` with `<P47>value</P47>`.
 */
export interface GsValue {
  name: string;
  value: string;
}

export function renderXml(
  values: readonly GsValue[],
  options: { form: 'aliases' | 'p-values'; mac?: Mac },
): string {
  const lines = ['<?xml version="1.0" encoding="UTF-8" ?>', '<gs_provision version="1">'];
  if (options.mac) lines.push(`  <mac>${options.mac}</mac>`);
  lines.push(`  <config version="${options.form === 'aliases' ? '2' : '1'}">`);
  for (const { name, value } of values) {
    lines.push(
      options.form === 'aliases'
        ? `    <item name="${escapeAttribute(name)}">${escapeText(value)}</item>`
        : `    <${name}>${escapeText(value)}</${name}>`,
    );
  }
  lines.push('  </config>', '</gs_provision>');
  return lines.map((line) => `${line}\n`).join('');
}

export interface ParsedXml {
  mac?: string;
  form: 'aliases' | 'p-values';
  /** Values by alias or P-value, later ones winning. */
  values: Map<string, string>;
}

/** Reads either form, as the phone emulation does. */
export function parseGsXml(text: string): Result<ParsedXml> {
  const parsed = parseXml(text);
  if (!parsed.ok) return parsed;
  const root = parsed.value.children.find((c) => c.name === 'gs_provision');
  if (!root) return fail('PND_INVALID_XML', 'not a Grandstream file: no <gs_provision>');
  const config = root.children.find((c) => c.name === 'config');
  if (!config) return fail('PND_INVALID_XML', 'not a Grandstream file: no <config>');
  const mac = root.children.find((c) => c.name === 'mac')?.text.trim();
  const form = config.attributes['version'] === '2' ? 'aliases' : 'p-values';
  const values = new Map<string, string>();
  for (const child of config.children) {
    if (form === 'aliases') {
      const name = child.name === 'item' ? child.attributes['name'] : undefined;
      if (name) values.set(name, itemText(child));
    } else if (/^P\d+$/.test(child.name)) values.set(child.name, child.text.trim());
  }
  return ok({ ...(mac ? { mac } : {}), form, values });
}

function itemText(item: XmlElement): string {
  return item.text.trim();
}
