import { createHash } from 'node:crypto';

import { fail, ok, type Result } from '../../errors.ts';
import {
  elementName,
  escapeText,
  findElement,
  parseXml,
  type XmlElement,
} from '../../formats/xml.ts';
import { MODULE_ORDER, type FanvilEntry } from './mapping.ts';

/**
 * Fanvil's two configuration file forms (seed 004 §4.1):
 *
 * text: `<<VOIP CONFIG FILE>>Version:2.0002` space-padded to 62 characters, CRLF (64 bytes);
 *       `<MODULE>` headers, `Key<spaces>:Value` lines, `<<END OF FILE>>`; CRLF throughout.
 * XML:  `<VOIP_CONFIG_FILE><Digests>2.0002</Digests><GLOBAL_CONFIG_MODULE><Time_Zone>…`,
 *       names with `_` for spaces (figure 6 mixes both; XML allows only the first), SIP lines
 *       and DSS keys as list entries as public Fanvil templates write them.
 *
 * The version is derived from the content, so it changes when and only when the content
 * does: the phone skips a file whose version it already applied.
 */
export const HEADER = '<<VOIP CONFIG FILE>>Version:';
export const END = '<<END OF FILE>>';
const HEADER_WIDTH = 62;
const KEY_WIDTH = 19;
const CRLF = '\r\n';

/** `2.` and ten digits from the SHA-256 of the content: same content, same version. */
export function contentVersion(content: string): string {
  const digest = createHash('sha256').update(content).digest();
  const n = digest.readUIntBE(0, 6) % 10_000_000_000;
  return `2.${String(n).padStart(10, '0')}`;
}

/** Entries grouped by module, in the order modules are written. */
function byModule(entries: readonly FanvilEntry[]): [string, FanvilEntry[]][] {
  const groups = new Map<string, FanvilEntry[]>();
  for (const entry of entries) {
    const list = groups.get(entry.module) ?? [];
    list.push(entry);
    groups.set(entry.module, list);
  }
  const rank = (module: string): number => {
    const i = MODULE_ORDER.indexOf(module);
    return i < 0 ? MODULE_ORDER.length : i;
  };
  return [...groups.entries()].sort(
    ([a], [b]) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0),
  );
}

export function renderText(entries: readonly FanvilEntry[]): string {
  const lines: string[] = [];
  for (const [module, list] of byModule(entries)) {
    lines.push(`<${module}>`);
    for (const { key, value } of list) lines.push(`${key.padEnd(KEY_WIDTH)}:${value}`);
    lines.push('');
  }
  lines.push(END);
  const body = lines.join(CRLF) + CRLF;
  const header = `${HEADER}${contentVersion(body)}`.padEnd(HEADER_WIDTH);
  return `${header}${CRLF}${CRLF}${body}`;
}

const LISTS: readonly { key: RegExp; list: string; entry: string }[] = [
  { key: /^(SIP\d+) (.+)$/, list: 'SIP_Line_List', entry: 'SIP_Line_List_Entry' },
  { key: /^(Fkey\d+) (.+)$/, list: 'Function_Key', entry: 'Function_Key_Entry' },
];

export function renderXml(entries: readonly FanvilEntry[]): string {
  const lines: string[] = [];
  for (const [module, list] of byModule(entries)) {
    const name = elementName(module);
    lines.push(`<${name}>`);
    const open = new Map<string, string[]>();
    const order: (string | { list: string; entry: string })[] = [];
    for (const { key, value } of list) {
      const kind = LISTS.find((l) => l.key.test(key));
      if (!kind) {
        order.push(`<${elementName(key)}>${escapeText(value)}</${elementName(key)}>`);
        continue;
      }
      const [, id, field] = kind.key.exec(key)!;
      if (!open.has(id!)) {
        open.set(id!, [`<ID>${escapeText(id!)}</ID>`]);
        order.push({ list: kind.list, entry: id! });
      }
      open.get(id!)!.push(`<${elementName(field!)}>${escapeText(value)}</${elementName(field!)}>`);
    }
    let currentList: string | undefined;
    for (const item of order) {
      if (typeof item === 'string') {
        if (currentList) lines.push(`</${currentList}>`);
        currentList = undefined;
        lines.push(item);
        continue;
      }
      if (currentList !== item.list) {
        if (currentList) lines.push(`</${currentList}>`);
        lines.push(`<${item.list}>`);
        currentList = item.list;
      }
      const kind = LISTS.find((l) => l.list === item.list)!;
      lines.push(`<${kind.entry}>`, ...open.get(item.entry)!, `</${kind.entry}>`);
    }
    if (currentList) lines.push(`</${currentList}>`);
    lines.push(`</${name}>`);
  }
  const body = lines.map((line) => `${line}\n`).join('');
  return `<VOIP_CONFIG_FILE>\n<Digests>${contentVersion(body)}</Digests>\n${body}</VOIP_CONFIG_FILE>\n`;
}

export interface ParsedConfig {
  version?: string;
  /** Values by Fanvil key (`SIP1 Phone Number`, `Auto Image Url`), later lines winning. */
  values: Map<string, string>;
}

/** Reads either form, as the phone emulation does. */
export function parseConfig(text: string): Result<ParsedConfig> {
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  if (body.trimStart().startsWith('<<')) return parseText(body);
  if (body.trimStart().startsWith('<')) return parseXmlForm(body);
  return fail('PND_INVALID_CFG', 'not a Fanvil configuration file: no <<VOIP CONFIG FILE>> header');
}

function parseText(text: string): Result<ParsedConfig> {
  const lines = text.split(/\r\n|\r|\n/);
  const first = lines[0]!.trim();
  if (!first.startsWith(HEADER.slice(0, 20)))
    return fail('PND_INVALID_CFG', 'line 1: expected <<VOIP CONFIG FILE>>');
  const version = /Version:\s*(\S+)/.exec(first)?.[1];
  const values = new Map<string, string>();
  let module: string | undefined;
  let ended = false;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '' || line.startsWith('--')) continue;
    if (line === END) {
      ended = true;
      break;
    }
    if (/^<[^<>]+>$/.test(line)) {
      module = line.slice(1, -1);
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0 || module === undefined)
      return fail('PND_INVALID_CFG', `line ${i + 1}: expected "Key :Value" inside a module`, {
        line: i + 1,
      });
    values.set(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
  }
  if (!ended) return fail('PND_INVALID_CFG', 'the file ends without <<END OF FILE>>');
  return ok({ ...(version ? { version } : {}), values });
}

function parseXmlForm(text: string): Result<ParsedConfig> {
  const parsed = parseXml(text);
  if (!parsed.ok) return parsed;
  const root = parsed.value.children.find((c) => c.name === 'VOIP_CONFIG_FILE');
  if (!root)
    return fail('PND_INVALID_CFG', 'not a Fanvil configuration file: no <VOIP_CONFIG_FILE>');
  const version = (findElement(root, 'Digests') ?? findElement(root, 'version'))?.text.trim();
  const values = new Map<string, string>();
  const spaced = (name: string): string => name.replace(/_/g, ' ');
  const walk = (element: XmlElement): void => {
    for (const child of element.children) {
      if (child.name === 'Digests' || child.name === 'version') continue;
      const entry = LISTS.find((l) => l.entry === child.name);
      if (entry) {
        const id = child.children.find((c) => c.name === 'ID')?.text.trim();
        if (!id) continue;
        for (const field of child.children) {
          if (field.name !== 'ID') values.set(`${id} ${spaced(field.name)}`, field.text.trim());
        }
      } else if (child.children.length > 0) walk(child);
      else values.set(spaced(child.name), child.text.trim());
    }
  };
  walk(root);
  return ok({ ...(version ? { version } : {}), values });
}
