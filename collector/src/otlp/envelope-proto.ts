import type { TableBatch } from '../rows/table-batch.ts';
import type { ProtoReader } from './proto-reader.ts';
import { WIRE_LEN } from './proto-reader.ts';
import { decodeResource, decodeScope } from './resource-scope-proto.ts';
import { emptyResource, emptyScope, type ResourceInfo, type ScopeInfo } from './resource-scope.ts';
import type { Rejections } from './rejections.ts';

/**
 * The request → ResourceX → ScopeX nesting all three signals share
 * (field 1 resource / scope, 2 the repeated children, 3 schema_url).
 * Encoders normally write the resource and scope first, but proto does not
 * promise it, so each level is scanned once for them before its children
 * are decoded.
 */

export interface EnvelopeNames {
  /** e.g. 'resource_spans' */
  resource: string;
  /** e.g. 'scope_spans' */
  scope: string;
  /** e.g. 'spans' */
  item: string;
}

/**
 * Called once per ScopeX with the reader positioned at its start; decodes
 * the repeated item field (2) of the message ending at `end`.
 */
export type ScopeHandler = (r: ProtoReader, end: number, resource: ResourceInfo, scope: ScopeInfo) => void;

export function walkEnvelope(r: ProtoReader, names: EnvelopeNames, onScope: ScopeHandler): void {
  const requestFields = ['', names.resource];
  const resourceFields = ['', 'resource', names.scope, 'schema_url'];
  const scopeFields = ['', 'scope', names.item, 'schema_url'];
  const end = r.end;
  r.path.enter('', -1, requestFields);
  let ri = 0;
  while (r.pos < end) {
    const wire = r.tag(end);
    if (r.field === 1) {
      const e = r.lenEnd(end, wire);
      r.path.enter(names.resource, ri++, resourceFields);
      decodeResourceX(r, e, scopeFields, names, onScope);
      r.path.leave();
      r.pos = e;
    } else {
      r.skip(end, wire);
    }
  }
  r.path.leave();
}

function decodeResourceX(
  r: ProtoReader,
  end: number,
  scopeFields: readonly string[],
  names: EnvelopeNames,
  onScope: ScopeHandler,
): void {
  const start = r.pos;
  const resource = emptyResource();
  let resStart = -1;
  let resEnd = -1;
  while (r.pos < end) {
    const wire = r.tag(end);
    switch (r.field) {
      case 1:
        resEnd = r.lenEnd(end, wire);
        resStart = r.pos;
        r.pos = resEnd;
        break;
      case 2:
        if (wire !== WIRE_LEN) throw r.wrongWire(wire, WIRE_LEN);
        r.skip(end, wire);
        break;
      case 3:
        resource.schemaUrl = r.string(end, wire);
        break;
      default:
        r.skip(end, wire);
    }
  }
  if (resStart >= 0) {
    r.pos = resStart;
    decodeResource(r, resEnd, resource);
  }
  r.pos = start;
  let si = 0;
  while (r.pos < end) {
    const wire = r.tag(end);
    if (r.field === 2) {
      const e = r.lenEnd(end, wire);
      r.path.enter(names.scope, si++, scopeFields);
      decodeScopeX(r, e, resource, onScope);
      r.path.leave();
      r.pos = e;
    } else {
      r.skip(end, wire);
    }
  }
}

function decodeScopeX(r: ProtoReader, end: number, resource: ResourceInfo, onScope: ScopeHandler): void {
  const start = r.pos;
  const scope = emptyScope();
  let scopeStart = -1;
  let scopeEnd = -1;
  while (r.pos < end) {
    const wire = r.tag(end);
    switch (r.field) {
      case 1:
        scopeEnd = r.lenEnd(end, wire);
        scopeStart = r.pos;
        r.pos = scopeEnd;
        break;
      case 2:
        if (wire !== WIRE_LEN) throw r.wrongWire(wire, WIRE_LEN);
        r.skip(end, wire);
        break;
      case 3:
        scope.schemaUrl = r.string(end, wire);
        break;
      default:
        r.skip(end, wire);
    }
  }
  if (scopeStart >= 0) {
    r.pos = scopeStart;
    decodeScope(r, scopeEnd, scope);
  }
  r.pos = start;
  onScope(r, end, resource, scope);
}

/** Where the items of one request go: rows into `batch`, invalid items into `rejections`. */
export interface ItemSink {
  readonly batch: TableBatch;
  readonly rejections: Rejections;
  accepted: number;
}

/**
 * Decodes each item (field 2) of a ScopeX message with `decodeItem`, which
 * returns what `emit` writes out (a TSV line, say) or sets `r.itemError`. A
 * problem of the enclosing resource or scope rejects every item under it.
 * `discard` undoes what `decodeItem` wrote of a rejected item, for decoders
 * that write as they read.
 */
export function decodeScopeItems<T>(
  r: ProtoReader,
  end: number,
  resource: ResourceInfo,
  scope: ScopeInfo,
  item: { name: string; fields: readonly string[] },
  decodeItem: (r: ProtoReader, end: number) => T,
  emit: (item: T) => void,
  sink: ItemSink,
  discard?: () => void,
): void {
  const inherited = resource.problem !== '' ? resource.problem : scope.problem;
  let i = 0;
  while (r.pos < end) {
    const wire = r.tag(end);
    if (r.field !== 2) {
      r.skip(end, wire);
      continue;
    }
    const e = r.lenEnd(end, wire);
    r.path.enter(item.name, i++, item.fields);
    const decoded = decodeItem(r, e);
    if (inherited !== '') r.reject(inherited);
    if (r.itemError === '') {
      emit(decoded);
      sink.accepted++;
    } else {
      discard?.();
      sink.rejections.add(r.itemError, r.path);
    }
    r.path.leave();
    r.pos = e;
  }
}
