import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  commonFileOf,
  firmwareRelease,
  modelInfo,
  modelName,
  modelOfCode,
  modelsOfCode,
  releaseOf,
  YEALINK_MODELS,
} from '../../../src/drivers/yealink/models.ts';

test('the common file each model asks for, as the public documents name it', () => {
  for (const [model, file] of [
    // Yealink SIP-T2 Series IP Phones Auto Provisioning Guide, "Downloading and Verifying
    // Configurations", the SIP-T23G scenario (p. 55): y000000000044.cfg, then 001565770984.cfg.
    ['T23G', 'y000000000044.cfg'],
    // Yealink W52P IP DECT Phones Auto Provisioning Guide, "Downloading and Updating
    // Configuration Files" (p. 35): y000000000025.cfg, then <MAC>.cfg.
    ['W52P', 'y000000000025.cfg'],
    // The rest as FusionPBX's Yealink templates name their files (one folder per model).
    ['T46G', 'y000000000028.cfg'],
    ['T42G', 'y000000000029.cfg'],
    ['T41P', 'y000000000036.cfg'],
    ['T46S', 'y000000000066.cfg'],
    ['T48S', 'y000000000065.cfg'],
    ['T42S', 'y000000000067.cfg'],
    ['T41S', 'y000000000068.cfg'],
    ['T54S', 'y000000000070.cfg'],
    ['T52S', 'y000000000074.cfg'],
    ['T54W', 'y000000000096.cfg'],
    ['T57W', 'y000000000097.cfg'],
    ['T58', 'y000000000058.cfg'],
    ['W60B', 'y000000000077.cfg'],
    ['W70B', 'y000000000146.cfg'],
    ['T26P', 'y000000000004.cfg'],
    ['T22P', 'y000000000005.cfg'],
    ['T20P', 'y000000000007.cfg'],
    // The T28P's own file is the common one.
    ['T28P', 'y000000000000.cfg'],
  ] as const) {
    const info = modelInfo(model);
    assert.ok(info, model);
    assert.equal(commonFileOf(info), file, model);
  }
});

test('every model is listed once, by a name no other entry or alias takes', () => {
  const names = YEALINK_MODELS.flatMap((m) => [m.model, ...(m.aliases ?? [])]).map((n) =>
    n.toUpperCase(),
  );
  assert.equal(new Set(names).size, names.length);
  assert.ok(YEALINK_MODELS.every((m) => Number.isInteger(m.code) && m.code >= 0 && m.code < 1000));
});

test('where models share a number, the User-Agent names the model; else the first listed', () => {
  assert.deepEqual(
    modelsOfCode(95).map((m) => m.model),
    ['T53', 'T53W'],
  );
  assert.equal(modelOfCode(95, undefined)?.model, 'T53');
  assert.equal(modelOfCode(95, 'SIP-T53W')?.model, 'T53W');
  // An agent naming a model of another number does not change what the number is.
  assert.equal(modelOfCode(95, 'SIP-T46S')?.model, 'T53');
  assert.equal(modelOfCode(146, undefined)?.model, 'W70B');
  assert.equal(modelOfCode(130, 'W90B')?.model, 'W90B');
  assert.equal(modelOfCode(999, 'SIP-T46S'), undefined);
  assert.deepEqual(modelsOfCode(0), []);
});

test('model names as agents, operators and catalogues write them', () => {
  for (const [given, name] of [
    ['SIP-T46G', 'T46G'],
    ['SIP VP-T49G', 'T49G'],
    ['Yealink W70B', 'W70B'],
    ['t54w', 'T54W'],
    ['SIP-T21P_E2', 'T21P_E2'],
  ]) {
    assert.equal(modelName(given!), name);
  }
  assert.equal(modelInfo('SIP-T58A')?.model, 'T58');
  assert.equal(modelInfo('VP530P')?.model, 'VP530');
  assert.equal(modelInfo('FIP14G'), undefined);
});

test('the release of a firmware version, and a legacy model without one', () => {
  assert.equal(firmwareRelease('28.73.0.50'), 73);
  assert.equal(firmwareRelease('96.86.0.70'), 86);
  assert.equal(firmwareRelease('V0.5.15'), undefined);
  assert.equal(firmwareRelease(undefined), undefined);
  assert.equal(releaseOf(modelInfo('T28P'), undefined), 73);
  assert.equal(releaseOf(modelInfo('T28P'), '2.73.0.50'), 73);
  assert.equal(releaseOf(modelInfo('T46S'), undefined), undefined);
  assert.equal(releaseOf(modelInfo('T46S'), '66.84.0.125'), 84);
});
