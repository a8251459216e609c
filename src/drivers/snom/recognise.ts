import type { Mac } from '../../model/mac.ts';
import type { DeviceFileRequest, Recognition } from '../driver.ts';
import { FIRMWARE_SUFFIX, TBOOK_SUFFIX, type SnomFile } from './files.ts';
import { parseUserAgent } from './user-agent.ts';

const EXACT = 100;

// `snomD385.htm`, `snom320.xml`: the phone type as the phone names itself (its DHCP vendor
// class), without `-` so that `snomD385-<MAC>.htm` is told apart.
const MODEL_FILE = /^snom([A-Za-z0-9]{1,12})\.(htm|xml)$/i;
const MAC_HTM = /^snom([A-Za-z0-9]{1,12})-([0-9A-Fa-f]{12})\.htm$/i;
const MAC_XML = /^([0-9A-Fa-f]{12})\.xml$/i;
const MAC_TBOOK = new RegExp(`^([0-9A-Fa-f]{12})${TBOOK_SUFFIX.replace('.', '\\.')}$`, 'i');
const MAC_FIRMWARE = new RegExp(`^([0-9A-Fa-f]{12})${FIRMWARE_SUFFIX.replace('.', '\\.')}$`, 'i');

/** Claims the last path segment: any prefix, any case, over every door. */
export function recognise(request: DeviceFileRequest): Recognition | undefined {
  if (request.upload) return undefined;
  const last = request.segments.at(-1);
  if (last === undefined) return undefined;
  const agent = request.userAgent ? parseUserAgent(request.userAgent) : undefined;
  const claim = (file: SnomFile, needsDevice: boolean, mac?: string): Recognition => {
    const recognition: Recognition = {
      file,
      kind:
        file === 'tbook'
          ? 'phonebook'
          : file === 'firmware'
            ? 'manifest'
            : file.endsWith('htm')
              ? 'boot'
              : 'config',
      score: EXACT,
      prefix: request.segments.slice(0, -1),
      needsDevice,
    };
    const named = mac?.toLowerCase() ?? agent?.mac;
    if (named) recognition.mac = named as Mac;
    if (agent?.model || agent?.firmware) {
      recognition.reported = {
        ...(agent.model ? { model: agent.model } : {}),
        ...(agent.firmware ? { firmware: agent.firmware } : {}),
      };
    }
    return recognition;
  };

  const model = MODEL_FILE.exec(last);
  if (model) {
    const recognition = claim(model[2]!.toLowerCase() === 'htm' ? 'model-htm' : 'model-xml', false);
    // The name says which model asks, whatever the agent claims.
    recognition.reported = { ...recognition.reported, model: model[1]! };
    recognition.params = { model: model[1]! };
    return recognition;
  }
  const htm = MAC_HTM.exec(last);
  if (htm) {
    const recognition = claim('mac-htm', true, htm[2]);
    recognition.reported = { ...recognition.reported, model: htm[1]! };
    recognition.params = { model: htm[1]! };
    return recognition;
  }
  const tbook = MAC_TBOOK.exec(last);
  if (tbook) return claim('tbook', true, tbook[1]);
  const firmware = MAC_FIRMWARE.exec(last);
  if (firmware) return claim('firmware', true, firmware[1]);
  const xml = MAC_XML.exec(last);
  if (xml) return claim('mac-xml', true, xml[1]);
  return undefined;
}
