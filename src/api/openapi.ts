import { CATALOGUE_PATHS } from './catalogue-routes.ts';

/** The admin API's OpenAPI 3.1 description, served at /api/v1/openapi.json. */
const error = { $ref: '#/components/schemas/Error' };
const json = (schema: object): object => ({ content: { 'application/json': { schema } } });
const ok = (description: string, schema: object = { type: 'object' }): object => ({
  200: { description, ...json(schema) },
  400: { description: 'invalid input', ...json(error) },
  401: { description: 'missing or wrong bearer token', ...json(error) },
  404: { description: 'not found', ...json(error) },
});
const macParam = { name: 'mac', in: 'path', required: true, schema: { type: 'string' } };
const nameParam = { name: 'name', in: 'path', required: true, schema: { type: 'string' } };
const secretsParam = {
  name: 'secrets',
  in: 'query',
  schema: { type: 'boolean' },
  description: 'include secret values',
};

export const OPENAPI = {
  openapi: '3.1.0',
  info: { title: 'plugndial admin API', version: '1' },
  servers: [{ url: '/api/v1' }],
  security: [{ bearer: [] }],
  components: {
    securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
    schemas: {
      Error: {
        type: 'object',
        required: ['code', 'message'],
        properties: {
          code: { type: 'string' },
          message: { type: 'string' },
          details: { type: 'object' },
        },
      },
      Settings: {
        type: 'object',
        additionalProperties: {
          oneOf: [
            { type: 'string' },
            { type: 'number' },
            { type: 'boolean' },
            { type: 'array', items: { type: 'string' } },
          ],
        },
      },
      DeviceInput: {
        type: 'object',
        required: ['mac', 'vendor'],
        properties: {
          mac: { type: 'string' },
          vendor: { type: 'string' },
          model: { type: 'string' },
          profiles: { type: 'array', items: { type: 'string' } },
          settings: { $ref: '#/components/schemas/Settings' },
        },
      },
      DevicePatch: {
        type: 'object',
        properties: {
          vendor: { type: 'string' },
          model: { type: ['string', 'null'] },
          profiles: { type: 'array', items: { type: 'string' } },
          set: { $ref: '#/components/schemas/Settings' },
          unset: { type: 'array', items: { type: 'string' } },
        },
      },
      Device: { type: 'object' },
      Profile: { type: 'object' },
      Event: { type: 'object' },
    },
  },
  paths: {
    '/devices': {
      get: {
        summary: 'list devices',
        parameters: [
          { name: 'vendor', in: 'query', schema: { type: 'string' } },
          { name: 'profile', in: 'query', schema: { type: 'string' } },
          { name: 'limit', in: 'query', schema: { type: 'integer' } },
          { name: 'offset', in: 'query', schema: { type: 'integer' } },
        ],
        responses: ok('devices', { type: 'array', items: { $ref: '#/components/schemas/Device' } }),
      },
      post: {
        summary: 'add one device, or many at once ({"devices": [...]}, all or nothing)',
        requestBody: json({
          oneOf: [
            { $ref: '#/components/schemas/DeviceInput' },
            {
              type: 'object',
              properties: {
                devices: { type: 'array', items: { $ref: '#/components/schemas/DeviceInput' } },
              },
            },
          ],
        }),
        responses: ok('added'),
      },
    },
    '/devices/import': {
      post: {
        summary:
          'import devices from CSV (text/csv body), all or nothing; every bad row is named by its line (details.rows, up to 100)',
        parameters: [
          {
            name: 'update',
            in: 'query',
            description:
              "true: change the devices that exist (the row's non-empty cells) instead of refusing the file",
            schema: { type: 'boolean' },
          },
          {
            name: 'check',
            in: 'query',
            description: 'true: check everything the import would, and store nothing',
            schema: { type: 'boolean' },
          },
          {
            name: 'file',
            in: 'query',
            description: 'the file name messages name the rows of',
            schema: { type: 'string' },
          },
        ],
        responses: ok('{added, updated, checked}'),
      },
    },
    '/devices/{mac}': {
      get: {
        summary: 'show a device',
        parameters: [macParam, secretsParam],
        responses: ok('device', { $ref: '#/components/schemas/Device' }),
      },
      patch: {
        summary: 'change a device',
        parameters: [macParam],
        requestBody: json({ $ref: '#/components/schemas/DevicePatch' }),
        responses: ok('device'),
      },
      delete: { summary: 'remove a device', parameters: [macParam], responses: ok('removed') },
    },
    '/devices/{mac}/files': {
      get: {
        summary: "the device's file names",
        parameters: [macParam],
        responses: ok('names', { type: 'array', items: { type: 'string' } }),
      },
    },
    '/devices/{mac}/files/{file}': {
      get: {
        summary: 'render one file as the phone receives it',
        parameters: [
          macParam,
          { name: 'file', in: 'path', required: true, schema: { type: 'string' } },
          { name: 'explain', in: 'query', schema: { type: 'boolean' } },
          secretsParam,
        ],
        responses: ok('rendered file'),
      },
    },
    '/profiles': {
      get: {
        summary: 'list profiles',
        responses: ok('profiles', {
          type: 'array',
          items: { $ref: '#/components/schemas/Profile' },
        }),
      },
      post: { summary: 'add a profile', responses: ok('added') },
    },
    '/profiles/{name}': {
      get: {
        summary: 'show a profile',
        parameters: [nameParam, secretsParam],
        responses: ok('profile'),
      },
      patch: { summary: 'change a profile', parameters: [nameParam], responses: ok('profile') },
      delete: {
        summary: 'remove a profile (refused while devices use it)',
        parameters: [nameParam],
        responses: ok('removed'),
      },
    },
    '/files': { get: { summary: 'list overlay files', responses: ok('files') } },
    '/files/{path}': {
      put: {
        summary: 'store an overlay file (raw body, streamed)',
        parameters: [{ name: 'path', in: 'path', required: true, schema: { type: 'string' } }],
        responses: ok('stored'),
      },
      delete: {
        summary: 'remove an overlay file',
        parameters: [{ name: 'path', in: 'path', required: true, schema: { type: 'string' } }],
        responses: ok('removed'),
      },
    },
    '/events': {
      get: {
        summary: 'provisioning events, newest first',
        parameters: [
          { name: 'mac', in: 'query', schema: { type: 'string' } },
          { name: 'since', in: 'query', schema: { type: 'string', format: 'date-time' } },
          { name: 'until', in: 'query', schema: { type: 'string', format: 'date-time' } },
          { name: 'limit', in: 'query', schema: { type: 'integer' } },
        ],
        responses: ok('events', { type: 'array', items: { $ref: '#/components/schemas/Event' } }),
      },
    },
    '/settings': { get: { summary: 'the canonical settings schema', responses: ok('schema') } },
    '/devices/{mac}/credentials': {
      get: {
        summary:
          'the provisioning credentials of a device (made on first need), its policy and first-contact state; the password masked unless secrets=true',
        parameters: [macParam, secretsParam],
        responses: ok('credentials'),
      },
    },
    '/devices/{mac}/credentials/rotate': {
      post: {
        summary:
          'new credentials; the old password is accepted for grace seconds (default provisioning.credential_grace); reopen starts a first-contact window again',
        parameters: [macParam, secretsParam],
        requestBody: {
          content: {
            'application/json': {
              schema: {
                type: 'object',
                properties: { grace: { type: 'integer' }, reopen: { type: 'boolean' } },
              },
            },
          },
        },
        responses: ok('credentials'),
      },
    },
    '/security-events': {
      get: {
        summary: 'blocked addresses, first contacts and credential rotations, newest first',
        parameters: [
          { name: 'mac', in: 'query', schema: { type: 'string' } },
          { name: 'since', in: 'query', schema: { type: 'string', format: 'date-time' } },
          { name: 'limit', in: 'query', schema: { type: 'integer' } },
        ],
        responses: ok('security events'),
      },
    },
    ...CATALOGUE_PATHS,
    '/devices/{mac}/resync': {
      post: {
        summary:
          'send the check-sync NOTIFY and wait for the phone (up to 32 s, twice after a challenge); with via tr069, the TR-069 connection request',
        parameters: [macParam],
        requestBody: json({
          type: 'object',
          properties: {
            reboot: { type: 'boolean' },
            via: { type: 'string', enum: ['sip', 'tr069'] },
          },
        }),
        responses: ok('the outcome, also kept as the device lastResync', {
          type: 'object',
          required: ['mac', 'at', 'status', 'ok', 'event', 'target'],
          properties: {
            mac: { type: 'string' },
            at: { type: 'string', format: 'date-time' },
            status: { type: 'integer', description: 'SIP status; 408 no answer, 503 not sent' },
            ok: { type: 'boolean' },
            reason: { type: 'string' },
            event: { type: 'string' },
            target: { type: 'string' },
            retransmissions: { type: 'integer' },
            durationMs: { type: 'number' },
          },
        }),
      },
    },
    '/devices/{mac}/cwmp': {
      get: {
        summary:
          'what the TR-069 ACS keeps about the device: connection request URL, acknowledged configuration and firmware, downloads in flight, TransferComplete outcomes',
        parameters: [macParam],
        responses: ok('the state (the connection request password is never shown)'),
      },
    },
    '/pending': {
      get: {
        summary: 'phones that asked by plug-and-play and are not devices',
        responses: ok('pending'),
      },
    },
    '/pending/{mac}': {
      delete: {
        summary: 'forget a pending phone',
        parameters: [macParam],
        responses: ok('removed'),
      },
    },
    '/pending/{mac}/claim': {
      post: {
        summary: 'add a pending phone as a device (vendor and model default to what it said)',
        parameters: [macParam],
        requestBody: json({
          type: 'object',
          properties: {
            vendor: { type: 'string' },
            model: { type: 'string' },
            profiles: { type: 'array', items: { type: 'string' } },
            settings: { $ref: '#/components/schemas/Settings' },
          },
        }),
        responses: ok('the device'),
      },
    },
  },
} as const;
