import assert from 'node:assert/strict';
import { test } from 'node:test';

import { contentTypeFor } from '../../src/api/file-routes.ts';

test("an overlay file's type comes from its extension; one named after Object's own properties is bytes", () => {
  assert.equal(contentTypeFor('images/logo.bmp'), 'image/bmp');
  assert.equal(contentTypeFor('phone.CFG'), 'text/plain; charset=utf-8');
  for (const name of ['a.constructor', 'a.toString', 'a.valueOf', 'a.hasOwnProperty', 'noext'])
    assert.equal(contentTypeFor(name), 'application/octet-stream', name);
});
