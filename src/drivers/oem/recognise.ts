import type { DeviceFileRequest, Recognition } from '../driver.ts';
import { isFirmwareFileName, parseAppQuery } from './request.ts';
import { parseUserAgent } from './user-agent.ts';

const EXACT = 100;
export const MANIFEST = 'currentversion.txt';

export type OemFile = 'app' | 'manifest' | 'image';

/**
 * Claims `…/<Make>/<Model>/app?class=<Make>/<Model>;mac_address=<mac>` when the query is
 * well formed and names the class the path names, `…/firmware/<OEM>/<Model>/currentversion.txt`
 * and `…/firmware/<OEM>/<Model>/<image>`. Anything malformed is left alone: it falls to the
 * overlay and gets the same 404 as any missing file.
 */
export function recognise(request: DeviceFileRequest): Recognition | undefined {
  const { segments } = request;
  const last = segments.at(-1);
  if (last === undefined) return undefined;
  // The agent is read only once a name is claimed: most requests are another driver's file.
  const agentOf = (): ReturnType<typeof parseUserAgent> =>
    request.userAgent ? parseUserAgent(request.userAgent) : undefined;
  const reported = (model: string, agent = agentOf()): Recognition['reported'] => ({
    model,
    ...(agent?.firmware ? { firmware: agent.firmware } : {}),
  });

  if (last.toLowerCase() === 'app') {
    const query = parseAppQuery(request.query);
    if (!query) return undefined;
    const classSegments = query.deviceClass.split('/');
    const before = segments.slice(0, -1);
    const named = before.slice(-classSegments.length);
    if (
      named.length !== classSegments.length ||
      named.some((s, i) => s.toLowerCase() !== classSegments[i]!.toLowerCase())
    ) {
      return undefined;
    }
    return {
      file: 'app',
      kind: 'config',
      score: EXACT,
      prefix: before.slice(0, before.length - classSegments.length),
      needsDevice: true,
      mac: query.mac,
      reported: reported(query.deviceClass),
      params: { class: query.deviceClass },
    };
  }

  // …/firmware/<OEM>/<Model>/<file>
  if (segments.length < 4 || segments.at(-4)!.toLowerCase() !== 'firmware') return undefined;
  const oem = segments.at(-3)!;
  const model = segments.at(-2)!;
  if (!isFirmwareFileName(oem) || !isFirmwareFileName(model) || !isFirmwareFileName(last))
    return undefined;
  const deviceClass = `${oem}/${model}`;
  const manifest = last.toLowerCase() === MANIFEST;
  const agent = agentOf();
  return {
    file: manifest ? 'manifest' : 'image',
    kind: manifest ? 'manifest' : 'firmware',
    score: EXACT,
    prefix: segments.slice(0, -4),
    needsDevice: false,
    ...(agent?.mac ? { mac: agent.mac } : {}),
    reported: reported(deviceClass, agent),
    params: { class: deviceClass, file: last },
  };
}
