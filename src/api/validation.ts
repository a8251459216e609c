import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import fastJson from 'fast-json-stringify';

import { pndError, type PlugndialError } from '../errors.ts';

/**
 * The admin API's own JSON Schema compiler. Fastify's default Ajv removes unknown fields
 * silently (`removeAdditional`), which is how a body nobody reads used to pass as a change;
 * here an unknown field is an error. Query strings are coerced (`limit=10` is a number).
 */
const ajv = new Ajv({
  allErrors: true,
  coerceTypes: 'array',
  useDefaults: true,
  removeAdditional: false,
  allowUnionTypes: true,
  verbose: true,
  // Dates are checked where they are read, with a message that shows the expected form.
  formats: { 'date-time': true },
  // The schemas are ours and the OpenAPI document made of them is validated by its test;
  // compiling JSON Schema's meta-schema cost a command's first request 0.1 s.
  validateSchema: false,
});

/**
 * A route's validator, compiled at the route's first request: compiling every route's schemas
 * when the API starts took most of a management command's time without a server (and part
 * of the server's start), for the one or two routes a command calls. The route tests call
 * every route, so a schema Ajv refuses still fails there.
 */
export function compileRequestSchema({ schema }: { schema: object }): ValidateFunction {
  let compiled: ValidateFunction | undefined;
  const validate = ((data: unknown): boolean => {
    compiled ??= ajv.compile(schema);
    const valid = compiled(data) as boolean;
    validate.errors = compiled.errors;
    return valid;
  }) as ValidateFunction;
  return validate;
}

/**
 * A response schema's serializer, compiled the first time a route answers: building every
 * route's serializer up front cost a management command without a server a third of its
 * time, for the one route it calls. fastify's own compiler, only later.
 */
export function compileResponseSchema({ schema }: { schema: object }): (data: unknown) => string {
  let compiled: ((data: unknown) => string) | undefined;
  return (data: unknown): string => {
    compiled ??= fastJson(schema) as (data: unknown) => string;
    return compiled(data);
  };
}

/** The part of the request a fastify validation error is about. */
type Part = 'body' | 'querystring' | 'params' | 'headers';

const PART_NAMES: Record<Part, string> = {
  body: 'body',
  querystring: 'query',
  params: 'path',
  headers: 'header',
};

/**
 * A validation failure in the error catalogue's terms: an unknown field first (it is the
 * mistake that used to pass unnoticed), named with the fields that are allowed there.
 */
export function validationError(errors: readonly ErrorObject[], part: Part): PlugndialError {
  const unknown = errors.find((e) => e.keyword === 'additionalProperties');
  if (unknown) {
    const field = String(unknown.params['additionalProperty'] ?? '').slice(0, 60);
    const where = placeOf(part, unknown.instancePath);
    const allowed = Object.keys(
      ((unknown.parentSchema ?? {}) as { properties?: object }).properties ?? {},
    );
    const kind = part === 'querystring' ? 'query parameter' : 'field';
    return pndError(
      'PND_UNKNOWN_FIELD',
      `${where}: unknown ${kind} "${field}"; ${allowed.length > 0 ? `allowed: ${allowed.join(', ')}` : `this route takes no ${kind}s`}`,
      { field, where },
    );
  }
  // `if` only says a branch failed; the branch's own error says what is wrong.
  const first = errors.find((e) => e.keyword !== 'if') ?? errors[0];
  const where = placeOf(part, first?.instancePath ?? '');
  return pndError('PND_INVALID_ARGUMENT', `${where}: ${describe(first)}`, { where });
}

function placeOf(part: Part, instancePath: string): string {
  const path = instancePath
    .split('/')
    .slice(1)
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~').slice(0, 60));
  return [PART_NAMES[part], ...path].join('.');
}

function describe(error: ErrorObject | undefined): string {
  if (!error) return 'invalid';
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return `missing field "${String(params['missingProperty'])}"`;
    case 'enum':
      return `expected one of ${(params['allowedValues'] as unknown[]).join(', ')}`;
    case 'type':
      return `expected ${[params['type']].flat().join(' or ')}`;
    default:
      return error.message ?? 'invalid';
  }
}
