import type { FastifyInstance, FastifyRequest } from 'fastify';

import { pndError } from '../errors.ts';
import { generateCredentials, type DeviceCredentials } from '../model/credentials.ts';
import { parseMac, type Mac } from '../model/mac.ts';
import { effectiveSettings } from '../model/merge.ts';
import type { EventRecorder } from '../provisioning/recorder.ts';
import type { Store } from '../store/store.ts';

export interface AccessRoutesOptions {
  store: Store;
  recorder: EventRecorder;
  now: () => Date;
}

type Query = Record<string, string | undefined>;

interface RotateBody {
  /** Seconds the old password is still accepted; default provisioning.credential_grace. */
  grace?: number;
  /** The phone lost its credentials (factory reset): open its first-contact window again. */
  reopen?: boolean;
}

const MASK = '********';

/** A device's provisioning credentials (shown, rotated) and the security events. */
export async function accessRoutes(
  app: FastifyInstance,
  options: AccessRoutesOptions,
): Promise<void> {
  const { store, now } = options;
  const macOf = (request: FastifyRequest): Mac => {
    const parsed = parseMac((request.params as Query)['mac'] ?? '');
    if (!parsed.ok) throw parsed.error;
    return parsed.value;
  };
  const secrets = (request: FastifyRequest): boolean =>
    /^(1|true|yes)$/i.test((request.query as Query)['secrets'] ?? '');

  const settingsOf = async (mac: Mac): Promise<Record<string, unknown>> => {
    const device = await store.getDevice(mac);
    if (!device) throw pndError('PND_DEVICE_NOT_FOUND', `no device ${mac}`);
    const profiles = new Map((await store.listProfiles()).map((p) => [p.name, p] as const));
    return effectiveSettings(device, profiles).settings;
  };

  // Shown, the credentials exist: an operator may type them into a phone by hand.
  app.get('/devices/:mac/credentials', async (request) => {
    const mac = macOf(request);
    const settings = await settingsOf(mac);
    const row = await store.ensureDeviceCredentials(mac, generateCredentials(mac), now());
    if (!row) throw pndError('PND_DEVICE_NOT_FOUND', `no device ${mac}`);
    return credentialsJson(row, settings, secrets(request));
  });

  app.post('/devices/:mac/credentials/rotate', async (request) => {
    const mac = macOf(request);
    const settings = await settingsOf(mac);
    const body = (request.body ?? {}) as RotateBody;
    const grace = body.grace ?? Number(settings['provisioning.credential_grace'] ?? 604_800);
    if (!Number.isInteger(grace) || grace < 0 || grace > 31_536_000) {
      throw pndError('PND_INVALID_ARGUMENT', 'grace: expected whole seconds from 0 to 31536000');
    }
    const at = now();
    const rotated = await store.rotateDeviceCredentials(mac, generateCredentials(mac), {
      reopen: body.reopen === true,
      ...(grace > 0 ? { graceUntil: new Date(at.getTime() + grace * 1000) } : {}),
    });
    await store.appendSecurityEvents([
      {
        at: at.toISOString(),
        kind: body.reopen === true ? 'first-contact-reopened' : 'credentials-rotated',
        mac,
        detail: `old password accepted for ${grace} s`,
      },
    ]);
    return credentialsJson(rotated, settings, secrets(request));
  });

  app.get('/security-events', async (request) => {
    const q = request.query as Query;
    let mac: string | undefined;
    if (q['mac']) {
      const parsed = parseMac(q['mac']);
      if (!parsed.ok) throw parsed.error;
      mac = parsed.value;
    }
    const limit = q['limit'] === undefined ? undefined : Number(q['limit']);
    if (limit !== undefined && (!Number.isInteger(limit) || limit < 0))
      throw pndError('PND_INVALID_ARGUMENT', 'limit: expected a whole number');
    const since = q['since'] === undefined ? undefined : Date.parse(q['since']);
    if (since !== undefined && Number.isNaN(since))
      throw pndError(
        'PND_INVALID_ARGUMENT',
        'since: expected a date-time such as 2026-01-31T12:00:00Z',
      );
    return store.querySecurityEvents({
      ...(mac ? { mac } : {}),
      ...(since !== undefined ? { since: new Date(since).toISOString() } : {}),
      ...(limit !== undefined ? { limit } : {}),
    });
  });
}

function credentialsJson(
  row: DeviceCredentials,
  settings: Record<string, unknown>,
  secrets: boolean,
): Record<string, unknown> {
  return {
    mac: row.mac,
    policy: settings['provisioning.access'] ?? 'open',
    username: row.username,
    password: secrets ? row.password : MASK,
    previousPasswordUntil: row.previousUntil ?? null,
    rotatedAt: row.rotatedAt,
    firstContact: {
      openedAt: row.firstContact.openedAt ?? null,
      closedAt: row.firstContact.closedAt ?? null,
    },
  };
}
