import type { LowCardinalityColumn } from '../rows/native-block.ts';
import { slotText, TEXT_SLOTS, textAt, textSlot, type SliceableBuffer } from './text-cache.ts';

/**
 * Strings of a LowCardinality column straight from their protobuf bytes to
 * the block dictionary's index: attribute keys and span names repeat in
 * nearly every span, and the text cache already maps their bytes to a slot,
 * so each slot remembers the index its string has in the current block.
 * An entry is valid for one block (the column's dictionary generation) and
 * while the slot still holds the same string.
 */
export class LcIndexCache {
  private readonly index = new Int32Array(TEXT_SLOTS);
  private readonly generations = new Int32Array(TEXT_SLOTS);
  private readonly strings: string[] = new Array<string>(TEXT_SLOTS).fill('');

  constructor(private readonly column: LowCardinalityColumn) {}

  /** Appends the string in bytes [start, end) of `buf` to the column. */
  push(buf: SliceableBuffer, view: DataView, start: number, end: number): void {
    const slot = textSlot(buf, view, start, end);
    if (slot < 0) {
      this.column.push(textAt(buf, view, start, end));
      return;
    }
    const text = slotText(slot);
    const generation = this.column.generation;
    if (this.generations[slot] === generation && this.strings[slot] === text) {
      this.column.pushIndex(this.index[slot]!);
      return;
    }
    const i = this.column.indexOf(text);
    this.index[slot] = i;
    this.generations[slot] = generation;
    this.strings[slot] = text;
    this.column.pushIndex(i);
  }
}
