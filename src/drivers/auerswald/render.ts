import { writeXml, xmlElement, type XmlElement } from '../../formats/xml.ts';
import type { Mac } from '../../model/mac.ts';
import type { Artifact, Explanation, NativeEntry, Recognition, RenderContext } from '../driver.ts';
import {
  COMMON,
  CONTENT_TYPE,
  OPERATIONS,
  SETTINGS,
  isAuerswaldFile,
  macadr,
  type AuerswaldFile,
} from './files.ts';
import { operationsDocument, type Operation } from './operations.ts';
import { referencesDocument } from './references.ts';
import { IDENTITIES, clearedIdentity, mapSections } from './sections.ts';

/** Read by the file layout rather than by a section: never reported as ignored. */
const LAYOUT_KEYS = ['provisioning.layout', 'provisioning.remove_unset'];

interface Document {
  root: XmlElement;
  entries: NativeEntry[];
  ignored: string[];
}

export function renderFile(recognition: Recognition, context: RenderContext): Artifact | undefined {
  const document = buildDocument(recognition, context);
  if (!document) return undefined;
  return { body: Buffer.from(writeXml(document.root), 'utf8'), contentType: CONTENT_TYPE };
}

export function explainFile(
  recognition: Recognition,
  context: RenderContext,
): Explanation | undefined {
  const document = buildDocument(recognition, context);
  if (!document) return undefined;
  const mac = context.device?.mac ?? recognition.mac;
  return {
    file: fileName(recognition.file as AuerswaldFile, mac),
    entries: document.entries,
    ignored: document.ignored,
  };
}

function buildDocument(recognition: Recognition, context: RenderContext): Document | undefined {
  const file = recognition.file;
  if (!isAuerswaldFile(file)) return undefined;
  if (file === 'common') return settingsFile(context);
  const mac = context.device?.mac ?? recognition.mac;
  if (!context.device || !mac) return undefined;
  const single = context.settings['provisioning.layout'] === 'single';
  switch (file) {
    case 'entry':
      return single ? settingsFile(context) : entryFile(context);
    case 'settings':
      return single ? undefined : settingsFile(context);
    case 'operations': {
      const operations = single ? [] : clearOperations(context);
      if (operations.length === 0) return undefined;
      return {
        root: operationsDocument(operations),
        entries: operations.map((op) => ({ key: op.kind, value: op.path })),
        ignored: [],
      };
    }
  }
}

/**
 * The reference file the phone starts from: the common file, then its own settings, then
 * the operations that clear what its settings no longer describe. The URLs carry markers
 * for the phone to fill, so this file is the same for every phone of a prefix.
 */
function entryFile(context: RenderContext): Document {
  // The host-relative form keeps the door and port the phone used; markers name the phone.
  const prefix = new URL(context.baseUrl).pathname;
  const query = /^https?:/i.test(context.baseUrl) ? '?sn={serial}&hw={type}' : '';
  const urls = [COMMON, `${prefix}{mac}/${SETTINGS}${query}`];
  if (clearOperations(context).length > 0) urls.push(`${prefix}{mac}/${OPERATIONS}`);
  return {
    root: referencesDocument(urls),
    entries: urls.map((url) => ({ key: 'URL', value: url })),
    ignored: [],
  };
}

function settingsFile(context: RenderContext): Document {
  const mapping = mapSections(context.settings, LAYOUT_KEYS);
  return {
    root: xmlElement('configuration', {}, mapping.sections),
    entries: mapping.entries,
    ignored: mapping.ignored,
  };
}

/** Identities the settings do not describe, cleared: what a profile no longer sets goes. */
function clearOperations(context: RenderContext): Operation[] {
  if (context.settings['provisioning.remove_unset'] === false) return [];
  const described = new Set(mapSections(context.settings).identities);
  const operations: Operation[] = [];
  for (let n = 1; n <= IDENTITIES; n++) {
    if (described.has(n)) continue;
    operations.push({
      kind: 'replace',
      path: `/identities/identity[${n}]`,
      content: [clearedIdentity()],
    });
  }
  return operations;
}

function fileName(file: AuerswaldFile, mac: Mac | undefined): string {
  if (file === 'common') return COMMON;
  const name = mac ? macadr(mac) : '';
  return file === 'entry'
    ? `${name}.xml`
    : `${name}/${file === 'settings' ? SETTINGS : OPERATIONS}`;
}
