// Downloads and their outcome: what a DownloadResponse or a TransferComplete means for the
// device's CWMP state. Pure, but for the channel message that counts them.

import { tr069Channel, type Tr069Message } from '../channels.ts';
import type { XmlElement } from '../formats/xml.ts';
import { MAX_CWMP_TRANSFERS, type CwmpState, type CwmpTransfer } from '../model/cwmp.ts';
import { childText, readFault, readTransferComplete, type Envelope } from './soap.ts';
import { FILE_TYPES, type AcsRpc } from './session.ts';

/** A TransferComplete: the outcome to keep, and the reason for the request's event. */
export function transferCompleted(
  body: XmlElement,
  at: Date,
): { transfer: CwmpTransfer; reason: string } {
  const done = readTransferComplete(body);
  return {
    transfer: {
      at: at.toISOString(),
      commandKey: done.commandKey.slice(0, 64),
      faultCode: done.faultCode,
      ...(done.faultString ? { faultString: done.faultString } : {}),
      ...(done.startTime ? { startTime: done.startTime.slice(0, 40) } : {}),
      ...(done.completeTime ? { completeTime: done.completeTime.slice(0, 40) } : {}),
    },
    reason:
      done.faultCode === 0
        ? `transfer-complete ${done.commandKey.slice(0, 40)}`
        : `transfer-fault ${done.faultCode}`,
  };
}

/**
 * The CPE's answer to a Download, when that answer ends the transfer: a fault, or status 0
 * (done and applied already, no TransferComplete follows). Undefined while it is under way.
 */
export function downloadAnswered(
  rpc: Extract<AcsRpc, { kind: 'Download' }>,
  message: Envelope | undefined,
  at: Date,
): CwmpTransfer | undefined {
  const fault = message?.method === 'Fault' && message.body ? readFault(message.body) : undefined;
  const status = message?.method === 'DownloadResponse' ? childText(message.body, 'Status') : '';
  if (!fault && status !== '0') return undefined;
  return {
    at: at.toISOString(),
    commandKey: rpc.commandKey,
    faultCode: fault?.code ?? 0,
    ...(fault?.message ? { faultString: fault.message } : {}),
  };
}

/** A transfer ended: acknowledge what it delivered when it succeeded, keep the outcome. */
export function settle(state: CwmpState, transfer: CwmpTransfer): CwmpState {
  const sent = state.inflight[transfer.commandKey];
  const inflight = { ...state.inflight };
  delete inflight[transfer.commandKey];
  const acknowledged = { ...state.acknowledged };
  if (sent && transfer.faultCode === 0) {
    if (sent.fileType === FILE_TYPES.config) acknowledged.config = sent.target;
    if (sent.fileType === FILE_TYPES.firmware) acknowledged.firmware = sent.target;
  }
  return {
    ...state,
    inflight,
    acknowledged,
    transfers: [
      { ...transfer, ...(sent ? { fileType: sent.fileType } : {}) },
      ...state.transfers,
    ].slice(0, MAX_CWMP_TRANSFERS),
  };
}

/** A Download's result as the CPE reported it (0: done), for whoever counts them. */
export function publishDownloaded(faultCode: number): void {
  if (tr069Channel.hasSubscribers)
    tr069Channel.publish({ what: 'download', faultCode } satisfies Tr069Message);
}
