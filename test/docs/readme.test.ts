import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { tempDir } from '../support/harness.ts';
import { serve, type ServeProcess } from '../support/serve.ts';

// The README and the docs/ pages can be pasted as written. Every ```sh block of README.md,
// then of docs/**/*.md (sorted by path), runs in that order with bash against one server,
// and a command that fails fails the test. The rules:
//
// - A block is not run when the line before its fence is `<!-- not run: REASON -->`: it
//   starts a server in the foreground, writes into the system (/etc, services), needs root,
//   a network interface of its own, or phones on the network that answer. Every other block
//   runs, whoever adds it.
// - The server is started from a temporary directory with its data in ./data (the README's
//   default), on free loopback ports, without root. Only hosts and ports are substituted, so
//   the text stays what an operator pastes: `http://localhost/` becomes the HTTP door's URL,
//   `tftp://localhost/` the TFTP door's, `http://127.0.0.1:7547/` the ACS door's, and
//   `127.0.0.1:5060` the SIP door's address.
// - bin/ is this checkout's bin/ (also on PATH, for `plugndial`); each block runs with
//   `set -eo pipefail` in that directory, and curl fails on an HTTP error (a .curlrc with
//   --fail, as an operator would see the 404).
// - No sh block, run or not, holds a <placeholder> that a shell would read as a redirection.

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const NOT_RUN = /^<!-- not run: \S.* -->$/;

interface Block {
  file: string;
  /** The line of the opening fence. */
  line: number;
  text: string;
  run: boolean;
}

function markdownFiles(): string[] {
  const found: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
      a.name < b.name ? -1 : 1,
    )) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.md')) found.push(path);
    }
  };
  walk(join(ROOT, 'docs'));
  return [join(ROOT, 'README.md'), ...found];
}

function shellBlocks(path: string): Block[] {
  const lines = readFileSync(path, 'utf8').split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!/^```(sh|bash|shell)\s*$/.test(lines[i]!)) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !/^```\s*$/.test(lines[i]!); i++) body.push(lines[i]!);
    let before = start - 1;
    while (before >= 0 && lines[before]!.trim() === '') before--;
    blocks.push({
      file: relative(ROOT, path),
      line: start + 1,
      text: body.join('\n'),
      run: !NOT_RUN.test(lines[before]?.trim() ?? ''),
    });
  }
  return blocks;
}

function substitute(text: string, ports: Record<string, number>): string {
  const doors: Record<string, string> = {
    'http://localhost/': `http://127.0.0.1:${ports['http']}/`,
    'tftp://localhost/': `tftp://127.0.0.1:${ports['tftp']}/`,
    'http://127.0.0.1:7547/': `http://127.0.0.1:${ports['acs']}/`,
    '127.0.0.1:5060': `127.0.0.1:${ports['sip']}`,
  };
  // One pass, so a port just written in is never read again: a TFTP door on port 50604
  // must not become the SIP door's "127.0.0.1:5060" and a stray 4. A door that ends in its
  // port is not the start of a longer one.
  const pattern = Object.keys(doors)
    .map(
      (door) => door.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&') + (/\d$/.test(door) ? '(?!\\d)' : ''),
    )
    .join('|');
  return text.replace(new RegExp(pattern, 'g'), (door) => doors[door]!);
}

function bash(
  script: string,
  cwd: string,
  timeoutMs: number,
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn('bash', ['-c', script], {
      cwd,
      env: {
        PATH: `${join(cwd, 'bin')}:${process.env['PATH']}`,
        HOME: cwd,
        CURL_HOME: cwd,
        LANG: 'C.UTF-8',
        PS4: '+ line $LINENO: ',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

const blocks = markdownFiles().flatMap(shellBlocks);
let work: string;
let server: ServeProcess;

before(async () => {
  work = tempDir('pnd-readme-');
  symlinkSync(join(ROOT, 'bin'), join(work, 'bin'));
  mkdirSync(join(work, 'data'));
  writeFileSync(join(work, '.curlrc'), '--fail\n--silent\n--show-error\n');
  server = await serve([
    '--data-dir',
    join(work, 'data'),
    '--http',
    '127.0.0.1:0',
    '--tftp',
    '127.0.0.1:0',
    '--sip',
    '127.0.0.1:0',
    '--sip-interface',
    'none',
    '--acs',
    '127.0.0.1:0',
  ]);
});

after(async () => {
  await server?.stop();
  rmSync(work, { recursive: true, force: true });
});

test('the doors are substituted once each, whatever ports the server drew', () => {
  const ports = { http: 8080, tftp: 50604, acs: 7548, sip: 42307 };
  assert.equal(
    substitute(
      'tftp://localhost/ http://localhost/0021f2000001.boot 127.0.0.1:5060 127.0.0.1:50601',
      ports,
    ),
    'tftp://127.0.0.1:50604/ http://127.0.0.1:8080/0021f2000001.boot 127.0.0.1:42307 127.0.0.1:50601',
  );
  assert.equal(substitute('http://127.0.0.1:7547/x', ports), 'http://127.0.0.1:7548/x');
});

test('the README and docs/ hold shell blocks, and none has a <placeholder>', () => {
  assert.ok(blocks.filter((b) => b.file === 'README.md' && b.run).length >= 8);
  for (const block of blocks) {
    const placeholder = /<[A-Za-z][\w .-]*>/.exec(block.text);
    assert.equal(placeholder, null, `${block.file}:${block.line}: ${placeholder?.[0]}`);
  }
});

test('every shell block of the README and docs/ runs, in order, against a server', async () => {
  for (const block of blocks) {
    if (!block.run) continue;
    const script = `set -eo pipefail -x\n${substitute(block.text, server.ports)}\n`;
    const result = await bash(script, work, 180_000);
    // The trace's line numbers count from the fence: line 1 is `set`, the block's first is 2.
    const failed = /\+ line (\d+): [^\n]*\n(?![\s\S]*\+ line \d+: )/.exec(result.output);
    const at = failed ? block.line + Number(failed[1]) - 1 : block.line;
    assert.equal(
      result.code,
      0,
      `${block.file}:${at} (block at line ${block.line}) failed with ${result.code}:\n${result.output.slice(-3000)}`,
    );
  }
});
