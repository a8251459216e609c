import { fail, ok, type Result } from '../errors.ts';

/**
 * The little XML the phones speak: escaping for text and attributes, element names made
 * from vendor key names, and a small reader for the phone emulation (elements, attributes,
 * text; no DTD, no namespaces, no external entities).
 */

/** Phones keep these files small; anything larger is not a configuration file. */
export const MAX_XML_CHARS = 4 * 1024 * 1024;
const MAX_DEPTH = 32;

export function escapeText(text: string): string {
  return stripInvalid(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function escapeAttribute(text: string): string {
  return escapeText(text)
    .replace(/"/g, '&quot;')
    .replace(/\r/g, '&#13;')
    .replace(/\n/g, '&#10;')
    .replace(/\t/g, '&#9;');
}

/** An element name from any key: letters, digits, `_`, `-`, `.`; anything else becomes `_`. */
export function elementName(key: string): string {
  const name = key.replace(/[^A-Za-z0-9_.-]/g, '_');
  return /^[A-Za-z_]/.test(name) ? name : `_${name}`;
}

/** `<name>text</name>` on one line. */
export function textElement(name: string, text: string): string {
  return `<${name}>${escapeText(text)}</${name}>`;
}

/** `<name a="1" b="2"/>` with the attributes in the order given. */
export function emptyElement(name: string, attributes: readonly [string, string][]): string {
  const attrs = attributes.map(([k, v]) => ` ${k}="${escapeAttribute(v)}"`).join('');
  return `<${name}${attrs}/>`;
}

export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  /** The element's own text, entities decoded, not trimmed. */
  text: string;
}

/**
 * Reads a document or a fragment of sibling elements (some phones' files have no single
 * root). Returns a synthetic root named `#document` whose children are the top elements.
 */
export function parseXml(input: string): Result<XmlElement> {
  if (input.length > MAX_XML_CHARS)
    return fail('PND_INVALID_XML', `the file is larger than ${MAX_XML_CHARS} characters`);
  const root: XmlElement = { name: '#document', attributes: {}, children: [], text: '' };
  const stack: XmlElement[] = [root];
  let i = input.startsWith('\uFEFF') ? 1 : 0;
  while (i < input.length) {
    const lt = input.indexOf('<', i);
    const top = stack[stack.length - 1]!;
    if (lt < 0) {
      top.text += decode(input.slice(i));
      break;
    }
    if (lt > i) top.text += decode(input.slice(i, lt));
    // What follows the '<' tells a declaration, comment, CDATA or DTD from a tag.
    const mark = input.charCodeAt(lt + 1);
    if (mark === QUESTION || (mark === BANG && input.startsWith('<!--', lt))) {
      const end = mark === QUESTION ? input.indexOf('?>', lt) : input.indexOf('-->', lt);
      if (end < 0) return fail('PND_INVALID_XML', 'a comment or declaration is not closed');
      i = end + (mark === QUESTION ? 2 : 3);
      continue;
    }
    if (mark === BANG) {
      if (!input.startsWith('<![CDATA[', lt))
        return fail('PND_INVALID_XML', 'DTDs are not accepted');
      const end = input.indexOf(']]>', lt);
      if (end < 0) return fail('PND_INVALID_XML', 'a CDATA section is not closed');
      top.text += input.slice(lt + 9, end);
      i = end + 3;
      continue;
    }
    const gt = input.indexOf('>', lt);
    if (gt < 0) return fail('PND_INVALID_XML', 'a tag is not closed');
    const tag = input.slice(lt + 1, gt);
    i = gt + 1;
    if (mark === SLASH) {
      const name = tag.slice(1).trim();
      if (stack.length === 1 || top.name !== name)
        return fail('PND_INVALID_XML', `unexpected closing tag </${tagName(name)}>`);
      stack.pop();
      continue;
    }
    const selfClosing = tag.endsWith('/');
    const element = elementOfTag(selfClosing ? tag.slice(0, -1) : tag);
    // Only the tag's name is quoted: its attributes may hold a password or a URL's userinfo,
    // and the message goes to logs, events and what `simulate` prints.
    if (!element) return fail('PND_INVALID_XML', `malformed tag <${tagName(tag)}…>`);
    top.children.push(element);
    if (!selfClosing) {
      if (stack.length > MAX_DEPTH) return fail('PND_INVALID_XML', 'elements nest too deeply');
      stack.push(element);
    }
  }
  if (stack.length > 1)
    return fail('PND_INVALID_XML', `element <${stack[stack.length - 1]!.name}> is not closed`);
  return ok(root);
}

const QUESTION = 0x3f;
const BANG = 0x21;
const SLASH = 0x2f;

/** The name a tag starts with, at most 40 characters: what an error may quote of it. */
function tagName(tag: string): string {
  return /^[^\s"'=<>/]{0,40}/.exec(tag)![0];
}

/** The first descendant (depth first) with this name. */
export function findElement(root: XmlElement, name: string): XmlElement | undefined {
  for (const child of root.children) {
    if (child.name === name) return child;
    const found = findElement(child, name);
    if (found) return found;
  }
  return undefined;
}

// Sticky expressions read a tag where the last one stopped, so no part of it is copied. A
// tag is its name, then attributes (whitespace between them optional, as before), then only
// whitespace; the whitespace \s matches is the whitespace trim() removes.
const TAG_NAME = /\s*([A-Za-z_][\w.:-]*)/y;
const ATTRIBUTE = /\s*([A-Za-z_][\w.:-]*)\s*=\s*("([^"]*)"|'([^']*)')/y;
const ONLY_SPACE = /\s*$/y;

/** The element a start tag opens (its text between '<' and '>', without a closing '/'). */
function elementOfTag(tag: string): XmlElement | undefined {
  TAG_NAME.lastIndex = 0;
  const name = TAG_NAME.exec(tag);
  if (!name) return undefined;
  const attributes: Record<string, string> = {};
  let at = TAG_NAME.lastIndex;
  for (;;) {
    ONLY_SPACE.lastIndex = at;
    if (ONLY_SPACE.test(tag)) break;
    ATTRIBUTE.lastIndex = at;
    const m = ATTRIBUTE.exec(tag);
    if (!m) return undefined;
    attributes[m[1]!] = decode(m[3] ?? m[4] ?? '');
    at = ATTRIBUTE.lastIndex;
  }
  return { name: name[1]!, attributes, children: [], text: '' };
}

/** A Map: `&constructor;` is no entity, not Object's own property. */
const ENTITIES: ReadonlyMap<string, string> = new Map([
  ['amp', '&'],
  ['lt', '<'],
  ['gt', '>'],
  ['quot', '"'],
  ['apos', "'"],
]);

function decode(text: string): string {
  // Most text (the whitespace between tags above all) holds no entity.
  if (!text.includes('&')) return text;
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, ref: string) => {
    if (ref.startsWith('#')) {
      const code =
        ref[1] === 'x' || ref[1] === 'X' ? parseInt(ref.slice(2), 16) : Number(ref.slice(1));
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return ENTITIES.get(ref) ?? whole;
  });
}

/** Characters XML 1.0 cannot carry at all. */
function stripInvalid(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]/g, '');
}

export const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>';

/** Builds an element: `children` as elements, or as the element's text. */
export function xmlElement(
  name: string,
  attributes: Record<string, string> = {},
  children: readonly XmlElement[] | string = [],
): XmlElement {
  return typeof children === 'string'
    ? { name, attributes, children: [], text: children }
    : { name, attributes, children: [...children], text: '' };
}

/**
 * Writes a document: the declaration, then the element tree indented by two spaces per
 * level, one element per line. An element holds either children or text (phones' files do
 * not mix them); empty elements close themselves. Attributes keep their order.
 */
export function writeXml(root: XmlElement, options: { declaration?: boolean } = {}): string {
  const lines = options.declaration === false ? [] : [XML_DECLARATION];
  writeElement(root, '', lines);
  return lines.map((line) => `${line}\n`).join('');
}

function writeElement(element: XmlElement, indent: string, lines: string[]): void {
  const attributes = Object.entries(element.attributes)
    .map(([key, value]) => ` ${key}="${escapeAttribute(value)}"`)
    .join('');
  const open = `${indent}<${element.name}${attributes}`;
  if (element.children.length === 0) {
    lines.push(
      element.text === '' ? `${open}/>` : `${open}>${escapeText(element.text)}</${element.name}>`,
    );
    return;
  }
  lines.push(`${open}>`);
  for (const child of element.children) writeElement(child, `${indent}  `, lines);
  lines.push(`${indent}</${element.name}>`);
}
