// Every fuzz target of bench/fuzz.ts with a fixed seed and a few inputs, on every change: a
// parser that throws outside its error contract, hangs, or breaks a round trip fails here.
// More inputs and other seeds: `npm run fuzz -- --inputs 1000000 --seed S`.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { runTarget } from '../../bench/fuzz/engine.ts';
import { TARGETS } from '../../bench/fuzz/targets.ts';

const SEED = 20_261_202;
const INPUTS = 2000;

for (const t of TARGETS) {
  test(`fuzz ${t.name}: ${INPUTS} inputs, seed ${SEED}, no crash or hang`, async () => {
    const report = await runTarget(t, { inputs: INPUTS, seed: SEED });
    assert.equal(report.inputs, INPUTS);
    const found = report.failures
      .map((f) => `#${f.index} ${f.kind}: ${f.message}\n  input ${f.input}`)
      .join('\n');
    assert.equal(
      report.crashes + report.hangs,
      0,
      `${report.crashes} crashes, ${report.hangs} hangs; again with ` +
        `node --import tsx bench/fuzz.ts --seed ${SEED} --parser ${t.name}\n${found}`,
    );
  });
}
