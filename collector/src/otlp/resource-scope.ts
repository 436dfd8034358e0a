/**
 * What the items of one ResourceX / ScopeX share, decoded once (Map literals,
 * service name) and reused for every span, log record or data point under it.
 */

export interface ResourceInfo {
  /** Map literal of the resource attributes. */
  attributes: string;
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
  droppedAttributesCount: number;
  schemaUrl: string;
  problem: string;
}

export function emptyResource(): ResourceInfo {
  return { attributes: '{}', serviceName: '', schemaUrl: '', problem: '' };
}

export function emptyScope(): ScopeInfo {
  return { name: '', version: '', attributes: '{}', droppedAttributesCount: 0, schemaUrl: '', problem: '' };
}
