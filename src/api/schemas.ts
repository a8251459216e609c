// The pieces the admin API's route schemas are made of. Each route's schema validates its
// request and becomes its part of the OpenAPI document (openapi.ts): written once, here
// and beside the route, never again by hand.

import { KINDS } from '../management/check.ts';

/** A JSON Schema object, as fastify and the OpenAPI document take it. */
export type Schema = Record<string, unknown>;

/** An object with these fields and no others. */
export function closed(properties: Record<string, Schema>, required: string[] = []): Schema {
  return {
    type: 'object',
    properties,
    additionalProperties: false,
    ...(required.length > 0 ? { required } : {}),
  };
}

/** The same object, or no body at all (`POST …/resync` without one). */
export function optionalBody(schema: Schema): Schema {
  return { ...schema, type: ['object', 'null'] };
}

export const text = (description?: string): Schema => ({
  type: 'string',
  ...(description ? { description } : {}),
});

export const flag = (description: string): Schema => ({ type: 'boolean', description });

export const whole = (description: string): Schema => ({
  type: 'integer',
  minimum: 0,
  description,
});

export const dateTime = (description: string): Schema => ({
  type: 'string',
  format: 'date-time',
  description,
});

export const mac = text('a MAC address in any common form: 0021f2000001, 00:21:F2:00:00:01, …');

export const ERROR: Schema = {
  type: 'object',
  required: ['code', 'message'],
  properties: {
    code: { type: 'string', description: 'a PND_* code of the error catalogue' },
    message: { type: 'string', description: 'what happened and what to do' },
    details: { type: 'object', additionalProperties: true },
  },
};

/** Canonical settings by dotted key; values are checked against `GET /settings`. */
export const SETTINGS: Schema = {
  type: 'object',
  description: 'canonical settings, e.g. {"accounts.1.user": "1001"}; see GET /settings',
  additionalProperties: {
    type: ['string', 'number', 'boolean', 'array', 'null'],
    items: { type: ['string', 'number', 'boolean'] },
  },
};

export const SETTING_KEYS: Schema = {
  type: 'array',
  items: { type: 'string' },
  description: 'setting keys to remove',
};

export const PROFILE_NAMES: Schema = {
  type: 'array',
  items: { type: 'string' },
  description: 'profiles in order; later ones override earlier ones',
};

export const DEVICE_INPUT = closed(
  {
    mac,
    vendor: text('the vendor as devices name it: flyingvoice, yealink, fanvil, gigaset, …'),
    model: text(),
    profiles: PROFILE_NAMES,
    settings: SETTINGS,
  },
  ['mac', 'vendor'],
);

/** One problem `plugndial check` found, as change answers carry it in `warnings`. */
export const FINDING: Schema = {
  type: 'object',
  required: ['kind', 'problem', 'fix', 'count', 'devices'],
  properties: {
    kind: { type: 'string', enum: [...KINDS] },
    problem: { type: 'string' },
    fix: { type: 'string' },
    count: { type: 'integer', description: 'devices concerned' },
    devices: {
      type: 'array',
      items: { type: 'string' },
      description: 'their MACs (in change answers, the first 100)',
    },
  },
};

export const WARNINGS: Schema = {
  type: 'array',
  items: FINDING,
  description:
    'what the change leaves broken for the devices it applies to (as plugndial check says); the change is stored',
};

/** A change answer: what changed, and what it leaves broken. */
export function withWarnings(schema: Schema): Schema {
  return {
    ...schema,
    properties: { ...(schema['properties'] as object), warnings: WARNINGS },
  };
}

/** A stored device as the API shows it; secret settings masked unless `secrets=true`. */
export const DEVICE: Schema = {
  type: 'object',
  properties: {
    mac: { type: 'string' },
    vendor: { type: 'string' },
    model: { type: ['string', 'null'] },
    profiles: { type: 'array', items: { type: 'string' } },
    settings: SETTINGS,
    reported: { type: 'object', additionalProperties: { type: 'string' } },
    lastContact: { type: ['object', 'null'], additionalProperties: true },
    lastResync: { type: ['object', 'null'], additionalProperties: true },
    createdAt: { type: 'string' },
    updatedAt: { type: 'string' },
  },
};

export const PROFILE: Schema = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    description: { type: ['string', 'null'] },
    settings: SETTINGS,
    createdAt: { type: 'string' },
    updatedAt: { type: 'string' },
  },
};

/** An answer whose shape this document does not spell out field by field. */
export const ANY_OBJECT: Schema = { type: 'object', additionalProperties: true };

export const list = (items: Schema, description?: string): Schema => ({
  type: 'array',
  items,
  ...(description ? { description } : {}),
});

/** `?secrets=true` shows secret values; anything else hides them. */
export const SECRETS_QUERY = closed({ secrets: flag('include secret values') });

export const MAC_PARAMS = closed({ mac }, ['mac']);
export const NAME_PARAMS = closed({ name: text('a profile name') }, ['name']);

/** A route's answers: its own on success, the error catalogue's shape on 400, 401 and these. */
export function replies(
  status: number,
  schema: Schema,
  ...errors: number[]
): Record<string, Schema> {
  const out: Record<string, Schema> = { [status]: schema };
  for (const code of [400, 401, ...errors]) out[code] = ERROR;
  return out;
}
