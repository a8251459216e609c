import type { Readable } from 'node:stream';

import type { FastifyInstance, FastifyRequest } from 'fastify';

import { pndError } from '../errors.ts';
import { contactOwner, contactsFromCsv } from '../management/contacts.ts';
import { addFirmware, firmwareKey, type FirmwareInput } from '../management/firmware.ts';
import { ensureDefaultProfile } from '../management/profiles.ts';
import { validateContacts, type ContactOwner } from '../model/contact.ts';
import { DEFAULT_PROFILE } from '../model/device.ts';
import type { Store } from '../store/store.ts';

type Query = Record<string, string | undefined>;

/** The firmware catalogue and the contact lists: /firmware and /phonebooks. */
export async function catalogueRoutes(
  app: FastifyInstance,
  options: { store: Store },
): Promise<void> {
  const { store } = options;

  app.get('/firmware', async (request) => {
    const vendor = (request.query as Query)['vendor'];
    const images = await store.listFirmware();
    return vendor ? images.filter((image) => image.vendor === vendor) : images;
  });

  // The image is the raw body; what it is comes in the query, so the body can stream.
  app.post('/firmware', async (request, reply) => {
    const body = request.body as Readable | undefined;
    if (!body || typeof body.pipe !== 'function')
      throw pndError('PND_INVALID_ARGUMENT', 'send the image as application/octet-stream');
    const image = await addFirmware(store, request.query as FirmwareInput, body);
    reply.code(201);
    return image;
  });

  app.delete('/firmware', async (request) => {
    const key = firmwareKey(request.query as FirmwareInput);
    if (!(await store.removeFirmware(key)))
      throw pndError(
        'PND_FIRMWARE_NOT_FOUND',
        `the catalogue has no ${key.vendor} ${key.model} ${key.version}; see "plugndial firmware list"`,
      );
    return { removed: key };
  });

  app.get('/phonebooks', async () =>
    (await store.listContacts()).map((list) => ({
      owner: list.owner,
      contacts: list.contacts.length,
      updatedAt: list.updatedAt,
    })),
  );

  const ownerOf = (request: FastifyRequest): ContactOwner => {
    const params = request.params as Query;
    return contactOwner(params['name'], params['mac']);
  };
  const describe = (owner: ContactOwner): string =>
    'device' in owner ? `device ${owner.device}` : `profile "${owner.profile}"`;

  for (const path of ['/phonebooks/profiles/:name', '/phonebooks/devices/:mac']) {
    app.get(path, async (request) => {
      const owner = ownerOf(request);
      const list = await store.getContacts(owner);
      if (!list) throw pndError('PND_PHONEBOOK_NOT_FOUND', `${describe(owner)} has no phonebook`);
      return list;
    });

    // A JSON list ({"contacts": [...]}) or a CSV file (text/csv); it replaces the list whole.
    app.put(path, async (request) => {
      const owner = ownerOf(request);
      const body = request.body;
      const contacts =
        typeof body === 'string'
          ? contactsFromCsv(body)
          : validateContacts((body as { contacts?: unknown } | undefined)?.contacts);
      if (!contacts.ok) throw contacts.error;
      if ('profile' in owner && owner.profile === DEFAULT_PROFILE)
        await ensureDefaultProfile(store, new Date());
      return store.setContacts(owner, contacts.value);
    });

    app.delete(path, async (request) => {
      const owner = ownerOf(request);
      if (!(await store.removeContacts(owner)))
        throw pndError('PND_PHONEBOOK_NOT_FOUND', `${describe(owner)} has no phonebook`);
      return { removed: owner };
    });
  }
}

const error = { $ref: '#/components/schemas/Error' };
const responses = (description: string): object => ({
  200: { description, content: { 'application/json': { schema: { type: 'object' } } } },
  400: { description: 'invalid input', content: { 'application/json': { schema: error } } },
  404: { description: 'not found', content: { 'application/json': { schema: error } } },
});
const firmwareQuery = ['vendor', 'model', 'version'].map((name) => ({
  name,
  in: 'query',
  required: true,
  schema: { type: 'string' },
}));
const owner = (name: string): object => ({
  name,
  in: 'path',
  required: true,
  schema: { type: 'string' },
});
const phonebook = (param: string): object => ({
  get: {
    summary: 'the contact list',
    parameters: [owner(param)],
    responses: responses('contacts'),
  },
  put: {
    summary:
      'replace the contact list: {"contacts": [...]} or text/csv (name,office,mobile,other,group)',
    parameters: [owner(param)],
    responses: responses('stored'),
  },
  delete: {
    summary: 'remove the contact list',
    parameters: [owner(param)],
    responses: responses('removed'),
  },
});

/** The paths above, for the OpenAPI document. */
export const CATALOGUE_PATHS = {
  '/firmware': {
    get: {
      summary: 'the firmware catalogue',
      parameters: [{ name: 'vendor', in: 'query', schema: { type: 'string' } }],
      responses: responses('images'),
    },
    post: {
      summary:
        'add an image (raw application/octet-stream body, streamed); a declared size or sha256 the bytes do not match refuses it (422)',
      parameters: [
        ...firmwareQuery,
        { name: 'file', in: 'query', required: true, schema: { type: 'string' } },
        { name: 'size', in: 'query', schema: { type: 'integer' } },
        { name: 'sha256', in: 'query', schema: { type: 'string' } },
      ],
      responses: responses('stored'),
    },
    delete: {
      summary: 'remove an image',
      parameters: firmwareQuery,
      responses: responses('removed'),
    },
  },
  '/phonebooks': {
    get: { summary: 'every contact list, by owner', responses: responses('lists') },
  },
  '/phonebooks/profiles/{name}': phonebook('name'),
  '/phonebooks/devices/{mac}': phonebook('mac'),
};
