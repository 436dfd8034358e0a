import type { EncodedMapRow, MapColumn } from '../rows/native-block.ts';

/**
 * The last resource's (or scope's) attributes encoded for the current
 * block, then copied into every item under it: an item repeats ~10-20
 * resource attributes. `owner` is the ResourceInfo / ScopeInfo they belong
 * to; set it to undefined when the block is reset.
 */
export interface EncodedPairs {
  owner: object | undefined;
  row: EncodedMapRow | undefined;
}

/** Encodes `pairs` (key, value, key, value…) for `map`'s current block as `owner`'s row. */
export function encodePairs(into: EncodedPairs, owner: object, map: MapColumn, pairs: readonly string[]): void {
  const entries: [string, string][] = [];
  for (let i = 0; i < pairs.length; i += 2) entries.push([pairs[i] as string, pairs[i + 1] as string]);
  into.owner = owner;
  into.row = map.encodeRow(entries);
}
