import assert from 'node:assert/strict';
import { test } from 'node:test';

import { fanvilDriver } from '../../../src/drivers/fanvil/index.ts';
import { GENERAL_FILES } from '../../../src/drivers/fanvil/models.ts';
import { MAC } from './helpers.ts';

function claim(name: string, query = '', userAgent?: string) {
  return fanvilDriver.recognise({
    segments: ['prov', name],
    query,
    transport: 'http',
    ...(userAgent ? { userAgent } : {}),
  });
}

test('every general file of seed 004 tables is claimed, without regard to case, with its model', () => {
  assert.equal(GENERAL_FILES.length, 29);
  for (const { model, name } of GENERAL_FILES) {
    for (const asked of [name, name.toUpperCase(), name.toLowerCase()]) {
      const recognition = claim(asked);
      assert.equal(recognition?.file, 'general', asked);
      assert.equal(recognition?.params?.['model'], model, asked);
      assert.equal(recognition?.needsDevice, false);
      assert.equal(recognition?.score, 100);
      assert.deepEqual(recognition?.prefix, ['prov']);
    }
  }
  // The name in seed 004's TFTP capture, and a model after the tables.
  assert.equal(claim('f0C00620000.cfg')?.params?.['model'], 'C62');
  assert.equal(claim('f0X5hw1.100.cfg')?.params?.['model'], 'X5');
});

test('the MAC file in any of the three forms, and the agent facts', () => {
  const recognition = claim(`${MAC.toUpperCase()}.cfg`, '', 'Fanvil X4 2.10.2.6887 0c383e07e16c');
  assert.deepEqual(recognition, {
    file: 'mac',
    kind: 'config',
    score: 100,
    prefix: ['prov'],
    needsDevice: true,
    mac: MAC,
    reported: { model: 'X4', firmware: '2.10.2.6887' },
    params: { extension: 'cfg' },
  });
  assert.equal(claim(`${MAC}.xml`)?.params?.['extension'], 'xml');
  assert.equal(claim(`${MAC}.txt`)?.file, 'mac');
});

test('user-named files and $input IDs, in the path or in the query', () => {
  const named = claim('ll.xml');
  assert.equal(named?.file, 'named');
  assert.equal(named?.configName, 'll');
  assert.equal(named?.needsDevice, false);
  assert.ok(named!.score < 100, 'any exact claim of another driver wins');
  assert.equal(claim('input.cfg', 'input=Office1.cfg')?.configName, 'office1');
  assert.equal(claim('mac.cfg', `mac=${MAC}.cfg`)?.file, 'mac');
  assert.equal(claim('input.cfg', 'input=../x.cfg')?.configName, 'input');
  assert.equal(claim('firmware.z'), undefined);
  assert.equal(claim('noextension'), undefined);
});

test('phonebooks: per device, per named owner, the general one', () => {
  const own = claim(`${MAC}-contacts.vcf`);
  assert.equal(own?.file, 'phonebook');
  assert.equal(own?.mac, MAC);
  assert.equal(own?.needsDevice, true);
  assert.equal(own?.params?.['form'], 'vcf');
  assert.equal(claim('office-contacts.xml')?.configName, 'office');
  const common = claim('fanvil-contacts.csv');
  assert.equal(common?.configName, undefined);
  assert.equal(common?.needsDevice, false);
});

test('the User-Agent of seed 004 and VENDORS.md', () => {
  assert.deepEqual(fanvilDriver.parseUserAgent('Fanvil X4 2.10.2.6887 0c383e07e16c'), {
    vendor: 'fanvil',
    model: 'X4',
    firmware: '2.10.2.6887',
    mac: MAC,
  });
  assert.deepEqual(fanvilDriver.parseUserAgent('Fanvil X6'), { vendor: 'fanvil', model: 'X6' });
  assert.equal(
    fanvilDriver.parseUserAgent('Yealink SIP-T46G 28.72.0.1 00:15:65:4a:a9:37'),
    undefined,
  );
  const identity = { mac: MAC, vendor: 'fanvil', model: 'X6', firmware: '2.4.1' };
  assert.deepEqual(fanvilDriver.parseUserAgent(fanvilDriver.phone.userAgent(identity)), {
    vendor: 'fanvil',
    model: 'X6',
    firmware: '2.4.1',
    mac: MAC,
  });
});
