// One CWMP session as a pure state machine (TR-069 Amendment 6 §3.7): the CPE opens with
// Inform, may send its own requests (TransferComplete, GetRPCMethods), then, with an empty
// POST or the response to the ACS's last request, asks for the next one; the ACS ends the
// session with an empty HTTP 204. What the ACS asks for is planned by the caller (acs.ts).

import type { XmlElement } from '../formats/xml.ts';
import {
  arg,
  cwmp,
  faultBody,
  parameterList,
  stringArray,
  type CwmpNamespace,
  type Envelope,
  type ParameterValue,
} from './soap.ts';

export const FILE_TYPES = {
  firmware: '1 Firmware Upgrade Image',
  config: '3 Vendor Configuration File',
} as const;

/** The RPCs this ACS sends. */
export type AcsRpc =
  | {
      kind: 'Download';
      commandKey: string;
      fileType: (typeof FILE_TYPES)[keyof typeof FILE_TYPES];
      url: string;
      username: string;
      password: string;
      fileSize: number;
      targetFileName: string;
    }
  | { kind: 'Reboot'; commandKey: string }
  | { kind: 'GetParameterValues'; names: string[] }
  | { kind: 'SetParameterValues'; values: ParameterValue[]; parameterKey: string };

/** The methods a CPE may call on this ACS (GetRPCMethodsResponse). */
export const ACS_METHODS = ['Inform', 'GetRPCMethods', 'TransferComplete'] as const;

/**
 * What a session keeps between requests. Not the Inform: the ACS reads what it needs of it
 * while answering it, and what the session keeps of its CPE (device, events) is in its entry.
 */
export interface Session {
  id: string;
  namespace: CwmpNamespace;
  /** What the ACS still has to ask; undefined until planned at the CPE's first empty POST. */
  queue?: AcsRpc[];
  /** The ACS request the CPE is answering now, with the cwmp:ID it was sent under. */
  outstanding?: { id: string; rpc: AcsRpc };
  /** ACS requests sent so far; they number the cwmp:ID. */
  sent: number;
  /** Requests the CPE made in this session; bounded so no CPE keeps a session forever. */
  requests: number;
}

/** A CPE keeps a session at most this many requests (a few RPCs, each answered). */
export const MAX_SESSION_REQUESTS = 64;

/** What the ACS does with one message of an open session. */
export type Step =
  /** Answer a request of the CPE's with this body, under the CPE's cwmp:ID. */
  | { kind: 'answer'; body: XmlElement; id?: string; method: string }
  /** The CPE wants the ACS's next request (empty POST or a response); `answered` is what it answers. */
  | { kind: 'next'; answered?: { rpc: AcsRpc; message?: Envelope } }
  /** Not a message for this point of the session: end it. */
  | { kind: 'end'; reason: string };

export function newSession(id: string, namespace: CwmpNamespace): Session {
  return { id, namespace, sent: 0, requests: 1 };
}

/** What one message of an open session (not the Inform that opened it) asks of the ACS. */
export function stepSession(session: Session, message: Envelope | undefined): Step {
  session.requests++;
  if (session.requests > MAX_SESSION_REQUESTS) return { kind: 'end', reason: 'too-many-requests' };
  const outstanding = session.outstanding;
  if (!message?.method) {
    delete session.outstanding;
    return { kind: 'next', ...(outstanding ? { answered: { rpc: outstanding.rpc } } : {}) };
  }
  const method = message.method;
  if (method === 'TransferComplete' || method === 'AutonomousTransferComplete') {
    return { kind: 'answer', method, body: cwmp('TransferCompleteResponse'), ...idOf(message) };
  }
  if (method === 'GetRPCMethods') {
    return {
      kind: 'answer',
      method,
      body: cwmp('GetRPCMethodsResponse', [stringArray('MethodList', [...ACS_METHODS])]),
      ...idOf(message),
    };
  }
  // Every session opens with an Inform: one on a session under way means the CPE started
  // over, and that Inform opens the next session (acs.ts).
  if (method === 'Inform') return { kind: 'end', reason: 'inform-in-session' };
  if (method.endsWith('Response') || method === 'Fault') {
    delete session.outstanding;
    return {
      kind: 'next',
      ...(outstanding ? { answered: { rpc: outstanding.rpc, message } } : {}),
    };
  }
  // Any other CPE request (RequestDownload, Kicked): this ACS does not offer it.
  return {
    kind: 'answer',
    method,
    body: faultBody(8000, 'Method not supported'),
    ...idOf(message),
  };
}

/** The next ACS request, or undefined when the session should end (HTTP 204). */
export function nextRequest(session: Session): { id: string; rpc: AcsRpc } | undefined {
  const rpc = session.queue?.shift();
  if (!rpc) return undefined;
  session.sent++;
  const id = `${session.id.slice(0, 8)}-${session.sent}`;
  session.outstanding = { id, rpc };
  return { id, rpc };
}

/** The SOAP body of an ACS request; arguments in the order the schema lists them. */
export function rpcBody(rpc: AcsRpc): XmlElement {
  switch (rpc.kind) {
    case 'Download':
      return cwmp('Download', [
        arg('CommandKey', rpc.commandKey),
        arg('FileType', rpc.fileType),
        arg('URL', rpc.url),
        arg('Username', rpc.username),
        arg('Password', rpc.password),
        arg('FileSize', rpc.fileSize),
        arg('TargetFileName', rpc.targetFileName),
        arg('DelaySeconds', 0),
        arg('SuccessURL', ''),
        arg('FailureURL', ''),
      ]);
    case 'Reboot':
      return cwmp('Reboot', [arg('CommandKey', rpc.commandKey)]);
    case 'GetParameterValues':
      return cwmp('GetParameterValues', [stringArray('ParameterNames', rpc.names)]);
    case 'SetParameterValues':
      return cwmp('SetParameterValues', [
        parameterList('ParameterList', rpc.values),
        arg('ParameterKey', rpc.parameterKey),
      ]);
  }
}

/** How an RPC is named in events and logs: never its URL credentials or values. */
export function describeRpc(rpc: AcsRpc): string {
  switch (rpc.kind) {
    case 'Download':
      return `Download ${rpc.fileType.slice(0, 1)} ${rpc.commandKey}`;
    case 'Reboot':
      return `Reboot ${rpc.commandKey}`;
    case 'GetParameterValues':
      return `GetParameterValues ${rpc.names.length}`;
    case 'SetParameterValues':
      return `SetParameterValues ${rpc.values.map((v) => v.name.split('.').pop()).join(',')}`;
  }
}

function idOf(message: Envelope): { id?: string } {
  return message.id ? { id: message.id } : {};
}
