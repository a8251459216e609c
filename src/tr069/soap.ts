// CWMP SOAP envelopes (TR-069 Amendment 6 §3.4, annex A): read what a CPE or an ACS sends,
// write what the other side expects. Pure: no I/O, no clock. The reader is the project's
// XML reader (no DTD, no entities beyond the five, bounded depth); names are matched by
// their local part, since CPEs choose their own prefixes.

import { fail, ok, type Result } from '../errors.ts';
import { parseXml, writeXml, xmlElement, type XmlElement } from '../formats/xml.ts';

export const CWMP_NAMESPACES = [
  'urn:dslforum-org:cwmp-1-0',
  'urn:dslforum-org:cwmp-1-1',
  'urn:dslforum-org:cwmp-1-2',
  'urn:dslforum-org:cwmp-1-3',
  'urn:dslforum-org:cwmp-1-4',
] as const;

export type CwmpNamespace = (typeof CWMP_NAMESPACES)[number];

/** The namespace every CPE understands: answers use it when a CPE names none we know. */
export const DEFAULT_NAMESPACE: CwmpNamespace = 'urn:dslforum-org:cwmp-1-0';

/** A CWMP body larger than this is nobody's Inform (a few hundred parameters fit in 64 KiB). */
export const MAX_ENVELOPE_BYTES = 256 * 1024;
/** Elements in one envelope; a flat flood of tiny elements is refused like a deep one. */
const MAX_ELEMENTS = 4096;

const SOAP_ENV = 'http://schemas.xmlsoap.org/soap/envelope/';
const SOAP_ENC = 'http://schemas.xmlsoap.org/soap/encoding/';

export interface Envelope {
  namespace: CwmpNamespace;
  /** The `cwmp:ID` header, echoed in the answer to a request. */
  id?: string;
  /** The one element of the Body, or undefined for an empty envelope. */
  body?: XmlElement;
  /** The body's local name (`Inform`, `TransferComplete`, `DownloadResponse`, `Fault`…). */
  method?: string;
}

/** Reads one envelope. An empty HTTP body is not an envelope: callers check for it first. */
export function parseEnvelope(text: string): Result<Envelope> {
  if (Buffer.byteLength(text) > MAX_ENVELOPE_BYTES)
    return fail('PND_INVALID_XML', `a CWMP envelope is larger than ${MAX_ENVELOPE_BYTES} bytes`);
  const parsed = parseXml(text);
  if (!parsed.ok) return parsed;
  if (countElements(parsed.value, MAX_ELEMENTS + 1) > MAX_ELEMENTS)
    return fail('PND_INVALID_XML', `a CWMP envelope has more than ${MAX_ELEMENTS} elements`);
  const envelope = parsed.value.children.find((e) => local(e.name) === 'Envelope');
  if (!envelope) return fail('PND_INVALID_XML', 'no SOAP Envelope');
  const header = envelope.children.find((e) => local(e.name) === 'Header');
  const bodyElement = envelope.children.find((e) => local(e.name) === 'Body');
  if (!bodyElement) return fail('PND_INVALID_XML', 'the SOAP Envelope has no Body');
  const body = bodyElement.children[0];
  const id = header?.children.find((e) => local(e.name) === 'ID')?.text.trim();
  return ok({
    namespace: namespaceOf([
      envelope,
      ...(header ? [header] : []),
      bodyElement,
      ...(body ? [body] : []),
    ]),
    ...(id ? { id: id.slice(0, 128) } : {}),
    ...(body ? { body, method: local(body.name) } : {}),
  });
}

/** The CWMP namespace declared on these elements; a CPE's own choice is kept. */
function namespaceOf(elements: readonly XmlElement[]): CwmpNamespace {
  for (const element of elements) {
    for (const [name, value] of Object.entries(element.attributes)) {
      if (!name.startsWith('xmlns')) continue;
      const known = CWMP_NAMESPACES.find((ns) => ns === value.trim());
      if (known) return known;
    }
  }
  return DEFAULT_NAMESPACE;
}

function countElements(root: XmlElement, limit: number): number {
  let count = 0;
  const stack = [root];
  while (stack.length > 0 && count < limit) {
    const element = stack.pop()!;
    count++;
    stack.push(...element.children);
  }
  return count;
}

/** `cwmp:Inform` → `Inform`. */
export function local(name: string): string {
  const colon = name.indexOf(':');
  return colon < 0 ? name : name.slice(colon + 1);
}

export function child(element: XmlElement | undefined, name: string): XmlElement | undefined {
  return element?.children.find((e) => local(e.name) === name);
}

/** The trimmed text of a child, or '' when it is absent. */
export function childText(element: XmlElement | undefined, name: string): string {
  return child(element, name)?.text.trim() ?? '';
}

export interface ParameterValue {
  name: string;
  value: string;
}

/** `ParameterList` / `ParameterValueStruct` pairs, as Inform and GetParameterValuesResponse carry them. */
export function parameterValues(list: XmlElement | undefined): ParameterValue[] {
  return (list?.children ?? [])
    .filter((e) => local(e.name) === 'ParameterValueStruct')
    .map((e) => ({ name: childText(e, 'Name'), value: child(e, 'Value')?.text.trim() ?? '' }))
    .filter((p) => p.name !== '');
}

export interface Inform {
  deviceId: { manufacturer: string; oui: string; productClass: string; serialNumber: string };
  /** Event codes, e.g. `0 BOOTSTRAP`, `1 BOOT`, `2 PERIODIC`, `M Download`. */
  events: { code: string; commandKey: string }[];
  maxEnvelopes: number;
  parameters: ParameterValue[];
}

export function readInform(body: XmlElement): Inform {
  const id = child(body, 'DeviceId');
  return {
    deviceId: {
      manufacturer: childText(id, 'Manufacturer'),
      oui: childText(id, 'OUI'),
      productClass: childText(id, 'ProductClass'),
      serialNumber: childText(id, 'SerialNumber'),
    },
    events: (child(body, 'Event')?.children ?? [])
      .filter((e) => local(e.name) === 'EventStruct')
      .map((e) => ({ code: childText(e, 'EventCode'), commandKey: childText(e, 'CommandKey') }))
      .slice(0, 64),
    maxEnvelopes: Number(childText(body, 'MaxEnvelopes')) || 1,
    parameters: parameterValues(child(body, 'ParameterList')),
  };
}

export interface TransferComplete {
  commandKey: string;
  faultCode: number;
  faultString: string;
  startTime: string;
  completeTime: string;
}

export function readTransferComplete(body: XmlElement): TransferComplete {
  const fault = child(body, 'FaultStruct');
  return {
    commandKey: childText(body, 'CommandKey'),
    faultCode: Number(childText(fault, 'FaultCode')) || 0,
    faultString: childText(fault, 'FaultString').slice(0, 256),
    startTime: childText(body, 'StartTime'),
    completeTime: childText(body, 'CompleteTime'),
  };
}

/** A SOAP Fault with the CWMP fault in its detail (what a CPE answers an RPC it cannot do). */
export function readFault(body: XmlElement): { code: number; message: string } {
  const cwmp = child(child(body, 'detail'), 'Fault');
  return {
    code: Number(childText(cwmp, 'FaultCode')) || 0,
    message: (childText(cwmp, 'FaultString') || childText(body, 'faultstring')).slice(0, 256),
  };
}

/** An element of the cwmp namespace: the method, its arguments in order. */
export function cwmp(name: string, children: readonly XmlElement[] | string = []): XmlElement {
  return xmlElement(`cwmp:${name}`, {}, children);
}

/** An argument element (no prefix, as the schema's unqualified locals want). */
export function arg(name: string, value: string | number, type?: string): XmlElement {
  return xmlElement(name, type ? { 'xsi:type': type } : {}, String(value));
}

/** `<ParameterList soap-enc:arrayType="cwmp:ParameterValueStruct[n]">…`. */
export function parameterList(name: string, values: readonly ParameterValue[]): XmlElement {
  return xmlElement(
    name,
    { 'soap-enc:arrayType': `cwmp:ParameterValueStruct[${values.length}]` },
    values.map((p) =>
      xmlElement('ParameterValueStruct', {}, [
        arg('Name', p.name),
        arg('Value', p.value, 'xsd:string'),
      ]),
    ),
  );
}

/** A string array, as GetParameterValues' ParameterNames. */
export function stringArray(name: string, values: readonly string[]): XmlElement {
  return xmlElement(
    name,
    { 'soap-enc:arrayType': `xsd:string[${values.length}]` },
    values.map((v) => arg('string', v)),
  );
}

/** Writes one envelope in the given namespace; `id` becomes the `cwmp:ID` header. */
export function writeEnvelope(
  namespace: CwmpNamespace,
  id: string | undefined,
  body: XmlElement,
): string {
  const header = id
    ? [
        xmlElement('soap-env:Header', {}, [
          xmlElement('cwmp:ID', { 'soap-env:mustUnderstand': '1' }, id),
        ]),
      ]
    : [];
  return writeXml(
    xmlElement(
      'soap-env:Envelope',
      {
        'xmlns:soap-env': SOAP_ENV,
        'xmlns:soap-enc': SOAP_ENC,
        'xmlns:xsd': 'http://www.w3.org/2001/XMLSchema',
        'xmlns:xsi': 'http://www.w3.org/2001/XMLSchema-instance',
        'xmlns:cwmp': namespace,
      },
      [...header, xmlElement('soap-env:Body', {}, [body])],
    ),
  );
}

/**
 * A SOAP Fault carrying a CWMP fault (8000 method not supported, 8003 invalid arguments…).
 * Of the ACS's fault codes only 8003 is the sender's fault (`Client`); the others, 8000
 * included, are `Server` (TR-069's table of ACS fault codes, as 9003 alone is among the CPE's).
 */
export function faultBody(code: number, message: string): XmlElement {
  return xmlElement('soap-env:Fault', {}, [
    arg('faultcode', code === 8003 ? 'Client' : 'Server'),
    arg('faultstring', 'CWMP fault'),
    xmlElement('detail', {}, [
      cwmp('Fault', [arg('FaultCode', code), arg('FaultString', message)]),
    ]),
  ]);
}
