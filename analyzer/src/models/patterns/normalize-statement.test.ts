import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizeStatement } from './normalize-statement.ts';

describe('normalizeStatement', () => {
  it.each([
    ['numbers', 'SELECT * FROM users WHERE id = 42', 'SELECT * FROM users WHERE id = ?'],
    ['decimals, exponents, negatives and hex', 'SELECT * FROM t WHERE a = 3.14 AND b = -5 AND c = 1e-3 AND d = 0xFF AND e = .5', 'SELECT * FROM t WHERE a = ? AND b = ? AND c = ? AND d = ? AND e = ?'],
    ['binary minus is kept', 'SELECT a - 1, b-2 FROM t', 'SELECT a - ?, b - ? FROM t'],
    ['a sign right after an operator belongs to the number', 'SELECT * FROM t WHERE x=-5', 'SELECT * FROM t WHERE x = ?'],
    ['strings with doubled quotes and escapes', "SELECT * FROM t WHERE name = 'O''Brien' AND note = 'it\\'s'", 'SELECT * FROM t WHERE name = ? AND note = ?'],
    ['prefixed strings', "SELECT * FROM t WHERE a = E'\\n' AND b = N'x' AND c = X'0A'", 'SELECT * FROM t WHERE a = ? AND b = ? AND c = ?'],
    ['dollar-quoted strings', 'SELECT $$a;b$$, $tag$ x $tag$ FROM t', 'SELECT ?, ? FROM t'],
    ['booleans', 'UPDATE t SET active = true WHERE deleted = FALSE', 'UPDATE t SET active = ? WHERE deleted = ?'],
    ['NULL stays (IS NULL is a different query)', 'SELECT * FROM t WHERE a IS NULL', 'SELECT * FROM t WHERE a IS NULL'],
    ['IN lists of any length collapse', 'SELECT * FROM t WHERE id IN (1, 2, 3)', 'SELECT * FROM t WHERE id IN (?)'],
    ['IN list of one', 'SELECT * FROM t WHERE id IN (7)', 'SELECT * FROM t WHERE id IN (?)'],
    ['IN list of strings', "SELECT * FROM t WHERE sku IN ('a','b')", 'SELECT * FROM t WHERE sku IN (?)'],
    ['multi-row VALUES collapse', "INSERT INTO t (a, b) VALUES (1, 'x'), (2, 'y'), (3, 'z')", 'INSERT INTO t(a, b) VALUES (?)'],
    ['ARRAY literals', 'SELECT * FROM t WHERE id = ANY(ARRAY[1, 2, 3])', 'SELECT * FROM t WHERE id = ANY (ARRAY[?])'],
    ['postgres placeholders', 'SELECT * FROM t WHERE a = $1 AND b = $12', 'SELECT * FROM t WHERE a = ? AND b = ?'],
    ['JDBC placeholders', 'SELECT * FROM t WHERE a = ? AND b IN (?, ?)', 'SELECT * FROM t WHERE a = ? AND b IN (?)'],
    ['named placeholders', 'SELECT * FROM t WHERE a = :id AND b = @p1 AND c = %s AND d = %(name)s', 'SELECT * FROM t WHERE a = ? AND b = ? AND c = ? AND d = ?'],
    ['casts are not placeholders', "SELECT a::text, '1'::int FROM t", 'SELECT a::text, ?::int FROM t'],
    ['comments are dropped', "SELECT /* traceparent='00-abc-def-01' */ 1 -- trailing\nFROM t", 'SELECT ? FROM t'],
    ['whitespace collapses', 'SELECT  a,\n\tb\r\n FROM   t', 'SELECT a, b FROM t'],
    ['keywords upper-cased, identifiers kept', 'select Id, "Name" from Users u join orders o on o.user_id = u.id', 'SELECT Id, "Name" FROM Users u JOIN orders o ON o.user_id = u.id'],
    ['function calls glued to their parenthesis', 'SELECT count( * ), max (x) FROM t', 'SELECT count(*), max(x) FROM t'],
    ['operators spaced', 'SELECT * FROM t WHERE a>=1 AND b<>2 AND c||d', 'SELECT * FROM t WHERE a >= ? AND b <> ? AND c || d'],
    ['trailing semicolon', 'SELECT 1;', 'SELECT ?'],
    ['identifiers with digits are not numbers', 'SELECT col1, t2.c3 FROM table9', 'SELECT col1, t2.c3 FROM table9'],
    ['LIMIT and OFFSET values', 'SELECT * FROM t LIMIT 10 OFFSET 20', 'SELECT * FROM t LIMIT ? OFFSET ?'],
    ['redis keys with ids', 'GET user:42:cart', 'GET user:?:cart'],
    ['redis hex ids', 'GET session:8f3a9c2e11aa4b7d', 'GET session:?'],
    ['redis values', 'SET reservation:5512 1 EX 300', 'SET reservation:? ? EX ?'],
    ['mongo documents keep keys, lose values', '{"user": "u-7", "ts": {"$gt": 1717999999}, "tags": ["a", "b"]}', '{"user": ?, "ts": {"$gt": ?}, "tags": [?]}'],
    ['empty', '   ', ''],
    ['unterminated string does not throw', "SELECT 'abc", 'SELECT ?'],
  ])('%s', (_why, input, expected) => {
    expect(normalizeStatement(input)).toBe(expected);
  });

  it('gives the same shape to the statements an ORM loop sends', () => {
    const shapes = new Set(
      [
        'SELECT id, sku FROM order_items WHERE order_id = 1',
        'SELECT id, sku FROM order_items WHERE order_id = 22 ',
        'select id, sku from order_items where order_id=333',
        'SELECT id, sku\n  FROM order_items\n WHERE order_id = 4444 /* controller=orders */',
      ].map(normalizeStatement),
    );
    expect([...shapes]).toEqual(['SELECT id, sku FROM order_items WHERE order_id = ?']);
  });

  it('keeps statements of different shape apart', () => {
    expect(normalizeStatement('SELECT * FROM a WHERE id = 1')).not.toBe(normalizeStatement('SELECT * FROM b WHERE id = 1'));
    expect(normalizeStatement('SELECT * FROM a WHERE id = 1')).not.toBe(normalizeStatement('SELECT * FROM a WHERE ref = 1'));
    expect(normalizeStatement('SELECT * FROM a WHERE x IS NULL')).not.toBe(normalizeStatement('SELECT * FROM a WHERE x = 1'));
  });

  // SQL-ish token soup: whatever the mix, normalizing is stable and ignores literal values and spacing.
  const tokens = fc.constantFrom(
    'SELECT', 'select', 'FROM', 'where', 'AND', 'IN', 'VALUES', 'users', 'u.id', '"Col"', 'count', '(', ')', ',', '=',
    '>=', '-', '::', 'text', '?', '$1', ':name', "'s'", "'it''s'", '42', '-7', '3.5', 'NULL', 'true', 'key:12', '[', ']', ';',
  );

  it('is idempotent', () => {
    fc.assert(
      fc.property(fc.array(tokens, { maxLength: 30 }), fc.constantFrom(' ', '  ', '\n'), (parts, sep) => {
        const once = normalizeStatement(parts.join(sep));
        expect(normalizeStatement(once)).toBe(once);
      }),
      { numRuns: 500 },
    );
  });

  it('does not depend on the literal values or the amount of whitespace', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(tokens, fc.constant('#n'), fc.constant('#s')), { maxLength: 30 }),
        fc.array(fc.integer({ min: 0, max: 1_000_000 })),
        (parts, values) => {
          let k = 0;
          const fill = (p: string): string =>
            p === '#n' ? String(values[k++ % Math.max(1, values.length)] ?? 0) : p === '#s' ? `'v${k++}'` : p;
          const a = normalizeStatement(parts.map(fill).join(' '));
          const b = normalizeStatement(parts.map(fill).join(' \n\t '));
          expect(a).toBe(b);
        },
      ),
      { numRuns: 500 },
    );
  });
});
