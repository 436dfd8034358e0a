import { attributesBody } from './any-value-json.ts';
import { field, type JsonObject, type JsonWalker } from './json-walker.ts';
import { emptyResource, emptyScope, type ResourceInfo, type ScopeInfo } from './resource-scope.ts';

/** The request → ResourceX → ScopeX nesting of OTLP/JSON, shared by all signals. */

export interface JsonEnvelopeNames {
  /** [camelCase, snake_case] keys, e.g. ['resourceSpans', 'resource_spans'] */
  resource: readonly [string, string];
  scope: readonly [string, string];
  item: readonly [string, string];
}

/** Called once per ScopeX with its item list (already checked to be an array). */
export type JsonScopeHandler = (w: JsonWalker, items: readonly unknown[], resource: ResourceInfo, scope: ScopeInfo) => void;

const NO_FIELDS: readonly string[] = [];

export function walkEnvelopeJson(w: JsonWalker, body: unknown, names: JsonEnvelopeNames, onScope: JsonScopeHandler): void {
  const root = w.root(body);
  const [resCamel, resSnake] = names.resource;
  const [scopeCamel, scopeSnake] = names.scope;
  const [itemCamel, itemSnake] = names.item;
  const resourceXs = w.array(field(root, resCamel, resSnake), resCamel);
  for (let i = 0; i < resourceXs.length; i++) {
    const rx = w.element(resourceXs[i], resCamel, i);
    w.path.enter(resCamel, i, NO_FIELDS);
    const resource = decodeResource(w, rx);
    const scopeXs = w.array(field(rx, scopeCamel, scopeSnake), scopeCamel);
    for (let j = 0; j < scopeXs.length; j++) {
      const sx = w.element(scopeXs[j], scopeCamel, j);
      w.path.enter(scopeCamel, j, NO_FIELDS);
      const scope = decodeScope(w, sx);
      const items = w.array(field(sx, itemCamel, itemSnake), itemCamel);
      onScope(w, items, resource, scope);
      w.path.leave();
    }
    w.path.leave();
  }
}

function decodeResource(w: JsonWalker, rx: JsonObject): ResourceInfo {
  const info = emptyResource();
  info.schemaUrl = w.string(field(rx, 'schemaUrl', 'schema_url'), 'schemaUrl');
  const res = w.object(rx['resource'], 'resource');
  if (res === undefined) return info;
  w.path.enter('resource', -1, NO_FIELDS);
  w.itemError = '';
  let serviceName: string | undefined;
  const body = attributesBody(w, res['attributes'], 'attributes', (k, v) => {
    if (serviceName === undefined && k === 'service.name') serviceName = v;
  });
  w.uint32(field(res, 'droppedAttributesCount', 'dropped_attributes_count'), 'droppedAttributesCount');
  info.attributes = '{' + body + '}';
  info.serviceName = serviceName ?? '';
  info.problem = w.itemError === '' ? '' : `resource: ${w.itemError}`;
  w.itemError = '';
  w.path.leave();
  return info;
}

function decodeScope(w: JsonWalker, sx: JsonObject): ScopeInfo {
  const info = emptyScope();
  info.schemaUrl = w.string(field(sx, 'schemaUrl', 'schema_url'), 'schemaUrl');
  const scope = w.object(sx['scope'], 'scope');
  if (scope === undefined) return info;
  w.path.enter('scope', -1, NO_FIELDS);
  w.itemError = '';
  info.name = w.string(scope['name'], 'name');
  info.version = w.string(scope['version'], 'version');
  info.attributes = '{' + attributesBody(w, scope['attributes'], 'attributes') + '}';
  info.droppedAttributesCount = w.uint32(
    field(scope, 'droppedAttributesCount', 'dropped_attributes_count'),
    'droppedAttributesCount',
  );
  info.problem = w.itemError === '' ? '' : `scope: ${w.itemError}`;
  w.itemError = '';
  w.path.leave();
  return info;
}
