import type { Readable } from 'node:stream';

import type { FastifyInstance, FastifyRequest } from 'fastify';

import { pndError } from '../errors.ts';
import { contactOwner, contactsFromCsv } from '../management/contacts.ts';
import { addFirmware, firmwareKey, type FirmwareInput } from '../management/firmware.ts';
import { ensureDefaultProfile } from '../management/profiles.ts';
import { validateContacts, type ContactOwner } from '../model/contact.ts';
import { DEFAULT_PROFILE } from '../model/device.ts';
import type { Warn } from '../management/check-scope.ts';
import type { Store } from '../store/store.ts';
import {
  closed,
  flag,
  list,
  MAC_PARAMS,
  NAME_PARAMS,
  replies,
  text,
  WARNINGS,
  withWarnings,
} from './schemas.ts';

type Query = Record<string, string | undefined>;

/** The firmware catalogue and the contact lists: /firmware and /phonebooks. */
export async function catalogueRoutes(
  app: FastifyInstance,
  options: { store: Store; warn: Warn },
): Promise<void> {
  const { store } = options;

  const firmwareKeyQuery = {
    vendor: text('the vendor as devices name it'),
    model: text('the model as the phone reports it, e.g. X4 or leadtek/LR8051S'),
    version: text('e.g. 2.12.0.1'),
  };
  const IMAGE = {
    type: 'object',
    properties: {
      vendor: text(),
      model: text(),
      version: text(),
      fileName: text(),
      size: { type: 'integer' },
      sha256: text(),
      contentType: text(),
      createdAt: text(),
    },
    additionalProperties: true,
  };

  app.get(
    '/firmware',
    {
      schema: {
        summary: 'the firmware catalogue',
        querystring: closed({ vendor: text() }),
        response: replies(200, list(IMAGE)),
      },
    },
    async (request) => {
      const vendor = (request.query as Query)['vendor'];
      const images = await store.listFirmware();
      return vendor ? images.filter((image) => image.vendor === vendor) : images;
    },
  );

  // The image is the raw body; what it is comes in the query, so the body can stream.
  app.post(
    '/firmware',
    {
      schema: {
        summary:
          'add an image (raw body, streamed); a declared size or sha256 the bytes do not match refuses it (422)',
        querystring: closed(
          {
            ...firmwareKeyQuery,
            file: text('the image name phones will see, e.g. x4.z'),
            size: text('the size in bytes the client computed'),
            sha256: text('the SHA-256 (hex) the client computed'),
          },
          ['vendor', 'model', 'version', 'file'],
        ),
        body: {
          content: { 'application/octet-stream': { schema: { description: 'the image' } } },
        },
        response: replies(201, withWarnings(IMAGE), 409, 422),
      },
    },
    async (request, reply) => {
      const body = request.body as Readable | undefined;
      if (!body || typeof body.pipe !== 'function')
        throw pndError('PND_INVALID_ARGUMENT', 'send the image as application/octet-stream');
      const image = await addFirmware(store, request.query as FirmwareInput, body);
      reply.code(201);
      const scope = { vendor: image.vendor, model: image.model };
      return { ...image, warnings: await options.warn(scope) };
    },
  );

  app.delete(
    '/firmware',
    {
      schema: {
        summary: 'remove an image',
        querystring: closed(firmwareKeyQuery, ['vendor', 'model', 'version']),
        response: replies(
          200,
          closed({
            removed: closed(firmwareKeyQuery, ['vendor', 'model', 'version']),
            warnings: WARNINGS,
          }),
          404,
        ),
      },
    },
    async (request) => {
      const key = firmwareKey(request.query as FirmwareInput);
      if (!(await store.removeFirmware(key)))
        throw pndError(
          'PND_FIRMWARE_NOT_FOUND',
          `the catalogue has no ${key.vendor} ${key.model} ${key.version}; see "plugndial firmware list"`,
        );
      return {
        removed: key,
        warnings: await options.warn({ vendor: key.vendor, model: key.model }),
      };
    },
  );

  app.get(
    '/phonebooks',
    {
      schema: {
        summary: 'every contact list, by owner',
        response: replies(
          200,
          list(closed({ owner: OWNER, contacts: { type: 'integer' }, updatedAt: text() })),
        ),
      },
    },
    async () =>
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

  for (const [path, params] of [
    ['/phonebooks/profiles/:name', NAME_PARAMS],
    ['/phonebooks/devices/:mac', MAC_PARAMS],
  ] as const) {
    app.get(
      path,
      {
        schema: { summary: 'the contact list', params, response: replies(200, CONTACT_LIST, 404) },
      },
      async (request) => {
        const owner = ownerOf(request);
        const list = await store.getContacts(owner);
        if (!list) throw pndError('PND_PHONEBOOK_NOT_FOUND', `${describe(owner)} has no phonebook`);
        return list;
      },
    );

    // A JSON list ({"contacts": [...]}) or a CSV file (text/csv); it replaces the list whole.
    app.put(
      path,
      {
        schema: {
          summary:
            'replace the contact list whole; check=true answers the parsed contacts and stores nothing (a preview)',
          params,
          querystring: closed({ check: flag('parse and check the list, store nothing') }),
          body: {
            content: {
              'application/json': { schema: closed({ contacts: list(CONTACT) }, ['contacts']) },
              'text/csv': { schema: text('columns name,office,mobile,other,group') },
            },
          },
          response: replies(200, CHECKED_LIST, 404),
        },
      },
      async (request) => {
        const owner = ownerOf(request);
        const body = request.body;
        const check = (request.query as { check?: boolean }).check === true;
        const contacts =
          typeof body === 'string'
            ? contactsFromCsv(body)
            : validateContacts((body as { contacts?: unknown } | undefined)?.contacts);
        if (!contacts.ok) throw contacts.error;
        if (check) return { owner, contacts: contacts.value, checked: true };
        if ('profile' in owner && owner.profile === DEFAULT_PROFILE)
          await ensureDefaultProfile(store, new Date());
        return store.setContacts(owner, contacts.value);
      },
    );

    app.delete(
      path,
      {
        schema: {
          summary: 'remove the contact list',
          params,
          response: replies(200, closed({ removed: OWNER }), 404),
        },
      },
      async (request) => {
        const owner = ownerOf(request);
        if (!(await store.removeContacts(owner)))
          throw pndError('PND_PHONEBOOK_NOT_FOUND', `${describe(owner)} has no phonebook`);
        return { removed: owner };
      },
    );
  }
}

const NUMBER = { type: ['string', 'number'] };
const CONTACT = closed(
  { name: text(), office: NUMBER, mobile: NUMBER, other: NUMBER, group: text() },
  ['name'],
);
const OWNER = {
  type: 'object',
  description: '{"profile": name} or {"device": mac}',
  properties: { profile: text(), device: text() },
  additionalProperties: false,
};
const CONTACT_LIST = closed({ owner: OWNER, contacts: list(CONTACT), updatedAt: text() });
/** A list as stored, or, checked only, as it would be (no updatedAt then). */
const CHECKED_LIST = closed({
  owner: OWNER,
  contacts: list(CONTACT),
  updatedAt: text(),
  checked: { type: 'boolean', description: 'true: nothing was stored' },
});
