import assert from 'node:assert/strict';
import { test } from 'node:test';

import { compileRequestSchema } from '../../src/api/validation.ts';

test('a route validator is compiled at its first use, then validates and reports like Ajv', () => {
  // Refused by Ajv, yet nothing happens until the route is asked for.
  const broken = compileRequestSchema({ schema: { type: 'no-such-type' } });
  assert.throws(() => broken({}));

  const validate = compileRequestSchema({
    schema: {
      type: 'object',
      properties: { limit: { type: 'integer' } },
      additionalProperties: false,
    },
  });
  const query: Record<string, unknown> = { limit: '10' };
  assert.equal(validate(query), true);
  assert.equal(query.limit, 10, 'coerced as before');
  assert.equal(validate({ zzz: 1 }), false);
  assert.equal(validate.errors?.[0]?.keyword, 'additionalProperties');
  assert.equal(validate({}), true);
  assert.equal(validate.errors, null);
});
