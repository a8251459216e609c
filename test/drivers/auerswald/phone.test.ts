import assert from 'node:assert/strict';
import { test } from 'node:test';

import type { PhoneIdentity } from '../../../src/drivers/driver.ts';
import { auerswaldDriver } from '../../../src/drivers/auerswald/index.ts';
import { MAX_FILES } from '../../../src/drivers/auerswald/phone.ts';
import { fakeServer, golden } from './helpers.ts';

const phone: PhoneIdentity = {
  mac: '00095200000e' as never,
  vendor: 'auerswald',
  model: 'D100',
  serial: '123412341234',
};

const KEYS = `<configuration>
  <keys>
    <phoneXtensions>
      <key keyNumber="3" label="x">
        <parameters>
          <parameter name="@string/identity" value="1"/>
        </parameters>
      </key>
    </phoneXtensions>
  </keys>
  <templates>
    <template name="Test"/>
    <template name="Keep"/>
  </templates>
</configuration>`;

test("seed 003's reference file as written: four URLs, loaded in order, markers filled in", async () => {
  const server = fakeServer({
    'http://prov.server.com/prov/references.xml': golden('seed-references.raw.xml'),
    'http://prov.server.com/prov/first_file.xml': KEYS,
    'http://prov.server.com/second_file.xml': golden('seed-operations.raw.xml'),
    'http://another.server.com/third_file.xml':
      '<identities patch="true"><identity><username>1001</username></identity></identities>',
    'http://prov.server.com/prov/prov.py?mac=00095200000E':
      '<telephony><callWaiting><active>true</active></callWaiting></telephony>',
  });
  const run = await auerswaldDriver.phone.run(
    phone,
    'http://prov.server.com/prov/references.xml',
    server.fetch,
  );
  assert.deepEqual(server.asked, [
    'http://prov.server.com/prov/references.xml',
    'http://prov.server.com/prov/first_file.xml',
    'http://prov.server.com/second_file.xml',
    'http://another.server.com/third_file.xml',
    'http://prov.server.com/prov/prov.py?mac=00095200000E',
  ]);
  assert.equal(run.ok, true, JSON.stringify(run.steps, null, 1));
  assert.match(run.steps[3]!.note!, /another host/);
  // The operations: template Test deleted, the parameter replaced, another one added.
  assert.equal(run.settings['templates/template/@name'], 'Keep');
  assert.equal(run.settings['keys/phoneXtensions/key/parameters/parameter[1]/@value'], '3');
  assert.equal(
    run.settings['keys/phoneXtensions/key/parameters/parameter[2]/@name'],
    '@string/foo',
  );
  // The patch merged into identity 1 of six; the plain section replaced telephony.
  assert.equal(run.settings['identities/identity[1]/username'], '1001');
  assert.equal(run.settings['identities/identity[6]/active'], 'false');
  assert.equal(run.settings['telephony/callWaiting/active'], 'true');
});

test('a section that is no longer valid keeps what it had; so do operations that select nothing', async () => {
  const server = fakeServer({
    'http://s/a.xml': `<referencedSettings><URL>b.xml</URL><URL>c.xml</URL><URL>d.xml</URL></referencedSettings>`,
    // Replacing identities with one identity: the phone needs six.
    'http://s/b.xml': '<identities><identity><username>x</username></identity></identities>',
    'http://s/c.xml': `<operations>
        <replace path="/identities/identity[1]/username"><username>y</username></replace>
        <delete path="/identities/identity[9]"/>
      </operations>`,
    'http://s/d.xml': `<operations><delete path="/identities/identity[1]/@name"/></operations>`,
  });
  const run = await auerswaldDriver.phone.run(phone, 'http://s/a.xml', server.fetch);
  assert.equal(run.ok, false);
  assert.match(run.steps[1]!.note!, /identities kept: identities must hold 6/);
  assert.match(run.steps[2]!.note!, /selects nothing/);
  assert.match(run.steps[3]!.note!, /points to an attribute/);
  // Neither the replace before the failing delete nor anything else was applied.
  assert.equal(run.settings['identities/identity[1]/username'], undefined);
});

test('reference loops and endless chains end, with the loop reported', async () => {
  const loop = fakeServer({
    'http://s/a.xml': '<referencedSettings><URL>b.xml</URL></referencedSettings>',
    'http://s/b.xml': '<referencedSettings><URL>/a.xml</URL><URL>a.xml</URL></referencedSettings>',
  });
  const looped = await auerswaldDriver.phone.run(phone, 'http://s/a.xml', loop.fetch);
  assert.equal(looped.ok, false);
  assert.deepEqual(loop.asked, ['http://s/a.xml', 'http://s/b.xml']);
  assert.ok(looped.steps.filter((s) => /reference loop/.test(s.note ?? '')).length === 2);

  // Every file names two new ones: a tree that never ends is cut off.
  const endless = {
    fetch: async (url: string) => {
      const n = Number(/(\d+)\.xml$/.exec(url)?.[1] ?? 0);
      const body = `<referencedSettings><URL>${2 * n + 1}.xml</URL><URL>${2 * n + 2}.xml</URL></referencedSettings>`;
      return { status: 200, body: Buffer.from(body) };
    },
  };
  const cut = await auerswaldDriver.phone.run(phone, 'http://s/0.xml', endless.fetch);
  assert.equal(cut.ok, false);
  assert.ok(cut.steps.filter((s) => s.status === 200).length <= MAX_FILES);
});

test('what the phone keeps from one run to the next; a file that is no XML changes nothing', async () => {
  const server = fakeServer({
    'http://s/one.xml':
      '<configuration><identities patch="true"><identity><username>1001</username></identity></identities></configuration>',
    'http://s/bad.xml': '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>',
  });
  const first = await auerswaldDriver.phone.run(phone, 'http://s/one.xml', server.fetch);
  const second = await auerswaldDriver.phone.run(
    phone,
    'http://s/bad.xml',
    server.fetch,
    first.memory,
  );
  assert.equal(second.ok, false);
  assert.match(second.steps[0]!.note!, /DTD/);
  assert.equal(second.settings['identities/identity[1]/username'], '1001');
  const none = await auerswaldDriver.phone.run(phone, 'not a url <MACADR>', server.fetch);
  assert.equal(none.ok, false);
});
