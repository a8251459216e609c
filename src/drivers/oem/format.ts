import { fail, ok, type Result } from '../../errors.ts';
import { escapeText, parseXml } from '../../formats/xml.ts';

/**
 * The three answers of seed 000 Step 1, laid out as the seed shows them:
 *
 *   plaintext  `sip_server="proxy01.sipphone.com"`, one per line
 *   XML        `<sip_server>` / eight spaces and the value / `</sip_server>`, no root element
 *   encrypted  `<xml><flat-profile><ENC>hex</ENC></flat-profile><sessionData>…</sessionData></xml>`
 *
 * The seed gives no escaping for plaintext values; `\` and `"` are written as `\\` and `\"`.
 */
export interface Line {
  key: string;
  value: string;
}

export function renderPlain(lines: readonly Line[]): string {
  return lines.map(({ key, value }) => `${key}="${quote(value)}"\n`).join('');
}

export function renderXmlFragment(lines: readonly Line[]): string {
  return lines
    .map(({ key, value }) => `<${key}>\n        ${escapeText(value)}\n</${key}>\n`)
    .join('');
}

export function renderEncrypted(hex: string, sessionClass: string): string {
  return [
    '<xml>',
    ' <flat-profile>',
    '   <ENC>',
    `      ${hex}`,
    '   </ENC>',
    ' </flat-profile>',
    ' <sessionData>',
    '   <proc>provision</proc>',
    `   <class>${escapeText(sessionClass)}</class>`,
    ' </sessionData>',
    '</xml>',
    '',
  ].join('\n');
}

/** `Image_file="…"` and, when there is one, `Prom_file="…"` (seed 000 Step 2). */
export function renderManifest(image: string, prom?: string): string {
  return renderPlain([
    { key: 'Image_file', value: image },
    ...(prom ? [{ key: 'Prom_file', value: prom }] : []),
  ]);
}

function quote(value: string): string {
  return value
    .replace(/[\r\n]/g, '')
    .replace(/\\/g, '\\\\')
    .replace(/"/g, '\\"');
}

export type Answer =
  | { form: 'encrypted'; hex: string; sessionClass?: string }
  | { form: 'text' | 'xml'; values: Map<string, string> };

/** Reads any of the three answers, as the phone emulation does. */
export function parseAnswer(text: string): Result<Answer> {
  const body = text.trim();
  if (body.startsWith('<')) {
    const parsed = parseXml(body);
    if (!parsed.ok) return parsed;
    const top = parsed.value.children;
    if (top.length === 1 && top[0]!.name === 'xml') {
      const enc = find(top[0]!.children, 'flat-profile')?.children.find((c) => c.name === 'ENC');
      const hex = enc?.text.replace(/\s+/g, '') ?? '';
      if (!/^([0-9a-f]{2})+$/i.test(hex)) return fail('PND_INVALID_XML', 'no hex in <ENC>');
      const sessionClass = find(
        find(top[0]!.children, 'sessionData')?.children ?? [],
        'class',
      )?.text.trim();
      return ok({ form: 'encrypted', hex, ...(sessionClass ? { sessionClass } : {}) });
    }
    const values = new Map<string, string>();
    for (const element of top) values.set(element.name, element.text.trim());
    return ok({ form: 'xml', values });
  }
  const plain = parsePlain(body);
  return plain.ok ? ok({ form: 'text', values: plain.value }) : plain;
}

/** `key="value"` lines; `\"` and `\\` inside values. */
export function parsePlain(text: string): Result<Map<string, string>> {
  const values = new Map<string, string>();
  const lines = text.split(/\r\n|\r|\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([A-Za-z0-9_.-]+)\s*=\s*"((?:[^"\\]|\\.)*)"$/.exec(line);
    if (!match)
      return fail('PND_INVALID_CFG', `line ${i + 1}: expected key="value"`, { line: i + 1 });
    values.set(match[1]!, match[2]!.replace(/\\(.)/g, '$1'));
  }
  return ok(values);
}

function find<T extends { name: string }>(list: readonly T[], name: string): T | undefined {
  return list.find((element) => element.name === name);
}
