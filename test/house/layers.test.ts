import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { ESLint } from 'eslint';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The lint messages of one import line, as if it were a file at `path`. */
async function importProblems(path: string, specifier: string): Promise<string[]> {
  const eslint = new ESLint({ cwd: ROOT });
  const code = `import type { X } from '${specifier}';\nexport type Y = X;\n`;
  const [result] = await eslint.lintText(code, { filePath: `${ROOT}${path}` });
  return (result?.messages ?? [])
    .filter((m) => m.ruleId === 'no-restricted-imports')
    .map((m) => m.message);
}

test('an import up the layers is a lint error; the same import down is not', async () => {
  const refused: [string, string][] = [
    ['src/model/x.ts', '../store/store.ts'],
    ['src/model/x.ts', '../provisioning/pipeline.ts'],
    ['src/formats/x.ts', '../drivers/driver.ts'],
    ['src/store/x.ts', '../provisioning/recorder.ts'],
    ['src/store/x.ts', '../config/listen.ts'],
    ['src/drivers/yealink/x.ts', '../../store/store.ts'],
    ['src/transports/http/x.ts', '../../drivers/driver.ts'],
    ['src/provisioning/x.ts', '../sip/responder.ts'],
    ['src/api/x.ts', '../server.ts'],
  ];
  for (const [path, specifier] of refused) {
    const problems = await importProblems(path, specifier);
    assert.equal(problems.length, 1, `${path} importing ${specifier}`);
    assert.match(problems[0]!, /imports point down/);
  }
  const allowed: [string, string][] = [
    ['src/store/x.ts', '../model/event.ts'],
    ['src/provisioning/x.ts', '../drivers/driver.ts'],
    ['src/transports/http/x.ts', '../../provisioning/pipeline.ts'],
    ['src/cli/x.ts', '../server.ts'],
    ['src/drivers/yealink/x.ts', '../../formats/dhcp-options.ts'],
  ];
  for (const [path, specifier] of allowed) {
    assert.deepEqual(await importProblems(path, specifier), [], `${path} importing ${specifier}`);
  }
});
