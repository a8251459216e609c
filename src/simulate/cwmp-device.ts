// What a simulated CPE says in CWMP: its parameters, its Inform, its TransferComplete, and its
// answer to each ACS request. No I/O; SetParameterValues writes into the CPE's memory.

import type { CpeDescription } from '../drivers/driver.ts';
import { xmlElement, type XmlElement } from '../formats/xml.ts';
import type { Mac } from '../model/mac.ts';
import {
  arg,
  child,
  childText,
  cwmp,
  local,
  parameterList,
  type Envelope,
  type ParameterValue,
} from '../tr069/soap.ts';

/** What a CPE keeps across reboots, as plain strings. */
export type CpeMemory = Record<string, string>;

/** Who the CPE is, as its parameters state it. */
export interface CpeIdentity {
  mac: Mac;
  description: CpeDescription;
  /** Where this CPE listens for connection requests, reported in Inform. */
  connectionRequestUrl?: string;
}

/** A Download as the ACS sent it, fetched after the session. */
export interface ReceivedDownload {
  commandKey: string;
  fileType: string;
  url: string;
  username: string;
  password: string;
  targetFileName: string;
}

/** A transfer to report at the start of the next session. */
export interface CompletedTransfer {
  commandKey: string;
  faultCode: number;
  fileType: string;
}

/** The answer to one ACS request, with what the CPE must do after the session. */
export interface CpeAnswer {
  response: XmlElement;
  download?: ReceivedDownload;
  reboot?: boolean;
}

export function cpeParameters(cpe: CpeIdentity, memory: CpeMemory): ParameterValue[] {
  const d = cpe.description;
  const root = d.root;
  const values: ParameterValue[] = [
    { name: `${root}.DeviceInfo.Manufacturer`, value: d.manufacturer },
    { name: `${root}.DeviceInfo.ManufacturerOUI`, value: d.oui },
    { name: `${root}.DeviceInfo.ModelName`, value: d.productClass },
    { name: `${root}.DeviceInfo.SerialNumber`, value: d.serialNumber },
    {
      name: `${root}.DeviceInfo.SoftwareVersion`,
      value: memory['firmware'] ?? d.softwareVersion,
    },
    { name: `${root}.DeviceInfo.HardwareVersion`, value: '1.0' },
    {
      name: `${root}.ManagementServer.ConnectionRequestURL`,
      value: cpe.connectionRequestUrl ?? '',
    },
    {
      name: `${root}.ManagementServer.ParameterKey`,
      value: memory[`param:${root}.ManagementServer.ParameterKey`] ?? '',
    },
    {
      name: `${root}.LANDevice.1.LANHostConfigManagement.MACAddress`,
      value: formatMac(cpe.mac),
    },
  ];
  return values;
}

export function informBody(cpe: CpeIdentity, memory: CpeMemory, events: string[]): XmlElement {
  const d = cpe.description;
  const names = [
    'HardwareVersion',
    'SoftwareVersion',
    'ConnectionRequestURL',
    'ParameterKey',
    'MACAddress',
  ];
  const params = cpeParameters(cpe, memory).filter((p) =>
    names.some((n) => p.name.endsWith(`.${n}`)),
  );
  return cwmp('Inform', [
    xmlElement('DeviceId', {}, [
      arg('Manufacturer', d.manufacturer),
      arg('OUI', d.oui),
      arg('ProductClass', d.productClass),
      arg('SerialNumber', d.serialNumber),
    ]),
    xmlElement(
      'Event',
      { 'soap-enc:arrayType': `cwmp:EventStruct[${events.length}]` },
      events.map((code) =>
        xmlElement('EventStruct', {}, [arg('EventCode', code), arg('CommandKey', '')]),
      ),
    ),
    arg('MaxEnvelopes', 1),
    arg('CurrentTime', '0001-01-01T00:00:00Z'),
    arg('RetryCount', 0),
    parameterList('ParameterList', params),
  ]);
}

export function transferCompleteBody(done: CompletedTransfer): XmlElement {
  return cwmp('TransferComplete', [
    arg('CommandKey', done.commandKey),
    xmlElement('FaultStruct', {}, [
      arg('FaultCode', done.faultCode),
      arg('FaultString', done.faultCode === 0 ? '' : 'Download failure'),
    ]),
    arg('StartTime', '0001-01-01T00:00:00Z'),
    arg('CompleteTime', '0001-01-01T00:00:00Z'),
  ]);
}

/** The CPE's answer to an ACS request; methods it does not know get fault 9000. */
export function answerRequest(request: Envelope, cpe: CpeIdentity, memory: CpeMemory): CpeAnswer {
  switch (request.method) {
    case 'Download': {
      const d = request.body;
      return {
        download: {
          commandKey: childText(d, 'CommandKey'),
          fileType: childText(d, 'FileType'),
          url: childText(d, 'URL'),
          username: childText(d, 'Username'),
          password: childText(d, 'Password'),
          targetFileName: childText(d, 'TargetFileName'),
        },
        response: cwmp('DownloadResponse', [
          arg('Status', 1),
          arg('StartTime', '0001-01-01T00:00:00Z'),
          arg('CompleteTime', '0001-01-01T00:00:00Z'),
        ]),
      };
    }
    case 'Reboot':
      return { reboot: true, response: cwmp('RebootResponse') };
    case 'GetParameterValues': {
      const names = (child(request.body, 'ParameterNames')?.children ?? []).map((e) =>
        e.text.trim(),
      );
      const all = cpeParameters(cpe, memory);
      return {
        response: cwmp('GetParameterValuesResponse', [
          parameterList(
            'ParameterList',
            names.flatMap((name) =>
              all.filter((p) => p.name === name || (name.endsWith('.') && p.name.startsWith(name))),
            ),
          ),
        ]),
      };
    }
    case 'SetParameterValues': {
      for (const p of child(request.body, 'ParameterList')?.children ?? []) {
        if (local(p.name) !== 'ParameterValueStruct') continue;
        memory[`param:${childText(p, 'Name')}`] = child(p, 'Value')?.text.trim() ?? '';
      }
      return { response: cwmp('SetParameterValuesResponse', [arg('Status', 0)]) };
    }
    default:
      return {
        response: xmlElement('soap-env:Fault', {}, [
          arg('faultcode', 'Client'),
          arg('faultstring', 'CWMP fault'),
          xmlElement('detail', {}, [
            cwmp('Fault', [arg('FaultCode', 9000), arg('FaultString', 'Method not supported')]),
          ]),
        ]),
      };
  }
}

function formatMac(mac: Mac): string {
  return mac.match(/../g)!.join(':').toUpperCase();
}
