import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { quoted, tsvString } from '../rows/tsv.ts';
import { quotedTextAt, textAt } from './text-cache.ts';

const view = (b: Buffer) => new DataView(b.buffer, b.byteOffset, b.byteLength);

type Sliceable = Buffer & { latin1Slice(s: number, e: number): string; utf8Slice(s: number, e: number): string };

describe('text cache', () => {
  it('always returns the exact decoded and quoted forms, hit or miss', () => {
    // A tiny alphabet and similar lengths make slot collisions and sampled-hash
    // look-alikes common, which is what could go wrong.
    const piece = fc.constantFrom('a', 'b', "'", '\\', '\t', '\n', 'é', '0', '1', 'LIMIT ', '😀', '\u0000');
    const str = fc.array(piece, { maxLength: 60 }).map((p) => p.join(''));
    fc.assert(
      fc.property(fc.array(str, { minLength: 1, maxLength: 40 }), (strings) => {
        const buf = Buffer.from(strings.join('')) as Sliceable;
        for (let round = 0; round < 2; round++) {
          let off = 0;
          for (const s of strings) {
            const end = off + Buffer.byteLength(s);
            expect(textAt(buf, view(buf), off, end)).toBe(s);
            expect(quotedTextAt(buf, view(buf), off, end)).toBe(quoted(s));
            off = end;
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('decodes invalid UTF-8 to replacement characters and long strings without caching', () => {
    const bad = Buffer.from([0x61, 0xc3, 0x28, 0x62]) as Sliceable;
    expect(textAt(bad, view(bad), 0, 4)).toBe('a\ufffd(b');
    const long = Buffer.from('x'.repeat(500) + "'") as Sliceable;
    expect(quotedTextAt(long, view(long), 0, long.length)).toBe("'" + 'x'.repeat(500) + "\\''");
  });
});
