import type { FastifyInstance, RouteOptions } from 'fastify';

import { closed, ERROR, type Schema } from './schemas.ts';

/** What a route's schema may say, besides what fastify validates. */
interface RouteSchema {
  summary?: string;
  description?: string;
  params?: Schema;
  querystring?: Schema;
  body?: Schema;
  response?: Record<string, Schema>;
}

interface Operation {
  method: string;
  path: string;
  schema: RouteSchema;
}

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);

const STATUS_TEXT: Record<string, string> = {
  200: 'done',
  201: 'stored',
  400: 'invalid input (an unknown field or parameter is named)',
  401: 'missing or wrong bearer token',
  404: 'not found',
  409: 'conflicts with what is stored',
  422: 'refused',
  502: 'the phone or peer did not answer as it should',
  503: 'unavailable',
};

/**
 * Collects the admin API's routes as they are registered and describes them as OpenAPI 3.1.
 * Every route gets a path and query schema (closed, unless it declares its own), so an
 * unknown parameter is refused everywhere; a route that takes a body must declare it.
 */
export class OpenApiDocument {
  readonly #operations: Operation[] = [];
  readonly #prefix: string;
  #document: object | undefined;

  constructor(app: FastifyInstance) {
    this.#prefix = app.prefix;
    app.addHook('onRoute', (route) => this.#register(route));
  }

  #register(route: RouteOptions): void {
    const methods = [route.method].flat().filter((m) => m !== 'HEAD');
    if (methods.length === 0) return;
    const schema = (route.schema ?? {}) as RouteSchema;
    const names = [...route.url.matchAll(/:([A-Za-z0-9_]+)|\*/g)].map((m) => m[1] ?? '*');
    if (!schema.params && names.length > 0) {
      schema.params = closed(Object.fromEntries(names.map((n) => [n, { type: 'string' }])), names);
    }
    schema.querystring ??= closed({});
    for (const method of methods) {
      if (BODY_METHODS.has(method) && !schema.body) {
        throw new Error(`admin API route ${method} ${route.url} declares no body schema`);
      }
    }
    route.schema = schema;
    const path = route.url.slice(this.#prefix.length) || '/';
    for (const method of methods) this.#operations.push({ method, path, schema });
    this.#document = undefined;
  }

  /** The routes as registered: method and OpenAPI path (`/devices/{mac}`). */
  operations(): { method: string; path: string }[] {
    return this.#operations.map((o) => ({ method: o.method, path: openApiPath(o.path) }));
  }

  document(): object {
    this.#document ??= this.#build();
    return this.#document;
  }

  #build(): object {
    const paths: Record<string, Record<string, object>> = {};
    for (const operation of this.#operations) {
      const path = openApiPath(operation.path);
      paths[path] ??= {};
      paths[path][operation.method.toLowerCase()] = describeOperation(operation);
    }
    return {
      openapi: '3.1.0',
      info: {
        title: 'plugndial admin API',
        version: '1',
        description:
          'Generated from the route schemas that validate each request. Unknown fields and query parameters are refused with 400 PND_UNKNOWN_FIELD.',
      },
      servers: [{ url: this.#prefix || '/' }],
      security: [{ bearer: [] }],
      components: {
        securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
        schemas: { Error: ERROR },
      },
      paths,
    };
  }
}

/** `/devices/:mac` → `/devices/{mac}`; a wildcard is the `path` parameter. */
function openApiPath(path: string): string {
  return path.replace(/:([A-Za-z0-9_]+)/g, '{$1}').replace(/\*/g, '{path}');
}

function describeOperation(operation: Operation): object {
  const { schema } = operation;
  const parameters = [
    ...parametersOf(schema.params, 'path'),
    ...parametersOf(schema.querystring, 'query'),
  ];
  const out: Record<string, unknown> = {
    operationId: `${operation.method.toLowerCase()}${operation.path
      .split('/')
      .map((s) => s.replace(/[^A-Za-z0-9]/g, ''))
      .map((s) => s.charAt(0).toUpperCase() + s.slice(1))
      .join('')}`,
    summary: schema.summary ?? `${operation.method} ${operation.path}`,
    ...(schema.description ? { description: schema.description } : {}),
  };
  if (parameters.length > 0) out['parameters'] = parameters;
  if (schema.body) out['requestBody'] = requestBody(schema.body);
  out['responses'] = responses(schema.response ?? {});
  return out;
}

function parametersOf(schema: Schema | undefined, where: 'path' | 'query'): object[] {
  const properties = (schema?.['properties'] ?? {}) as Record<string, Schema>;
  const required = new Set((schema?.['required'] ?? []) as string[]);
  return Object.entries(properties).map(([name, property]) => {
    const { description, ...rest } = property;
    return {
      name: name === '*' ? 'path' : name,
      in: where,
      required: where === 'path' || required.has(name),
      ...(description ? { description } : {}),
      schema: rest,
    };
  });
}

function requestBody(body: Schema): object {
  const content = body['content'] as Record<string, { schema: Schema }> | undefined;
  if (content) {
    return {
      required: true,
      content: Object.fromEntries(
        Object.entries(content).map(([type, entry]) => [type, { schema: entry.schema }]),
      ),
    };
  }
  const types = [body['type']].flat();
  return {
    required: !types.includes('null'),
    content: { 'application/json': { schema: body } },
  };
}

function responses(declared: Record<string, Schema>): object {
  const out: Record<string, object> = {};
  const statuses = new Set([...Object.keys(declared), '400', '401']);
  for (const status of [...statuses].sort()) {
    const schema = declared[status];
    const isError = Number(status) >= 400;
    const description =
      (schema?.['description'] as string | undefined) ?? STATUS_TEXT[status] ?? 'answer';
    // An answer of another media type (a stream of bytes) declares its content itself.
    const content = schema?.['content'] as Record<string, { schema?: Schema }> | undefined;
    out[status] = {
      description,
      content:
        content && !isError
          ? Object.fromEntries(
              Object.entries(content).map(([type, entry]) => [
                type,
                { schema: entry.schema ?? {} },
              ]),
            )
          : {
              'application/json': {
                schema: isError ? { $ref: '#/components/schemas/Error' } : (schema ?? {}),
              },
            },
    };
  }
  return out;
}
