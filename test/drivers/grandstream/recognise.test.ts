import assert from 'node:assert/strict';
import { test } from 'node:test';

import { grandstreamDriver } from '../../../src/drivers/grandstream/index.ts';
import { MAC, recognised } from './helpers.ts';

function claim(path: string, userAgent?: string) {
  return grandstreamDriver.recognise({
    segments: path.split('/').filter(Boolean),
    query: '',
    transport: 'tftp',
    ...(userAgent ? { userAgent } : {}),
  });
}

test('every file of the provisioning flow, at the root and under any prefix, in any case', () => {
  for (const prefix of ['', 'prov/', 'a/b/Grandstream/']) {
    assert.equal(claim(`${prefix}cfg${MAC}`)?.file, 'mac-binary');
    assert.equal(claim(`${prefix}cfg${MAC}.bin`)?.file, 'mac-binary');
    assert.equal(claim(`${prefix}cfg${MAC}.xml`)?.file, 'mac-xml');
    assert.equal(claim(`${prefix}CFG${MAC.toUpperCase()}.XML`)?.mac, MAC);
    assert.equal(claim(`${prefix}cfg.xml`)?.file, 'common-xml');
    assert.deepEqual(claim(`${prefix}cfggxp2130.xml`)?.params, { model: 'GXP2130' });
    assert.deepEqual(claim(`${prefix}cfggrp2612w.xml`)?.params, { model: 'GRP2612W' });
    assert.deepEqual(claim(`${prefix}cfgdp750.xml`)?.reported, { model: 'DP750' });
    assert.deepEqual(claim(`${prefix}x`), undefined);
  }
  const own = recognised(`gs/cfg${MAC}.xml`);
  assert.deepEqual([own.prefix, own.needsDevice, own.score], [['gs'], true, 100]);
  assert.equal(recognised('cfg.xml').needsDevice, false);
});

test('phonebooks: a device directory of its own, or the shared one', () => {
  const own = recognised(`gs/phonebook/${MAC}/phonebook.xml`);
  assert.deepEqual([own.file, own.mac, own.prefix], ['mac-phonebook', MAC, ['gs', 'phonebook']]);
  assert.equal(recognised('gs/phonebook.xml').file, 'common-phonebook');
  assert.equal(recognised('gs/phonebook.xml').needsDevice, false);
});

test('firmware images by the series name the phone asks for', () => {
  const image = recognised('fw/gxp2130fw.bin', {
    userAgent: `Grandstream Model HW GXP2130 SW 1.0.9.135 DevId ${MAC}`,
  });
  assert.deepEqual(
    [image.kind, image.params, image.mac, image.reported],
    ['firmware', { file: 'gxp2130fw.bin' }, MAC, { model: 'GXP2130', firmware: '1.0.9.135' }],
  );
  assert.equal(claim('fw/gxp2130.bin'), undefined);
});

test('the User-Agent: model, firmware and MAC, in the modern and the old form', () => {
  assert.deepEqual(
    grandstreamDriver.parseUserAgent(
      'Grandstream Model HW GXP1628 SW 1.0.4.138 DevId c074ad2bd859',
    ),
    {
      vendor: 'grandstream',
      model: 'GXP1628',
      firmware: '1.0.4.138',
      mac: 'c074ad2bd859',
    },
  );
  assert.deepEqual(
    grandstreamDriver.parseUserAgent(
      'Grandstream Model HW GXV3350  V1.3A SW 1.0.1.8 DevId c074ad150b88',
    ),
    { vendor: 'grandstream', model: 'GXV3350', firmware: '1.0.1.8', mac: 'c074ad150b88' },
  );
  assert.deepEqual(
    grandstreamDriver.parseUserAgent(
      'Grandstream GXP2000 (gxp2000e.bin:1.2.5.3/boot55e.bin:1.1.6.9) DevId 000b822726c8',
    ),
    { vendor: 'grandstream', model: 'GXP2000', firmware: '1.2.5.3', mac: '000b822726c8' },
  );
  assert.equal(grandstreamDriver.parseUserAgent('Yealink SIP-T46S 66.86.0.15'), undefined);
});
