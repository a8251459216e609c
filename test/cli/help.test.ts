import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';

import { SERVE_OPTIONS } from '../../src/config/options.ts';
import { loadServerConfig } from '../../src/config/server-config.ts';
import { knownVendors } from '../../src/drivers/registry.ts';
import { cli } from '../support/cli.ts';
import { run } from '../support/serve.ts';

const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
/** The README and every page of docs/: where an operator reads about a flag. */
const DOCS = [
  README,
  ...readdirSync(new URL('../../docs/', import.meta.url), { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.md'))
    .map((name) => readFileSync(new URL(`../../docs/${name}`, import.meta.url), 'utf8')),
].join('\n');

/** Lines of a usage that start a synopsis: `plugndial <command> …`. */
function synopses(text: string): string[] {
  return text.split('\n').filter((line) => line.startsWith('plugndial '));
}

/** The commands `plugndial --help` lists. */
async function commands(): Promise<string[]> {
  const help = await cli('--help');
  assert.equal(help.code, 0, help.err);
  return [...new Set([...help.out.matchAll(/^ {2}plugndial ([a-z]+)/gm)].map((m) => m[1]!))];
}

test('every command and every action answers --help with exit 0 and its own usage', async () => {
  const names = await commands();
  assert.ok(names.length >= 12, `plugndial --help lists ${names.join(', ')}`);
  let actionsSeen = 0;
  for (const name of names) {
    const help = await cli(name, '--help');
    assert.equal(help.code, 0, `${name} --help: ${help.err}`);
    assert.equal(help.err, '', `${name} --help`);
    const lines = synopses(help.out);
    assert.ok(lines.length > 0, `${name} --help shows no usage:\n${help.out}`);
    for (const line of lines)
      assert.ok(line.startsWith(`plugndial ${name}`), `${name} --help shows "${line}"`);
    // Actions are the words after the command in its synopses (not <mac>, not --flag).
    const actions = [
      ...new Set(
        lines.map((l) => /^plugndial [a-z]+ ([a-z][a-z-]*)(?:\s|$)/.exec(l)?.[1]).filter(Boolean),
      ),
    ] as string[];
    for (const action of actions) {
      actionsSeen++;
      const own = await cli(name, action, '--help');
      assert.equal(own.code, 0, `${name} ${action} --help: ${own.err}`);
      const ownLines = synopses(own.out);
      assert.ok(ownLines.length > 0, `${name} ${action} --help shows no usage`);
      for (const line of ownLines)
        assert.ok(
          line.startsWith(`plugndial ${name} ${action}`) ||
            // an example may be shown in the action's usage
            own.out.includes(`  ${line}`),
          `${name} ${action} --help shows another action: "${line}"`,
        );
      if (actions.length > 1)
        assert.notEqual(own.out, help.out, `${name} ${action} --help prints all of ${name}`);
      const viaHelp = await cli('help', name, action);
      assert.equal(viaHelp.out, own.out, `plugndial help ${name} ${action}`);
    }
  }
  assert.ok(actionsSeen >= 20, `only ${actionsSeen} actions found`);
});

test('a command without its action prints its usage on stderr and exits 2', async () => {
  const r = await cli('device');
  assert.equal(r.code, 2);
  assert.equal(r.out, '');
  assert.match(r.err, /^plugndial device add/m);
  const unknown = await cli('device', 'frobnicate', '--help');
  assert.equal(unknown.code, 2);
  assert.match(unknown.err, /unknown action "frobnicate"; expected add, list/);
});

test('plugndial --version prints the package version, through the real binary', () => {
  const manifest = JSON.parse(
    readFileSync(new URL('../../package.json', import.meta.url), 'utf8'),
  ) as { version: string };
  const r = run(['--version']);
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out, `plugndial ${manifest.version}\n`);
  const help = run(['device', 'add', '--help']);
  assert.equal(help.code, 0, help.err);
  assert.equal(synopses(help.out).length, 1);
});

test('device import --help lists the columns and the flags', async () => {
  const r = await cli('device', 'import', '--help');
  assert.equal(r.code, 0);
  for (const column of ['mac', 'vendor', 'model', 'profiles', 'native.'])
    assert.match(r.out, new RegExp(`^ {2}${column.replace('.', '\\.')}`, 'm'), column);
  assert.match(r.out, /--update/);
  assert.match(r.out, /--check/);
  // The vendors it takes are the registry's: a new driver's name appears here too.
  const vendors = /^ {2}vendor {4}required: ([^]*?)\n {2}model/m.exec(r.out)?.[1];
  assert.ok(vendors, r.out);
  const named = vendors.replace(/\s+/g, ' ').replace(' or ', ', ').split(', ');
  assert.deepEqual(named, knownVendors());
});

test('plugndial --help names every action of device, profile and the other commands with actions', async () => {
  const help = await cli('--help');
  for (const name of ['device', 'profile', 'file', 'firmware', 'phonebook']) {
    const line = new RegExp(`^ {2}plugndial ${name} …\\s+(.*)$`, 'm').exec(help.out)?.[1];
    assert.ok(line, `plugndial --help has no line for ${name}`);
    const own = await cli(name, '--help');
    const actions = new Set(
      [...own.out.matchAll(new RegExp(`^plugndial ${name} ([a-z][a-z-]*)`, 'gm'))].map((m) => m[1]),
    );
    for (const action of actions)
      assert.match(
        line,
        new RegExp(`\\b${action}\\b`),
        `plugndial --help: ${name} lacks ${action}`,
      );
  }
});

test('serve --help and the README or docs/ name every flag serve accepts, and the --config example works', async () => {
  const help = await cli('serve', '--help');
  assert.equal(help.code, 0);
  for (const flag of [...SERVE_OPTIONS.map((o) => o.name), 'config']) {
    assert.ok(new RegExp(`--${flag}\\b`).test(help.out), `serve --help lacks --${flag}`);
    assert.ok(new RegExp(`--${flag}\\b`).test(DOCS), `README and docs/ lack --${flag}`);
  }
  // The example of --config in the usage is a file serve reads.
  const example = /--config FILE:[^\n]*\n((?: {2}[^\n]*\n)+)/.exec(help.out)?.[1];
  assert.ok(example, help.out);
  const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { tmpdir } = await import('node:os');
  const dir = mkdtempSync(join(tmpdir(), 'pnd-config-'));
  try {
    const file = join(dir, 'plugndial.json');
    writeFileSync(file, example);
    const config = loadServerConfig({ flags: { config: file }, env: {} });
    assert.equal(config.doors.http?.port, 8080);
    assert.equal(config.doors.tftp?.port, 6969);
    assert.equal(config.publicUrl, 'http://10.0.0.5:8080');
    assert.deepEqual(config.sip.interfaces, ['eth0']);
    assert.deepEqual(config.security?.tls.clientCaFiles, ['yealink-ca.pem', 'fanvil-ca.pem']);
    assert.equal(config.events.retentionDays, 7);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
