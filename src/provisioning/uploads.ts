// The HTTP PUT path: a file the phone sends (Poly's logs, overrides and directories), taken
// only where its driver says the phone writes it, for a device in the store, under that
// device's access policy.

import { Readable } from 'node:stream';

import type { AuthChallenge } from '../crypto/http-auth.ts';
import type { Driver, Recognition } from '../drivers/driver.ts';
import { proven, type Refusal } from './access-policy.ts';
import { uploadPath } from './answer.ts';
import { NO_MAC, type Identified } from './identify.ts';
import { normalisePath } from './path.ts';
import { refusedOutright, THROTTLED } from './refusal.ts';
import type { ProvisioningRequest, UploadAnswer, UploadBody } from './request.ts';
import type { PipelineStages } from './stages.ts';

/** An upload's default size cap (`provisioning.upload_limit`). */
const UPLOAD_LIMIT = 1_048_576;

/**
 * Reads the body up to `provisioning.upload_limit` and keeps it as a stored file
 * (`provisioning.uploads=store`) or drops it; never holds it whole in memory. One event,
 * whatever the outcome.
 */
export async function receiveUpload(
  stages: PipelineStages,
  request: ProvisioningRequest,
  body: UploadBody,
): Promise<UploadAnswer> {
  const { access, events, refusals } = stages;
  const started = performance.now();
  const at = stages.now();
  const client = access.clientAddress(request);
  let identified: Identified = { segments: [] };
  let received = 0;
  const done = (
    status: UploadAnswer['status'],
    reason: string,
    extra: { challenge?: AuthChallenge; bodyLeft?: boolean } = {},
  ): UploadAnswer => {
    events.record(
      request,
      identified,
      at,
      started,
      { status, bytes: received, reason },
      undefined,
      client,
    );
    return {
      status,
      bodyLeft: extra.bodyLeft ?? true,
      ...(extra.challenge ? { challenge: extra.challenge } : {}),
    };
  };
  const refuse = async (verdict: Refusal): Promise<UploadAnswer> => {
    const challenge = await refusals.settle(request, verdict, client, started);
    return done(challenge ? 401 : 404, verdict.reason, challenge ? { challenge } : {});
  };
  // As for a GET: a blocked address is refused before any lookup, unless it shows proof.
  const blocked = access.blocked(client);
  if (refusedOutright(blocked, request)) return refuse(THROTTLED);
  try {
    const segments = normalisePath(request.rawPath, {
      percentEncoded: request.transport === 'http' || request.transport === 'https',
      backslashIsSeparator: false,
    });
    if (!segments) return done(404, 'bad-path');
    identified = { segments };
    const fileRequest = {
      segments,
      query: request.query ?? '',
      transport: request.transport,
      upload: true,
      ...(request.userAgent ? { userAgent: request.userAgent } : {}),
    };
    const claims: { driver: Driver; recognition: Recognition; name: string }[] = [];
    for (const driver of stages.drivers) {
      const recognition = driver.recognise(fileRequest);
      const name = recognition?.writable;
      if (recognition && name !== undefined && recognition.mac && recognition.mac !== NO_MAC)
        claims.push({ driver, recognition, name });
    }
    if (claims.length === 0) return done(405, 'not-writable');
    const mac = claims[0]!.recognition.mac!;
    const device = await stages.view.device(mac);
    identified = { segments, mac, ...(device ? { device } : {}) };
    const claim = device && claims.find((c) => c.driver.vendors.includes(device.vendor));
    if (!device || !claim)
      return refuse({
        allowed: false,
        reason: device ? 'not-writable' : 'unknown-device',
        miss: !device,
      });
    identified = { segments, mac, device, driver: claim.driver, recognition: claim.recognition };
    const verdict = await stages.authorisation.decide(request, identified, client, true);
    if (!verdict.allowed) return refuse(verdict);
    if (blocked !== undefined && !proven(verdict.via)) return refuse(THROTTLED);
    // First contact lets a phone fetch its credentials, never write where its files are kept.
    if (verdict.via === 'first-contact')
      return refuse({ allowed: false, reason: 'first-contact-upload', miss: false });
    const settings = stages.settings.of(device, await stages.view.profiles());
    const limitSetting = settings['provisioning.upload_limit'];
    const limit = typeof limitSetting === 'number' ? limitSetting : UPLOAD_LIMIT;
    if (body.declaredLength !== undefined && body.declaredLength > limit)
      return done(413, 'upload-too-large');
    // Read by hand, not with for-await: leaving that loop early would destroy the request,
    // and the door still has to answer on its socket.
    const chunks = (body.stream as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
    const counted = (async function* (): AsyncGenerator<Buffer> {
      for (;;) {
        const next = await chunks.next();
        if (next.done) return;
        received += next.value.length;
        if (received > limit) throw new UploadTooLarge();
        yield next.value;
      }
    })();
    // A phone that shows it has its credentials has had its first contact.
    if (verdict.via === 'credentials' || verdict.via === 'previous-credentials')
      void access
        .delivered(device, {
          installsCredentials: false,
          via: verdict.via,
          client,
          file: segments.join('/'),
        })
        .catch(() => undefined);
    try {
      if (settings['provisioning.uploads'] === 'store') {
        await stages.store.putFile(
          uploadPath(device.mac, claim.name),
          Readable.from(counted),
          uploadType(claim.name),
        );
        return done(204, 'upload-stored', { bodyLeft: false });
      }
      for await (const _chunk of counted) {
        // Read and dropped: the phone is answered, nothing is kept.
      }
      return done(204, 'upload-discarded', { bodyLeft: false });
    } catch (error) {
      if (error instanceof UploadTooLarge) return done(413, 'upload-too-large');
      throw error;
    }
  } catch {
    // A store outage or a broken body: nothing is kept, the phone is told so plainly.
    return done(500, 'internal-error');
  }
}

function uploadType(name: string): string {
  if (/\.xml$/i.test(name)) return 'application/xml';
  return 'text/plain; charset=utf-8';
}

class UploadTooLarge extends Error {}
