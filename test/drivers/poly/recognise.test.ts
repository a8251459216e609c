import assert from 'node:assert/strict';
import { test } from 'node:test';

import { polyDriver } from '../../../src/drivers/poly/index.ts';
import { MAC, recognised } from './helpers.ts';

test('every file the phone asks for, any case, at the root and under a prefix', () => {
  const cases: [string, string, string, boolean][] = [
    [`${MAC}.cfg`, 'master', 'boot', true],
    ['000000000000.cfg', 'common-master', 'boot', false],
    [`${MAC}-settings.cfg`, 'settings', 'config', true],
    ['000000000000-settings.cfg', 'common-settings', 'config', false],
    [`${MAC}-directory.xml`, 'directory', 'phonebook', true],
    ['000000000000-directory.xml', 'common-directory', 'phonebook', false],
    [`${MAC}-phone.cfg`, 'override', 'config', true],
    [`${MAC}-web.cfg`, 'override', 'config', true],
    [`${MAC}-app.log`, 'upload', 'resource', true],
    ['sip.ld', 'firmware', 'firmware', false],
    ['3111-44500-001.sip.ld', 'firmware', 'firmware', false],
  ];
  for (const prefix of ['', 'prov/poly/']) {
    for (const [name, file, kind, needsDevice] of cases) {
      const r = recognised(`${prefix}${name}`);
      assert.deepEqual([r.file, r.kind, r.needsDevice], [file, kind, needsDevice], name);
      if (needsDevice) assert.equal(r.mac, MAC, name);
    }
  }
  // "For A-F hexadecimal digits, use upper or lower case" (SIP 3.1 guide).
  assert.equal(recognised('0004F200106C.CFG').mac, MAC);
  // The reserved name outscores any MAC-shaped claim of another driver.
  assert.ok(recognised('000000000000.cfg').score > 100);
  // The licence files are the operator's: stored files, not rendered.
  assert.equal(
    polyDriver.recognise({ segments: [`${MAC}-license.cfg`], query: '', transport: 'http' }),
    undefined,
  );
});

test('uploads are claimed only for what the phone writes, under the name it is kept by', () => {
  for (const name of [
    `${MAC}-phone.cfg`,
    `${MAC}-web.cfg`,
    `${MAC}-directory.xml`,
    `${MAC}-calls.xml`,
    `${MAC}-app.log`,
    `${MAC}-boot.log`,
    `${MAC}-appFlash.log`,
  ]) {
    const r = recognised(
      `x/${name.toUpperCase().replace('.LOG', '.log').replace('APPFLASH', 'appFlash')}`,
      { upload: true },
    );
    assert.equal(r.writable, name, name);
  }
  for (const name of [
    `${MAC}.cfg`,
    `${MAC}-settings.cfg`,
    '000000000000-directory.xml',
    'sip.ld',
    '000000000000-app.log',
  ]) {
    assert.equal(
      polyDriver.recognise({ segments: [name], query: '', transport: 'http', upload: true }),
      undefined,
      name,
    );
  }
});

test('User-Agent: VVX, Trio and Edge E; the version only from the application; the MAC from its SN tag', () => {
  assert.deepEqual(
    polyDriver.parseUserAgent('FileTransport PolycomVVX-VVX_400-UA/4.1.4.7430 Type/Application'),
    {
      vendor: 'poly',
      model: 'VVX400',
      firmware: '4.1.4.7430',
    },
  );
  assert.deepEqual(
    polyDriver.parseUserAgent(
      'FileTransport PolycomSoundStationIP-SSIP_6000-UA/5.0.3.1667 Type/Updater',
    ),
    {
      vendor: 'poly',
      model: 'SSIP6000',
    },
  );
  assert.equal(
    polyDriver.parseUserAgent('FileTransport PolyEdge-Edge_E450-UA/8.0.0.15602 Type/Application')
      ?.model,
    'EdgeE450',
  );
  assert.equal(
    polyDriver.parseUserAgent(
      'FileTransport PolyCCX-CCX_600-UA/8.0.2.3267 (SN:482567b5313f) Type/Application',
    )?.mac,
    '482567b5313f',
  );
  assert.equal(
    polyDriver.parseUserAgent('Mozilla/4.0 (compatible; snomD785-SIP 10.1.33.33)'),
    undefined,
  );
  assert.equal(
    polyDriver.phone.userAgent({
      mac: MAC,
      vendor: 'poly',
      model: 'Trio8800',
      firmware: '7.2.0.1',
    }),
    'FileTransport PolycomRealPresenceTrio-Trio_8800-UA/7.2.0.1 Type/Application',
  );
});
