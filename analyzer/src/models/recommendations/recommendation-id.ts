import { createHash } from 'node:crypto';

/**
 * Stable id of a finding: the same (service, operation, kind, finding key)
 * found by any later run hashes to the same id, so a run updates the record
 * instead of adding a duplicate. NUL separators: no field can forge another.
 */
export function recommendationId(service: string, operation: string | undefined, kind: string, findingKey: string): string {
  const h = createHash('sha256').update([service, operation ?? '', kind, findingKey].join('\0')).digest('hex');
  return `rec_${h.slice(0, 20)}`;
}
