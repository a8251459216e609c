// The steps every phone script reports, which `plugndial simulate` prints and writes as JSON.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { answerStep, missStep, noteStep } from '../../src/drivers/phone-kit.ts';
import { drivers } from '../../src/drivers/registry.ts';
import type { Mac } from '../../src/model/mac.ts';

const BASE = 'ftp://phone:hunter2@10.0.0.1/prov/';

test('a step masks the password of a URL fetched as a string, as of one fetched as a URL', () => {
  const answer = { url: `${BASE}a.xml`, status: 404, body: Buffer.alloc(0) };
  assert.equal(missStep(answer).url, 'ftp://****@10.0.0.1/prov/a.xml');
  assert.equal(
    answerStep({ ...answer, url: new URL(answer.url) }, false).url,
    missStep(answer).url,
  );
  assert.equal(noteStep(`${BASE}x y`, 'not a URL').url, 'ftp://****@10.0.0.1/prov/x y');
});

test('no phone script shows the password of the base URL it was given', async () => {
  // Found by the phone-script fuzz target: two scripts fetch strings and showed them as given.
  for (const driver of drivers) {
    const fetch = async (): Promise<{ status: number; body: Buffer }> => ({
      status: 404,
      body: Buffer.alloc(0),
    });
    const identity = { mac: '0021f2000001' as Mac, vendor: driver.defaultVendor };
    const run = await driver.phone.run(identity, BASE, fetch);
    assert.ok(run.steps.length > 0, driver.name);
    assert.doesNotMatch(JSON.stringify(run.steps), /hunter2/, driver.name);
  }
});
