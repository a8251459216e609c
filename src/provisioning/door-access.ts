// The access stage for a door that is not a file request (the TR-069 ACS): the device's
// policy judges the request's credentials; a refusal is counted, answered after the floor
// and carries the challenge to send. The door records its own event.

import type { AuthChallenge } from '../crypto/http-auth.ts';
import type { Device } from '../model/device.ts';
import type { Mac } from '../model/mac.ts';
import { proven } from './access-policy.ts';
import { refusedOutright, THROTTLED } from './refusal.ts';
import type { ProvisioningRequest } from './request.ts';
import type { PipelineStages } from './stages.ts';

export type DoorVerdict =
  | { allowed: true; device?: Device; via: string }
  | { allowed: false; reason: string; challenge?: AuthChallenge };

export async function authoriseDoor(
  stages: PipelineStages,
  request: ProvisioningRequest,
  mac: Mac | undefined,
): Promise<DoorVerdict> {
  const { access, refusals } = stages;
  const started = performance.now();
  const client = access.clientAddress(request);
  const blocked = access.blocked(client);
  if (refusedOutright(blocked, request)) {
    await refusals.floor(started);
    return { allowed: false, reason: 'throttled' };
  }
  const device = mac ? await stages.view.device(mac).catch(() => undefined) : undefined;
  const verdict = await stages.authorisation.decide(
    request,
    { ...(device ? { device } : {}), ...(mac ? { mac } : {}) },
    client,
    device !== undefined,
  );
  if (verdict.allowed && (blocked === undefined || proven(verdict.via))) {
    const found = device ?? verdict.device;
    return { allowed: true, via: verdict.via, ...(found ? { device: found } : {}) };
  }
  const refusal = verdict.allowed ? THROTTLED : verdict;
  const challenge = await refusals.settle(request, refusal, client, started);
  return { allowed: false, reason: refusal.reason, ...(challenge ? { challenge } : {}) };
}
