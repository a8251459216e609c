import assert from 'node:assert/strict';
import { test } from 'node:test';

import { auerswaldDriver } from '../../src/drivers/auerswald/index.ts';
import type { Driver, Recognition, RenderContext } from '../../src/drivers/driver.ts';
import { gigasetDriver } from '../../src/drivers/gigaset/index.ts';
import { oemDriver } from '../../src/drivers/oem/index.ts';
import type { Settings } from '../../src/model/settings.ts';
import * as auerswald from './auerswald/helpers.ts';
import * as gigaset from './gigaset/helpers.ts';
import * as oem from './oem/helpers.ts';

// The formats whose public documents carry no time zone parameter (see each driver's README):
// the zone is reported as not expressed, and the files are exactly those without it.
const ZONES = [
  'Europe/Berlin',
  'America/New_York',
  'Australia/Sydney',
  'Asia/Kolkata',
  'Asia/Kathmandu',
  'UTC',
];

const ACCOUNT: Settings = {
  'accounts.1.user': '1001',
  'accounts.1.password': 's3cret',
  'accounts.1.registrar': 'pbx.example.com',
};

const CASES: {
  driver: Driver;
  recognition: () => Recognition;
  context: (settings: Settings) => RenderContext;
}[] = [
  {
    driver: gigasetDriver,
    recognition: () => gigaset.recognised(`gigaset/${gigaset.MAC}/nvm/settings.xml`),
    context: (settings) => gigaset.context(settings),
  },
  {
    driver: auerswaldDriver,
    recognition: () => auerswald.recognised('auerswald/00095200000E/settings.xml'),
    context: (settings) => auerswald.context(settings),
  },
  {
    driver: oemDriver,
    recognition: () => oem.appRequest()!,
    context: (settings) => oem.context(settings),
  },
];

for (const { driver, recognition, context } of CASES) {
  test(`${driver.name}: time.timezone is not expressed, for every zone`, () => {
    const plain = driver.render(recognition(), context(ACCOUNT))?.body.toString('utf8');
    assert.ok(plain);
    for (const zone of ZONES) {
      const settings = { ...ACCOUNT, 'time.timezone': zone };
      assert.equal(driver.render(recognition(), context(settings))?.body.toString('utf8'), plain);
      assert.ok(
        driver.explain(recognition(), context(settings))?.ignored.includes('time.timezone'),
      );
    }
  });
}
