import { appendAttribute, lastAttribute } from './any-value-proto.ts';
import { WIRE_LEN, type ProtoReader } from './proto-reader.ts';
import type { ResourceInfo, ScopeInfo } from './resource-scope.ts';

/** Resource and InstrumentationScope messages → ResourceInfo / ScopeInfo. */

const RESOURCE_FIELDS: readonly string[] = ['', 'attributes', 'dropped_attributes_count', 'entity_refs'];
const SCOPE_FIELDS: readonly string[] = ['', 'name', 'version', 'attributes', 'dropped_attributes_count'];

/** Decodes the Resource message in [r.pos, end). */
export function decodeResource(r: ProtoReader, end: number, info: ResourceInfo): void {
  r.path.enter('resource', -1, RESOURCE_FIELDS);
  const saved = r.itemError;
  r.itemError = '';
  let attrs = '';
  let n = 0;
  let serviceName: string | undefined;
  while (r.pos < end) {
    const wire = r.tag(end);
    switch (r.field) {
      case 1:
        attrs = appendAttribute(r, end, wire, 'attributes', n++, attrs, true);
        info.attributePairs.push(lastAttribute.key, lastAttribute.value);
        if (serviceName === undefined && lastAttribute.key === 'service.name') serviceName = lastAttribute.value;
        break;
      case 2:
        r.uint32(end, wire);
        break;
      case 3:
        if (wire !== WIRE_LEN) throw r.wrongWire(wire, WIRE_LEN);
        r.skip(end, wire);
        break;
      default:
        r.skip(end, wire);
    }
  }
  info.attributes = '{' + attrs + '}';
  info.serviceName = serviceName ?? '';
  info.problem = r.itemError === '' ? '' : `resource: ${r.itemError}`;
  r.itemError = saved;
  r.path.leave();
}

/** Decodes the InstrumentationScope message in [r.pos, end). */
export function decodeScope(r: ProtoReader, end: number, info: ScopeInfo): void {
  r.path.enter('scope', -1, SCOPE_FIELDS);
  const saved = r.itemError;
  r.itemError = '';
  let attrs = '';
  let n = 0;
  while (r.pos < end) {
    const wire = r.tag(end);
    switch (r.field) {
      case 1:
        info.name = r.string(end, wire);
        break;
      case 2:
        info.version = r.string(end, wire);
        break;
      case 3:
        attrs = appendAttribute(r, end, wire, 'attributes', n++, attrs, true);
        info.attributePairs.push(lastAttribute.key, lastAttribute.value);
        break;
      case 4:
        info.droppedAttributesCount = r.uint32(end, wire);
        break;
      default:
        r.skip(end, wire);
    }
  }
  info.attributes = '{' + attrs + '}';
  info.problem = r.itemError === '' ? '' : `scope: ${r.itemError}`;
  r.itemError = saved;
  r.path.leave();
}
