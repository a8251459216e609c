import { xmlElement, type XmlElement } from '../../formats/xml.ts';

/** The schema attributes seed 003's example carries on a reference file. */
const SCHEMA = {
  'xmlns:xsi': 'http://www.w3.org/2001/XMLSchema-instance',
  'xsi:noNamespaceSchemaLocation': 'provisioning_references.xsd',
};

/** A reference file: each URL is loaded in turn, and may itself be a reference file. */
export function referencesDocument(urls: readonly string[]): XmlElement {
  return xmlElement(
    'referencedSettings',
    SCHEMA,
    urls.map((url) => xmlElement('URL', {}, url)),
  );
}

/**
 * Where a reference points, by seed 003's rules, relative to the URL the reference file
 * came from: a complete URL is taken as it is; a path starting with `/` is put after the
 * reference file's host; anything else names a file in the reference file's directory.
 * Undefined for what cannot be a URL.
 */
export function resolveReference(reference: string, from: string): string | undefined {
  const text = reference.trim();
  if (text === '' || /[\s\0]/.test(text)) return undefined;
  try {
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) return new URL(text).href;
    const base = new URL(from);
    // `origin` is "null" for tftp: and other schemes URL does not know; build it.
    const host = `${base.protocol}//${base.host}`;
    if (text.startsWith('/')) return new URL(`${host}${text}`).href;
    const directory = base.pathname.slice(0, base.pathname.lastIndexOf('/') + 1);
    return new URL(`${host}${directory}${text}`).href;
  } catch {
    return undefined;
  }
}
