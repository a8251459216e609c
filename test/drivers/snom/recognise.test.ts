import assert from 'node:assert/strict';
import { test } from 'node:test';

import { snomDriver } from '../../../src/drivers/snom/index.ts';
import { MAC, recognised } from './helpers.ts';

// Snom wiki, Auto Provisioning ("What URL/s to fetch"): a D345 with MAC 000413A11FA7 given
// http://192.168.137.1 asks for snomD345.htm, then snomD345-000413A11FA7.htm.
test('the names of the wiki example, at the root and under a prefix, over HTTP and TFTP', () => {
  for (const prefix of ['', 'prov/snom/']) {
    for (const transport of ['http', 'tftp'] as const) {
      const model = recognised(`${prefix}snomD345.htm`, { transport });
      assert.deepEqual([model.file, model.kind, model.needsDevice], ['model-htm', 'boot', false]);
      assert.deepEqual(model.params, { model: 'D345' });
      assert.deepEqual(model.prefix, prefix ? ['prov', 'snom'] : []);
      const own = recognised(`${prefix}snomD345-000413A11FA7.htm`, { transport });
      assert.deepEqual([own.file, own.mac, own.needsDevice], ['mac-htm', MAC, true]);
    }
  }
  assert.equal(recognised('snomD345.xml').file, 'model-xml');
  assert.equal(recognised('000413A11FA7.xml').file, 'mac-xml');
  assert.equal(recognised('000413A11FA7-tbook.xml').file, 'tbook');
  assert.equal(recognised('000413A11FA7-firmware.xml').kind, 'manifest');
  // Any case: a server that only matched upper case would 404 a hand-typed URL.
  assert.equal(recognised('snomd345-000413a11fa7.htm').mac, MAC);
  assert.equal(recognised('SNOM320.HTM').params?.['model'], '320');
});

test('not Snom names: other vendors, the blank phone type, uploads', () => {
  for (const name of [
    'y000000000000.cfg',
    '000413A11FA7.cfg',
    '.htm-000413A11FA7',
    'snom-general.xml',
    'snomD345-12.htm',
  ]) {
    assert.equal(
      snomDriver.recognise({ segments: [name], query: '', transport: 'http' }),
      undefined,
      name,
    );
  }
  assert.equal(
    snomDriver.recognise({
      segments: ['000413A11FA7.xml'],
      query: '',
      transport: 'http',
      upload: true,
    }),
    undefined,
  );
});

test('User-Agent: model, firmware and the MAC where the firmware writes one', () => {
  assert.deepEqual(
    snomDriver.parseUserAgent(
      'Mozilla/4.0 (compatible; snomD785-SIP 10.1.33.33 2010.12-00004-g9ba52f5 000413922D24 SXM:0 UXM:0)',
    ),
    { vendor: 'snom', model: 'D785', firmware: '10.1.33.33', mac: '000413922d24' },
  );
  // With the build's date in parentheses before the MAC.
  assert.equal(
    snomDriver.parseUserAgent(
      'Mozilla/4.0 (compatible; snomD785-SIP 10.1.169.16 2010.12-00001-gd311851f1 (Feb 25 2019 - 14:19:43) 00041396D9B4 SXM:0 UXM:0 UXMC:0)',
    )?.mac,
    '00041396d9b4',
  );
  assert.deepEqual(
    snomDriver.parseUserAgent('Mozilla/4.0 (compatible; snom320-SIP 8.4.18 1.1.3-s)'),
    {
      vendor: 'snom',
      model: '320',
      firmware: '8.4.18',
    },
  );
  assert.equal(
    snomDriver.parseUserAgent('Yealink SIP-T46S 66.86.0.15 00:15:65:00:00:01'),
    undefined,
  );
  // The agent's MAC names the phone of a common file too; its model is the file's.
  const agent = recognised('snomD385.htm', {
    userAgent: 'Mozilla/4.0 (compatible; snomD785-SIP 10.1.33.33 2010.12 000413A11FA7 SXM:0)',
  });
  assert.equal(agent.mac, MAC);
  assert.deepEqual(agent.reported, { model: 'D385', firmware: '10.1.33.33' });
});
