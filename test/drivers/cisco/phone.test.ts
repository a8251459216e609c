import assert from 'node:assert/strict';
import { test } from 'node:test';

import { ciscoDriver } from '../../../src/drivers/cisco/index.ts';
import type { PhoneIdentity } from '../../../src/drivers/driver.ts';
import { ACCOUNT, MAC, SPA_MAC, server } from './helpers.ts';

const TFTP = 'tftp://10.0.0.5/';
const mpp: PhoneIdentity = { mac: MAC, vendor: 'cisco', model: 'CP-8841-3PCC' };
const spa: PhoneIdentity = { mac: SPA_MAC, vendor: 'cisco-spa', model: 'SPA504G' };

test('MPP: factory /$PSN.xml, then the $MA.xml the bootstrap named, in the same resync; then that alone', async () => {
  const s = server(TFTP, ACCOUNT);
  const first = await ciscoDriver.phone.run(mpp, TFTP, s.fetch);
  assert.equal(first.ok, true, JSON.stringify(first.steps));
  assert.deepEqual(s.asked, [`${TFTP}8841-3PCC.xml`, `${TFTP}${MAC}.xml`]);
  assert.equal(first.settings['User_ID_1_'], '301');
  // The next resync follows the rule the profile set: the profile alone, unchanged.
  const second = await ciscoDriver.phone.run(mpp, TFTP, s.fetch, first.memory);
  assert.equal(second.ok, true);
  assert.deepEqual(s.asked.slice(2), [`${TFTP}${MAC}.xml`]);
  assert.deepEqual(
    second.steps.map((step) => step.applied),
    [false],
  );
  assert.equal(second.settings['Password_1_'], 's3cret');
});

test('SPA: factory /spa$PSN.cfg; option 66 as a URL naming the file is the rule itself', async () => {
  const s = server(TFTP, ACCOUNT, { vendor: 'cisco-spa' });
  const run = await ciscoDriver.phone.run(spa, TFTP, s.fetch);
  assert.equal(run.ok, true);
  assert.deepEqual(s.asked, [`${TFTP}spa504G.cfg`, `${TFTP}${SPA_MAC}.xml`]);
  const http = 'http://10.0.0.5:8080/';
  const h = server(http, ACCOUNT, { vendor: 'cisco-spa' });
  const named = await ciscoDriver.phone.run(spa, `${http}spa$PSN.cfg`, h.fetch);
  assert.equal(named.ok, true);
  assert.deepEqual(h.asked, [`${http}spa504G.cfg`, `${http}${SPA_MAC}.xml`]);
});

test('a missing profile fails the resync (Resync_Fails_On_FNF): an unknown phone stops there', async () => {
  const s = server(TFTP, ACCOUNT);
  const stranger = await ciscoDriver.phone.run(
    { ...mpp, mac: '00562b999999' as typeof MAC },
    TFTP,
    async (url, o) =>
      url.endsWith('00562b999999.xml') ? { status: 404, body: Buffer.alloc(0) } : s.fetch(url, o),
  );
  assert.equal(stranger.ok, false);
  assert.equal(stranger.steps.at(-1)!.status, 404);
});

test('credentials from the rule are presented from the next resync on', async () => {
  const credentials = { username: MAC, password: 'Gen3ratedPassw0rdXYZabcd' };
  const s = server(TFTP, ACCOUNT, { credentials });
  const first = await ciscoDriver.phone.run(mpp, TFTP, s.fetch);
  assert.deepEqual(s.presented, [undefined, undefined]);
  await ciscoDriver.phone.run(mpp, TFTP, s.fetch, first.memory);
  assert.deepEqual(s.presented.slice(2), [MAC]);
});

test('an encrypted profile: the key from GPP_SA the HTTPS bootstrap gave, via --key $SA', async () => {
  const https = 'https://prov.example.com/';
  const settings = {
    ...ACCOUNT,
    'security.config_encryption': true,
    'security.config_key': 'SecretPhrase1234',
  };
  // The bootstrap is rendered from the defaults, which carry the key too.
  const s = server(https, settings, { shared: settings });
  const fetch = s.fetch;
  const run = await ciscoDriver.phone.run(mpp, `${https}$PSN.xml`, fetch);
  assert.equal(run.ok, true, JSON.stringify(run.steps));
  assert.equal(run.settings['GPP_SA'], 'SecretPhrase1234');
  assert.equal(run.settings['User_ID_1_'], '301');
  // Over TFTP the bootstrap gives no key: the sealed profile cannot be read.
  const t = server(TFTP, settings, { shared: settings });
  const refused = await ciscoDriver.phone.run(mpp, TFTP, t.fetch);
  assert.equal(refused.ok, false);
  assert.match(refused.steps.at(-1)!.note!, /cannot decrypt/);
});

test('Upgrade_Rule: the image once, then no more while the phone runs it', async () => {
  const firmware = {
    vendor: 'cisco',
    model: 'CP-8841-3PCC',
    version: '12.0.7',
    fileName: 'sip88xx.12-0-7MPP0001-25.loads',
    size: 8,
    sha256: 'd'.repeat(64),
    url: `${TFTP}firmware/cisco/CP-8841-3PCC/12.0.7/sip88xx.12-0-7MPP0001-25.loads`,
  };
  const s = server(TFTP, ACCOUNT, { firmware, image: Buffer.from('firmware') });
  const first = await ciscoDriver.phone.run(mpp, TFTP, s.fetch);
  assert.equal(first.steps.at(-1)!.url, firmware.url);
  assert.match(first.steps.at(-1)!.note!, /image installed/);
  const second = await ciscoDriver.phone.run(mpp, TFTP, s.fetch, first.memory);
  assert.match(second.steps.at(-1)!.note!, /already installed/);
});

test('macros: $MA, $MAU, $MAC, $PSN, $PN and substrings', async () => {
  const { expandMacros } = await import('../../../src/drivers/cisco/rules.ts');
  const facts = {
    mac: MAC,
    productName: 'CP-8841-3PCC',
    productSeries: '8841-3PCC',
    firmware: '11.3.1',
    parameters: new Map([['GPP_A', 'ABCDEF']]),
  };
  assert.equal(expandMacros('/$MA.xml', facts), `/${MAC}.xml`);
  assert.equal(expandMacros('/$MAU.xml', facts), `/${MAC.toUpperCase()}.xml`);
  assert.equal(expandMacros('$MAC', facts), '00:56:2b:04:36:15');
  assert.equal(expandMacros('/$PSN.xml?pn=$PN', facts), '/8841-3PCC.xml?pn=CP-8841-3PCC');
  // The guides' own examples: $(A:2) is CDEF and $(A:2:3) is CDE when GPP_A is ABCDEF.
  assert.equal(expandMacros('$(A:2) $(A:2:3) $$ $UNKNOWN', facts), 'CDEF CDE $ $UNKNOWN');
});

test("a $ in provisioning.url, firmware.url and phonebook.url is the operator's: the phone fetches the URLs as given", async () => {
  // $PN and $SN are macros the phone expands (8800 MPP guide): written $$, each is the literal $.
  const base = 'http://prov.example.com/$PN/';
  const image = 'http://prov.example.com/fw/sip88xx.loads?sig=ab$SN';
  const directory = 'http://dir.example.com/$PN/directory.xml';
  const settings = {
    ...ACCOUNT,
    'provisioning.url': base,
    'firmware.url': image,
    'phonebook.url': directory,
  };
  const s = server(base, settings, { shared: settings });
  const fetch: typeof s.fetch = async (url, options) =>
    url === image || url === directory
      ? (s.asked.push(url), { status: 200, body: Buffer.from('<CiscoIPPhoneDirectory/>') })
      : s.fetch(url, options);
  const phone = { ...mpp, serial: 'FCH2040ABCD' };
  const first = await ciscoDriver.phone.run(phone, base, fetch);
  assert.equal(first.ok, true, JSON.stringify(first.steps));
  assert.deepEqual(s.asked, [`${base}8841-3PCC.xml`, `${base}${MAC}.xml`, image, directory]);
  assert.equal(first.settings['User_ID_1_'], '301');
  // From then on the profile's own rule: the same URL again.
  const second = await ciscoDriver.phone.run(phone, base, fetch, first.memory);
  assert.equal(second.ok, true, JSON.stringify(second.steps));
  assert.equal(s.asked[4], `${base}${MAC}.xml`);
});
