// What the FTP door asks of the pipeline besides files: whether a login is right, and what
// a logged-in client may list.

import type { Device } from '../model/device.ts';
import { findMac } from '../model/mac.ts';
import { normalisePath } from './path.ts';
import type { LoginAttempt, ProvisioningRequest } from './request.ts';
import type { PipelineStages } from './stages.ts';

/** FTP PASS: judged against the server's default policy, slowly when wrong. */
export async function ftpLogin(stages: PipelineStages, attempt: LoginAttempt): Promise<boolean> {
  const { access, refusals } = stages;
  const started = performance.now();
  const client = access.clientAddress({
    transport: attempt.transport,
    rawPath: '/',
    remoteAddress: attempt.remoteAddress,
    origin: '',
  });
  try {
    const ok = await access.login(attempt, await stages.settings.policyFor(undefined), client);
    if (!ok) await refusals.floor(started);
    return ok;
  } catch {
    await refusals.floor(started);
    return false;
  }
}

/**
 * What a client may list (FTP LIST/NLST): the files of the device whose credentials it
 * logged in with, nothing to anyone else. One event, like any request.
 */
export async function ftpListing(
  stages: PipelineStages,
  request: ProvisioningRequest,
): Promise<string[]> {
  const { access } = stages;
  const started = performance.now();
  const at = stages.now();
  const client = access.clientAddress(request);
  let names: string[] = [];
  let device: Device | undefined;
  const username = request.credentials?.username;
  const mac = username && access.blocked(client) !== 'all' ? findMac(username) : undefined;
  try {
    device = mac ? await stages.view.device(mac) : undefined;
    if (device) {
      const policy = await stages.settings.policyFor(device);
      const verdict =
        policy.policy === 'device-credentials'
          ? await access.decide({ request, client, policy, device, mac: device.mac, found: true })
          : undefined;
      if (verdict?.allowed && verdict.via !== 'first-contact') {
        const vendor = device.vendor;
        names =
          stages.drivers.find((d) => d.vendors.includes(vendor))?.files(device.mac, device.model) ??
          [];
      } else {
        device = undefined;
      }
    }
  } catch {
    device = undefined;
  }
  stages.events.record(
    request,
    {
      segments:
        normalisePath(request.rawPath, { percentEncoded: false, backslashIsSeparator: true }) ?? [],
      ...(device ? { device, mac: device.mac } : {}),
    },
    at,
    started,
    { status: 200, bytes: names.join('\r\n').length, reason: 'list' },
    undefined,
    client,
  );
  return names;
}
