import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import type { ProvisioningRequest } from '../../src/provisioning/request.ts';
import { harnessWith, type Catalogue } from './support.ts';

// currentversion.txt carries no MAC: a device's own firmware.version counts when its agent or
// the app request it made from the same address just before names it.
const CLASS = 'leadtek/LR8051S';
const OWN = '00908f0a1b2c';
const OTHER = '00908f0a1b2d';
const MANIFEST = `firmware/${CLASS}/currentversion.txt`;
const agent = (mac: string): string => `Plug-n-Dial ${CLASS} AR14 ${mac}`;

let h: Catalogue;
before(async () => {
  const device = (mac: string, settings: Record<string, unknown> = {}) => ({
    mac,
    vendor: 'oem',
    model: CLASS,
    settings: { 'accounts.1.registrar': 'proxy01.sipphone.com', ...settings },
  });
  h = await harnessWith([device(OWN, { 'firmware.version': 'AR16' }), device(OTHER)]);
  assert.equal(
    (await h.api('PATCH', '/profiles/default', { settings: { 'firmware.version': 'AR15' } }))
      .status,
    200,
  );
  for (const version of ['AR15', 'AR16']) {
    const image = Buffer.alloc(4000, version);
    const query = { vendor: 'oem', model: CLASS, version, file: `SIP_${version}.rom` };
    assert.equal((await h.upload(query, image)).status, 201);
  }
});
after(async () => h?.close());

/** A TFTP request as the door hands it to the pipeline: no agent, the query in the name. */
async function tftp(path: string, address: string): Promise<{ status: number; body: string }> {
  const request: ProvisioningRequest = {
    transport: 'tftp',
    rawPath: path,
    remoteAddress: address,
    origin: 'tftp://127.0.0.1',
  };
  const answer = await h.runtime.pipeline.answer(request);
  answer.done({ status: answer.status, bytes: answer.size });
  return { status: answer.status, body: answer.body?.toString('utf8') ?? '' };
}

test('HTTP: without a MAC, the model target of the profiles; with the agent MAC, the device own', async () => {
  assert.equal((await h.phone(`/${MANIFEST}`)).body.toString(), 'Image_file="SIP_AR15.rom"\n');
  assert.equal(
    (await h.phone(`/${MANIFEST}`, agent(OWN))).body.toString(),
    'Image_file="SIP_AR16.rom"\n',
  );
  // The image the device was told of is served to it, and only to it.
  assert.equal((await h.phone(`/firmware/${CLASS}/SIP_AR16.rom`, agent(OWN))).status, 200);
  assert.equal((await h.phone(`/firmware/${CLASS}/SIP_AR16.rom`, agent(OTHER))).status, 404);
  assert.equal(
    (await h.phone(`/${MANIFEST}`, agent(OTHER))).body.toString(),
    'Image_file="SIP_AR15.rom"\n',
  );
});

test('TFTP: the app request made from the same address just before ties currentversion.txt to the device', async () => {
  const app = await tftp(`${CLASS}/app?class=${CLASS};mac_address=${OWN}`, '10.0.0.7');
  assert.equal(app.status, 200);
  assert.equal((await tftp(MANIFEST, '10.0.0.7')).body, 'Image_file="SIP_AR16.rom"\n');
  assert.equal((await tftp(`firmware/${CLASS}/SIP_AR16.rom`, '10.0.0.7')).status, 200);
  // Another address made no app request: the model's target.
  assert.equal((await tftp(MANIFEST, '10.0.0.8')).body, 'Image_file="SIP_AR15.rom"\n');
  assert.equal((await tftp(`firmware/${CLASS}/SIP_AR16.rom`, '10.0.0.8')).status, 404);
  // Two devices behind one address: neither can be told apart, so the model's target.
  await tftp(`${CLASS}/app?class=${CLASS};mac_address=${OTHER}`, '10.0.0.9');
  await tftp(`${CLASS}/app?class=${CLASS};mac_address=${OWN}`, '10.0.0.9');
  assert.equal((await tftp(MANIFEST, '10.0.0.9')).body, 'Image_file="SIP_AR15.rom"\n');
});
