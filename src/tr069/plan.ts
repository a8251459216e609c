// What the ACS asks of a CPE in one session, decided at the CPE's first empty POST: device
// facts after a boot, connection-request credentials until confirmed, a Download of its
// configuration or firmware when either changed, a Reboot the operator asked for.

import { createHash, randomBytes } from 'node:crypto';

import type { Device } from '../model/device.ts';
import type { ProvisioningPipeline } from '../provisioning/pipeline.ts';
import type { Store } from '../store/store.ts';
import type { SessionEntry } from './session-table.ts';
import { FILE_TYPES, type AcsRpc } from './session.ts';

export interface PlanOptions {
  store: Store;
  pipeline: ProvisioningPipeline;
  /**
   * The HTTP(S) door as a CPE that reached the ACS on local address `reachedAt` sees it
   * (`http://10.0.0.5:8080`, no trailing `/`); undefined when no such door is on.
   */
  fileOrigin(reachedAt: string): string | undefined;
  /** How long a Download's one-time credentials open its file. Default 15 minutes. */
  grantTtlMs?: number;
}

/** The reasons a CPE's Inform makes the ACS look at its files. */
const PROVISIONING_EVENTS = ['0 BOOTSTRAP', '1 BOOT', '2 PERIODIC', '6 CONNECTION REQUEST'];
/** A Download sent and not completed is not sent again for this long, unless the CPE rebooted. */
const INFLIGHT_MS = 10 * 60_000;
const DEVICE_INFO = ['ModelName', 'SoftwareVersion', 'SerialNumber', 'Manufacturer'];

/** The requests for this session, in order; `localAddress` is where the CPE reached us. */
export async function planSession(
  options: PlanOptions,
  entry: SessionEntry,
  localAddress: string,
  at: Date,
): Promise<AcsRpc[]> {
  const { device, driver } = entry;
  const state = await options.store.cwmpState(device.mac);
  const root = state?.root ?? 'InternetGatewayDevice';
  const rpcs: AcsRpc[] = [];
  const booted = entry.events.some((e) => e === '0 BOOTSTRAP' || e === '1 BOOT');
  if (booted || !device.reported?.firmware) {
    rpcs.push({
      kind: 'GetParameterValues',
      names: DEVICE_INFO.map((name) => `${root}.DeviceInfo.${name}`),
    });
  }
  let credentials = state?.connectionRequest;
  // A CPE that bootstraps was reset (or is new): whatever it was told before is gone.
  if (!credentials?.confirmed || entry.events.includes('0 BOOTSTRAP')) {
    credentials ??= {
      username: `acs-${device.mac}`,
      password: randomBytes(18).toString('base64url'),
      confirmed: false,
    };
    const fresh = credentials;
    await options.store.updateCwmpState(device.mac, (s) => ({
      ...s,
      connectionRequest: s.connectionRequest ?? fresh,
    }));
    rpcs.push({
      kind: 'SetParameterValues',
      values: [
        {
          name: `${root}.ManagementServer.ConnectionRequestUsername`,
          value: credentials.username,
        },
        {
          name: `${root}.ManagementServer.ConnectionRequestPassword`,
          value: credentials.password,
        },
      ],
      parameterKey: 'plugndial-cr',
    });
  }
  const origin = options.fileOrigin(localAddress);
  if (entry.events.some((e) => PROVISIONING_EVENTS.includes(e)) && origin) {
    const inflight = { ...state?.inflight };
    const fresh = (target: string): boolean =>
      booted ||
      !Object.values(inflight).some(
        (f) => f.target === target && at.getTime() - Date.parse(f.at) < INFLIGHT_MS,
      );
    const file = driver?.tr069?.configFile(device);
    if (file) {
      const rendered = await options.pipeline.render(device.mac, file, origin);
      const body = rendered?.artifact?.body;
      const sha = body && createHash('sha256').update(body).digest('hex');
      if (body && sha && sha !== state?.acknowledged.config && fresh(sha)) {
        const url = `${origin}/${file.split('/').map(encodeURIComponent).join('/')}`;
        rpcs.push(
          download(
            options,
            device,
            url,
            FILE_TYPES.config,
            `cfg-${sha.slice(0, 16)}`,
            body.length,
            file,
          ),
        );
        inflight[`cfg-${sha.slice(0, 16)}`] = {
          fileType: FILE_TYPES.config,
          target: sha,
          at: at.toISOString(),
        };
      }
    }
    const image = await options.pipeline.firmwareFor(device, origin);
    if (image && image.version !== state?.acknowledged.firmware && fresh(image.version)) {
      const key = `fw-${image.version}`.slice(0, 32);
      rpcs.push(
        download(options, device, image.url, FILE_TYPES.firmware, key, image.size, image.fileName),
      );
      inflight[key] = {
        fileType: FILE_TYPES.firmware,
        target: image.version,
        at: at.toISOString(),
      };
    }
    await options.store.updateCwmpState(device.mac, (s) => ({ ...s, inflight }));
  }
  if (state?.rebootRequested) {
    rpcs.push({ kind: 'Reboot', commandKey: `reboot-${Date.parse(state.rebootRequested) || 0}` });
  }
  return rpcs;
}

/** A Download of `url`, with one-time credentials that open that file alone. */
function download(
  options: PlanOptions,
  device: Device,
  url: string,
  fileType: (typeof FILE_TYPES)[keyof typeof FILE_TYPES],
  commandKey: string,
  fileSize: number,
  targetFileName: string,
): AcsRpc {
  const grant = options.pipeline.grantOneTime(
    device.mac,
    new URL(url).pathname,
    options.grantTtlMs ?? 15 * 60_000,
  );
  return {
    kind: 'Download',
    commandKey,
    fileType,
    url,
    username: grant.username,
    password: grant.password,
    fileSize,
    targetFileName: targetFileName.split('/').pop() ?? targetFileName,
  };
}
