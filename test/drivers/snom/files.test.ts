import assert from 'node:assert/strict';
import { test } from 'node:test';

import { snomDriver } from '../../../src/drivers/snom/index.ts';
import type { Mac } from '../../../src/model/mac.ts';

const MAC = '000413a11fa7' as Mac;

test("a device's file list names its own model's MAC file, the one its phone asks for", () => {
  assert.deepEqual(snomDriver.files(MAC, 'D345').slice(0, 2), [
    'snomD345-000413A11FA7.htm',
    '000413A11FA7.xml',
  ]);
  // No model, or one no file name can carry: the driver's default model.
  assert.match(snomDriver.files(MAC)[0]!, /^snomD\d+-000413A11FA7\.htm$/);
  assert.equal(snomDriver.files(MAC, 'D3/45')[0], snomDriver.files(MAC)[0]);
});
