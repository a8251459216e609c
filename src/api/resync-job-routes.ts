import type { FastifyInstance } from 'fastify';

import { pndError } from '../errors.ts';
import { ResyncJobs, type ResyncRequest } from '../management/resync-jobs.ts';
import { parseMac } from '../model/mac.ts';
import type { ResyncOutcome } from '../model/resync.ts';
import type { Store } from '../store/store.ts';
import { ANY_OBJECT, closed, flag, list, replies, text } from './schemas.ts';

export interface ResyncJobRoutesOptions {
  store: Store;
  now: () => Date;
  resync: (mac: string, request: ResyncRequest) => Promise<ResyncOutcome>;
}

/** At most this many phones a second, as `plugndial resync --rate`. */
const MAX_RATE = 1000;
const MAX_MACS = 100_000;

const JOB = closed({
  id: text(),
  startedAt: text(),
  finishedAt: { type: ['string', 'null'] },
  cancelled: { type: 'boolean' },
  rate: { type: 'number', description: 'phones a second' },
  reboot: { type: 'boolean' },
  via: text(),
  total: { type: 'integer' },
  done: { type: 'integer', description: 'phones told so far' },
  answered: { type: 'integer', description: 'accepted the resync' },
  failed: { type: 'integer', description: 'answered otherwise, or never (408)' },
  unreachable: {
    type: 'integer',
    description: 'could not be told (no address, no driver support)',
  },
});

const ID_PARAMS = closed({ id: text('a job id, as POST /resyncs answered it') }, ['id']);

/**
 * Resyncs of many phones, sent by the server at a rate: `POST /resyncs` starts one and
 * answers at once, `GET /resyncs/{id}` shows how far it got. Jobs live in this process.
 */
export async function resyncJobRoutes(
  app: FastifyInstance,
  options: ResyncJobRoutesOptions,
): Promise<void> {
  const { store } = options;
  const jobs = new ResyncJobs({ resync: options.resync, now: options.now });
  app.addHook('preClose', async () => jobs.close());

  app.post(
    '/resyncs',
    {
      schema: {
        summary:
          'resync many phones as a job of the server: the MACs given, a profile’s devices, or all, at most rate a second; answers at once with the job',
        body: closed({
          macs: { type: 'array', items: text(), maxItems: MAX_MACS },
          profile: text('the devices that list this profile'),
          all: flag('every device'),
          rate: {
            type: 'number',
            exclusiveMinimum: 0,
            maximum: MAX_RATE,
            description: 'phones a second (default 5)',
          },
          reboot: flag('ask the phones to restart after provisioning'),
          via: { type: 'string', enum: ['sip', 'tr069'], description: 'default sip' },
        }),
        response: replies(202, JOB, 404),
      },
    },
    async (request, reply) => {
      const body = request.body as {
        macs?: string[];
        profile?: string;
        all?: boolean;
        rate?: number;
        reboot?: boolean;
        via?: 'sip' | 'tr069';
      };
      const selectors = [body.macs !== undefined, body.profile !== undefined, body.all === true];
      if (selectors.filter(Boolean).length !== 1)
        throw pndError('PND_INVALID_ARGUMENT', 'name the phones one way: macs, profile or all');
      let macs: string[];
      if (body.macs) {
        macs = body.macs.map((text) => {
          const parsed = parseMac(text);
          if (!parsed.ok) throw parsed.error;
          return parsed.value;
        });
        macs = [...new Set(macs)];
      } else {
        if (body.profile !== undefined && !(await store.getProfile(body.profile)))
          throw pndError('PND_PROFILE_NOT_FOUND', `no profile "${body.profile.slice(0, 64)}"`);
        const devices = await store.listDevices(
          body.profile !== undefined ? { profile: body.profile } : {},
        );
        macs = devices.map((d) => d.mac);
      }
      reply.code(202);
      return jobs.start(macs, {
        rate: body.rate ?? 5,
        reboot: body.reboot === true,
        via: body.via ?? 'sip',
      });
    },
  );

  app.get(
    '/resyncs',
    {
      schema: {
        summary: 'the resync jobs of this server, newest first',
        response: replies(200, list(JOB)),
      },
    },
    async () => jobs.list(),
  );

  app.get(
    '/resyncs/:id',
    {
      schema: {
        summary:
          'how far a resync job got, and the phones that did not accept it (the first 1,000)',
        params: ID_PARAMS,
        response: replies(
          200,
          { ...JOB, properties: { ...(JOB['properties'] as object), failures: list(ANY_OBJECT) } },
          404,
        ),
      },
    },
    async (request) => {
      const id = (request.params as { id: string }).id;
      const job = jobs.get(id);
      if (!job)
        throw pndError(
          'PND_RESYNC_JOB_NOT_FOUND',
          `no resync job ${id.slice(0, 40)}; see GET /resyncs`,
        );
      return { ...job.state, failures: job.failures };
    },
  );

  app.delete(
    '/resyncs/:id',
    {
      schema: {
        summary: 'stop a resync job: no more phones are told; those told are still waited for',
        params: ID_PARAMS,
        response: replies(200, JOB, 404),
      },
    },
    async (request) => {
      const id = (request.params as { id: string }).id;
      const job = jobs.cancel(id);
      if (!job)
        throw pndError(
          'PND_RESYNC_JOB_NOT_FOUND',
          `no resync job ${id.slice(0, 40)}; see GET /resyncs`,
        );
      return job;
    },
  );
}
