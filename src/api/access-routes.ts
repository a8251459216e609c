import type { FastifyInstance, FastifyRequest } from 'fastify';

import { pndError } from '../errors.ts';
import {
  generateCredentials,
  SECURITY_EVENT_KINDS,
  type DeviceCredentials,
  type SecurityEventKind,
} from '../model/credentials.ts';
import { parseMac, type Mac } from '../model/mac.ts';
import { effectiveSettings } from '../model/merge.ts';
import type { EventRecorder } from '../provisioning/recorder.ts';
import type { Store } from '../store/store.ts';
import {
  ANY_OBJECT,
  closed,
  dateTime,
  flag,
  list,
  mac,
  MAC_PARAMS,
  optionalBody,
  replies,
  SECRETS_QUERY,
  whole,
} from './schemas.ts';

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
    (request.query as { secrets?: boolean }).secrets === true;

  const settingsOf = async (mac: Mac): Promise<Record<string, unknown>> => {
    const device = await store.getDevice(mac);
    if (!device) throw pndError('PND_DEVICE_NOT_FOUND', `no device ${mac}`);
    const profiles = new Map((await store.listProfiles()).map((p) => [p.name, p] as const));
    return effectiveSettings(device, profiles).settings;
  };

  // Shown, the credentials exist: an operator may type them into a phone by hand.
  app.get(
    '/devices/:mac/credentials',
    {
      schema: {
        summary:
          'the provisioning credentials of a device (made on first need), its policy and first-contact state; the password masked unless secrets=true',
        params: MAC_PARAMS,
        querystring: SECRETS_QUERY,
        response: replies(200, CREDENTIALS, 404),
      },
    },
    async (request) => {
      const mac = macOf(request);
      const settings = await settingsOf(mac);
      const row = await store.ensureDeviceCredentials(mac, generateCredentials(mac), now());
      if (!row) throw pndError('PND_DEVICE_NOT_FOUND', `no device ${mac}`);
      return credentialsJson(row, settings, secrets(request));
    },
  );

  app.post(
    '/devices/:mac/credentials/rotate',
    {
      schema: {
        summary:
          'new credentials; the old password is accepted for grace seconds (default provisioning.credential_grace); reopen starts a first-contact window again',
        params: MAC_PARAMS,
        querystring: SECRETS_QUERY,
        body: optionalBody(
          closed({
            grace: {
              type: 'integer',
              minimum: 0,
              maximum: 31_536_000,
              description: 'seconds the old password is still accepted',
            },
            reopen: flag('the phone lost its credentials: open its first-contact window again'),
          }),
        ),
        response: replies(200, CREDENTIALS, 404),
      },
    },
    async (request) => {
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
        event: {
          at: at.toISOString(),
          kind: body.reopen === true ? 'first-contact-reopened' : 'credentials-rotated',
          mac,
          detail: `old password accepted for ${grace} s`,
        },
      });
      return credentialsJson(rotated, settings, secrets(request));
    },
  );

  app.get(
    '/security-events',
    {
      schema: {
        summary: 'blocked addresses, first contacts and credential rotations, newest first',
        querystring: closed({
          mac,
          kind: {
            type: 'string',
            enum: [...SECURITY_EVENT_KINDS],
            description: 'only of this kind',
          },
          since: dateTime('not before'),
          after: whole('only events recorded after the one of this id'),
          limit: whole('at most this many'),
        }),
        response: replies(200, list(ANY_OBJECT)),
      },
    },
    async (request) => {
      const q = request.query as {
        mac?: string;
        kind?: SecurityEventKind;
        since?: string;
        after?: number;
        limit?: number;
      };
      let mac: string | undefined;
      if (q.mac) {
        const parsed = parseMac(q.mac);
        if (!parsed.ok) throw parsed.error;
        mac = parsed.value;
      }
      const limit = q.limit;
      const since = q.since === undefined ? undefined : Date.parse(q.since);
      if (since !== undefined && Number.isNaN(since))
        throw pndError(
          'PND_INVALID_ARGUMENT',
          'since: expected a date-time such as 2026-01-31T12:00:00Z',
        );
      return store.querySecurityEvents({
        ...(mac ? { mac } : {}),
        ...(q.kind ? { kind: q.kind } : {}),
        ...(since !== undefined ? { since: new Date(since).toISOString() } : {}),
        ...(q.after !== undefined ? { afterId: q.after } : {}),
        ...(limit !== undefined ? { limit } : {}),
      });
    },
  );
}

const CREDENTIALS = {
  type: 'object',
  properties: {
    mac: { type: 'string' },
    policy: { type: 'string' },
    username: { type: 'string' },
    password: { type: 'string', description: 'masked unless secrets=true' },
    previousPasswordUntil: { type: ['string', 'null'] },
    rotatedAt: { type: 'string' },
    firstContact: {
      type: 'object',
      properties: {
        openedAt: { type: ['string', 'null'] },
        closedAt: { type: ['string', 'null'] },
      },
    },
  },
};

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
