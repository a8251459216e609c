import type { Mac } from '../../model/mac.ts';
import type { DeviceFileRequest, Recognition } from '../driver.ts';
import { PHONEBOOK, type GrandstreamFile } from './files.ts';
import { FIRMWARE_NAME, modelOfName } from './models.ts';
import { parseUserAgent } from './user-agent.ts';

const EXACT = 100;
// `phonebook.xml` and `<x>fw.bin` are this family's names, but generic enough that an exact
// claim of another driver should win.
const LIKELY = 60;

const MAC_BINARY = /^cfg([0-9a-f]{12})(\.bin)?$/i;
const MAC_XML = /^cfg([0-9a-f]{12})\.xml$/i;
const MODEL_XML = /^cfg([a-z]{2,4}\d{3,4}[a-z]{0,2})\.xml$/i;
const MAC = /^[0-9a-f]{12}$/i;

/**
 * Claims the last path segment, under any prefix (the phone's Config Server Path may carry
 * a directory): `cfg<mac>` and `cfg<mac>.bin`, `cfg<mac>.xml`, `cfg<model>.xml`, `cfg.xml`,
 * `<mac>/phonebook.xml` and `phonebook.xml`, and a firmware image `<series>fw.bin`.
 */
export function recognise(request: DeviceFileRequest): Recognition | undefined {
  const segments = request.segments;
  const last = segments.at(-1);
  if (last === undefined) return undefined;
  const claim = (
    file: GrandstreamFile,
    options: { score?: number; mac?: string; prefix?: readonly string[]; model?: string } = {},
  ): Recognition => {
    // Read only once a name is claimed: most requests are another driver's file.
    const agent = request.userAgent ? parseUserAgent(request.userAgent) : undefined;
    const recognition: Recognition = {
      file,
      kind: file === 'firmware' ? 'firmware' : file.endsWith('phonebook') ? 'phonebook' : 'config',
      score: options.score ?? EXACT,
      prefix: options.prefix ?? segments.slice(0, -1),
      needsDevice: options.mac !== undefined,
    };
    const mac = (options.mac?.toLowerCase() as Mac | undefined) ?? agent?.mac;
    if (mac) recognition.mac = mac;
    const model = options.model ?? agent?.model;
    if (model || agent?.firmware) {
      recognition.reported = {
        ...(model ? { model } : {}),
        ...(agent?.firmware ? { firmware: agent.firmware } : {}),
      };
    }
    if (options.model) recognition.params = { model: options.model };
    return recognition;
  };

  const binary = MAC_BINARY.exec(last);
  if (binary) return claim('mac-binary', { mac: binary[1]! });
  const xml = MAC_XML.exec(last);
  if (xml) return claim('mac-xml', { mac: xml[1]! });
  if (last.toLowerCase() === 'cfg.xml') return claim('common-xml');
  const named = MODEL_XML.exec(last);
  const model = named ? modelOfName(named[1]!) : undefined;
  if (model) return claim('model-xml', { model });
  if (last.toLowerCase() === PHONEBOOK) {
    const owner = segments.at(-2);
    if (owner !== undefined && MAC.test(owner)) {
      return claim('mac-phonebook', { mac: owner, prefix: segments.slice(0, -2), score: LIKELY });
    }
    return claim('common-phonebook', { score: LIKELY });
  }
  if (FIRMWARE_NAME.test(last)) {
    const recognition = claim('firmware', { score: LIKELY });
    recognition.params = { file: last };
    return recognition;
  }
  return undefined;
}
