/**
 * What the items of one ResourceX / ScopeX share, decoded once (Map literals,
 * service name) and reused for every span, log record or data point under it.
 */

export interface ResourceInfo {
  /** Map literal of the resource attributes. */
  attributes: string;
  /** The same attributes as key, value, key, value… (AsString values), for Native Map columns; protobuf decoders only. */
  attributePairs: string[];
  /** AsString of the first `service.name` attribute, '' when absent. */
  serviceName: string;
  schemaUrl: string;
  /** Why every item under this resource is rejected ('' if none). */
  problem: string;
}

export interface ScopeInfo {
  name: string;
  version: string;
  attributes: string;
  /** As in ResourceInfo. */
  attributePairs: string[];
  droppedAttributesCount: number;
  schemaUrl: string;
  problem: string;
}

export function emptyResource(): ResourceInfo {
  return { attributes: '{}', attributePairs: [], serviceName: '', schemaUrl: '', problem: '' };
}

export function emptyScope(): ScopeInfo {
  return { name: '', version: '', attributes: '{}', attributePairs: [], droppedAttributesCount: 0, schemaUrl: '', problem: '' };
}
