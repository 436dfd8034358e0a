/**
 * Where a decoder is inside a request (`resource_spans[0].scope_spans[1].spans[3]`),
 * kept as a stack of parallel arrays so the hot path only does a few stores
 * per message; the string is built only when an error or rejection needs it.
 */
export class DecodePath {
  private readonly names: string[] = [];
  private readonly indexes: number[] = [];
  private readonly fieldTables: (readonly string[])[] = [];
  depth = 0;

  /** `index` < 0 for singular fields; `fields` names the message's field numbers for error messages. */
  enter(name: string, index: number, fields: readonly string[]): void {
    const d = this.depth++;
    this.names[d] = name;
    this.indexes[d] = index;
    this.fieldTables[d] = fields;
  }

  leave(): void {
    this.depth--;
  }

  /** Name of field `n` of the innermost message ('' when unknown). */
  fieldName(n: number): string {
    const t = this.fieldTables[this.depth - 1];
    return t?.[n] ?? '';
  }

  toString(): string {
    let out = '';
    for (let d = 0; d < this.depth; d++) {
      const name = this.names[d]!;
      if (name === '') continue;
      const i = this.indexes[d]!;
      if (out !== '') out += '.';
      out += i >= 0 ? `${name}[${i}]` : name;
    }
    return out === '' ? 'request' : out;
  }
}
