import { describe, expect, it } from 'vitest';
import { MapLiteral, quoted, tsvString } from './tsv.ts';

describe('tsv escaping', () => {
  it('leaves plain strings alone and escapes control characters', () => {
    expect(tsvString('GET /api')).toBe('GET /api');
    expect(tsvString('a\tb\nc\\d')).toBe('a\\tb\\nc\\\\d');
  });

  it('quotes values inside composite literals', () => {
    expect(quoted("it's")).toBe("'it\\'s'");
    const m = new MapLiteral();
    m.add('http.method', 'GET');
    m.add('q', "a'b\tc");
    expect(m.toString()).toBe("{'http.method':'GET','q':'a\\'b\\tc'}");
  });
});
