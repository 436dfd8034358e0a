import { Hono } from 'hono';
import { z } from 'zod';

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

/**
 * What the OpenAPI document says about one route. Each route module exports
 * its docs next to its handlers, built from the very zod schemas the handlers
 * validate with, so the document cannot drift from what the API accepts;
 * app.ts lists them where it mounts the routes (and a test checks that every
 * mounted route is documented).
 */
export interface RouteDoc {
  method: HttpMethod;
  /** OpenAPI path relative to the API base, `{name}` for path parameters: `/traces/{traceId}`. */
  path: string;
  /** Set for paths outside the API base (`/metrics`): the path is then absolute. */
  root?: boolean;
  summary: string;
  description?: string;
  /** Groups routes in viewers; the first path segment when absent. */
  tag?: string;
  /** Open without an API key even when keys are configured. */
  public?: boolean;
  query?: z.ZodObject;
  params?: z.ZodObject;
  body?: z.ZodType;
  response: {
    description: string;
    /** JSON body shape; omit for non-JSON bodies. */
    schema?: z.ZodType;
    /** Defaults to application/json. */
    contentType?: string;
  };
  /** Non-2xx answers beyond the ones every route can give (400, 401, 500), e.g. `{404: 'unknown trace'}`. */
  errors?: Readonly<Record<number, string>>;
}

type JsonSchema = Record<string, unknown>;

interface ParameterObject {
  name: string;
  in: 'query' | 'path';
  required: boolean;
  description?: string;
  schema: JsonSchema;
}

// Request schemas are documented as the client writes them (a time is a
// string before it becomes a bigint), responses as the server produces them.
function toSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const json = z.toJSONSchema(schema, { io, target: 'draft-2020-12', unrepresentable: 'any' }) as JsonSchema;
  delete json['$schema'];
  return json;
}

function parameters(schema: z.ZodObject | undefined, where: 'query' | 'path'): ParameterObject[] {
  if (!schema) return [];
  const json = toSchema(schema, 'input');
  const properties = (json['properties'] ?? {}) as Record<string, JsonSchema>;
  const required = new Set((json['required'] ?? []) as string[]);
  return Object.entries(properties).map(([name, prop]) => {
    const { description, ...rest } = prop;
    const p: ParameterObject = { name, in: where, required: where === 'path' || required.has(name), schema: rest };
    if (typeof description === 'string') p.description = description;
    return p;
  });
}

const PROBLEM_SCHEMA: JsonSchema = {
  type: 'object',
  description: 'RFC 9457 problem details',
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    errors: {
      type: 'array',
      description: 'one entry per invalid field (validation failures)',
      items: {
        type: 'object',
        properties: { path: { type: 'string', description: 'the field, e.g. `from`' }, message: { type: 'string' } },
        required: ['path', 'message'],
      },
    },
  },
  required: ['type', 'title', 'status', 'detail'],
};

function problem(description: string): JsonSchema {
  return { description, content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } };
}

function operation(doc: RouteDoc): JsonSchema {
  const op: JsonSchema = {
    summary: doc.summary,
    operationId: `${doc.method}${doc.path.replace(/[{}]/g, '').replace(/[^A-Za-z0-9]+(.)?/g, (_, ch: string | undefined) => (ch ?? '').toUpperCase())}`,
    tags: [doc.tag ?? (doc.path.split('/')[1] || 'api')],
  };
  if (doc.description) op['description'] = doc.description;
  const params = [...parameters(doc.params, 'path'), ...parameters(doc.query, 'query')];
  if (params.length > 0) op['parameters'] = params;
  if (doc.body) op['requestBody'] = { required: true, content: { 'application/json': { schema: toSchema(doc.body, 'input') } } };

  const ok: JsonSchema = { description: doc.response.description };
  const contentType = doc.response.contentType ?? 'application/json';
  ok['content'] = { [contentType]: doc.response.schema ? { schema: toSchema(doc.response.schema, 'output') } : {} };
  const responses: Record<string, JsonSchema> = { '200': ok };
  if (params.length > 0 || doc.body) responses['400'] = problem('invalid parameters; `errors[]` names each field');
  if (!doc.public) responses['401'] = problem('missing or wrong `Authorization: Bearer <key>` (when API keys are configured)');
  for (const [status, description] of Object.entries(doc.errors ?? {})) responses[status] = problem(description);
  responses['500'] = problem('the server failed; see its logs');
  op['responses'] = responses;
  if (doc.public) op['security'] = [];
  return op;
}

export interface OpenApiInfo {
  basePath: string;
  version: string;
}

/** The OpenAPI 3.1 document for these routes. */
export function buildOpenApiDocument(docs: readonly RouteDoc[], info: OpenApiInfo): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const doc of docs) {
    const path = doc.root ? doc.path : `${info.basePath}${doc.path === '/' ? '' : doc.path}`;
    const item = (paths[path] ??= {});
    if (item[doc.method]) throw new Error(`two route docs for ${doc.method.toUpperCase()} ${path}`);
    item[doc.method] = operation(doc);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'PPO API',
      version: info.version,
      description:
        'PPO, the Progressive Performance Optimizer. JSON in and out; times in as RFC 3339 or unix-nanosecond strings, ' +
        'out as RFC 3339 with ms; errors are application/problem+json.',
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    paths,
    components: {
      schemas: { Problem: PROBLEM_SCHEMA },
      securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', description: 'one of PPO_API_KEYS' } },
    },
    security: [{ bearerAuth: [] }],
  };
}

export const openApiRouteDocs: readonly RouteDoc[] = [
  {
    method: 'get',
    path: '/openapi.json',
    tag: 'meta',
    summary: 'This OpenAPI 3.1 document',
    response: { description: 'the document, generated from the schemas the routes validate with' },
  },
];

/** `GET /openapi.json`; the document is built once, on first request. */
export function openApiRoutes(docs: readonly RouteDoc[], info: OpenApiInfo): Hono {
  const app = new Hono();
  let document: JsonSchema | undefined;
  app.get('/', (c) => c.json((document ??= buildOpenApiDocument(docs, info))));
  return app;
}
