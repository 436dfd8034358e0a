/**
 * Database statement → its shape, so the calls a loop makes with different
 * values group together: what an N+1 or slow-statement finding is "about".
 * Follows the usual obfuscation rules (pg_stat_statements' query ids, Sentry's
 * parameterized span descriptions, Datadog's SQL obfuscator):
 *
 * - literals (strings, numbers, booleans, hex/bit strings, dollar-quoted
 *   strings) and bind placeholders of every driver ($1, ?, :name, %s,
 *   %(name)s, @p1) become `?`;
 * - a list made only of `?` becomes `(?)`, so `IN (1, 2, 3)` and `IN (4)` match,
 *   and repeated identical tuples (`VALUES (?), (?)`) collapse to one;
 * - comments are dropped (sqlcommenter puts a traceparent in each one);
 * - whitespace is canonical and SQL keywords are upper-cased; identifiers keep
 *   their case and quoting (they name different things in some databases);
 * - `key:123` segments in key-value commands (Redis) become `key:?`;
 * - JSON query documents (MongoDB) keep their keys and lose their values.
 *
 * It is a tokenizer, not a parser: one linear pass, no backtracking, so a
 * malformed statement still yields a stable shape.
 */

const KEYWORDS: ReadonlySet<string> = new Set(
  (
    'SELECT FROM WHERE AND OR NOT IN IS NULL LIKE ILIKE BETWEEN EXISTS INSERT INTO VALUES UPDATE SET DELETE ' +
    'JOIN INNER LEFT RIGHT FULL OUTER CROSS NATURAL ON USING AS ORDER BY GROUP HAVING LIMIT OFFSET FETCH FIRST ' +
    'NEXT ROWS ROW ONLY DISTINCT UNION ALL INTERSECT EXCEPT ASC DESC NULLS LAST CASE WHEN THEN ELSE END ' +
    'RETURNING WITH RECURSIVE CREATE TABLE INDEX DROP ALTER ADD COLUMN PRIMARY KEY FOREIGN REFERENCES DEFAULT ' +
    'CONFLICT DO NOTHING DUPLICATE REPLACE IGNORE TRUNCATE BEGIN COMMIT ROLLBACK SAVEPOINT RELEASE TRANSACTION ' +
    'START FOR SHARE NOWAIT SKIP LOCKED ANY SOME ARRAY CAST INTERVAL LATERAL OVER PARTITION WINDOW FILTER ' +
    'MERGE MATCHED EXPLAIN ANALYZE SHOW DESCRIBE USE VIEW TEMPORARY IF'
  ).split(' '),
);

/** Literal keywords: a different boolean is a different value, not a different query. */
const LITERAL_KEYWORDS: ReadonlySet<string> = new Set(['TRUE', 'FALSE']);

const enum T {
  Word,
  Keyword,
  Placeholder,
  Operator,
  Open,
  Close,
  Comma,
  Dot,
  Cast,
  Colon,
  Semicolon,
}

const CACHE_LIMIT = 4096;
// The same few hundred statement texts recur across tens of thousands of
// traces (ORMs with bind parameters send identical text); a bounded memo makes
// the common case a map lookup. Cleared wholesale when full: simpler than an
// LRU and the working set refills in a few traces.
const cache = new Map<string, string>();

export function normalizeStatement(statement: string): string {
  const hit = cache.get(statement);
  if (hit !== undefined) return hit;
  const normalized = tokenizeAndJoin(statement);
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(statement, normalized);
  return normalized;
}

function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13) || c === 0xa0;
}
function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}
function isWordStart(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c > 127;
}
function isWordChar(c: number): boolean {
  return isWordStart(c) || isDigit(c) || c === 36; /* $ */
}
function isOperatorChar(c: number): boolean {
  // = < > ! | & + - * / % ^ ~
  return c === 61 || c === 60 || c === 62 || c === 33 || c === 124 || c === 38 || c === 43 || c === 45 ||
    c === 42 || c === 47 || c === 37 || c === 94 || c === 126;
}

function tokenizeAndJoin(s: string): string {
  const text: string[] = [];
  const types: T[] = [];
  const opens: number[] = [];
  const n = s.length;
  let first = 0;
  while (first < n && isSpace(s.charCodeAt(first))) first++;
  // A statement that is a JSON document (MongoDB's query text) has values in
  // double quotes; in SQL double quotes are identifiers.
  const json = s.charCodeAt(first) === 123 /* { */ || s.charCodeAt(first) === 91; /* [ */

  const push = (t: string, type: T): void => {
    text.push(t);
    types.push(type);
  };
  /** A sign glued to a number is part of the literal when it cannot be a binary minus. */
  const signCanStartNumber = (): boolean => {
    const p = types[types.length - 1];
    return p === undefined || p === T.Operator || p === T.Open || p === T.Comma || p === T.Keyword || p === T.Colon;
  };

  let i = first;
  while (i < n) {
    const c = s.charCodeAt(i);
    const next = i + 1 < n ? s.charCodeAt(i + 1) : -1;
    if (isSpace(c)) {
      i++;
    } else if (c === 45 && next === 45) {
      // -- line comment
      i += 2;
      while (i < n && s.charCodeAt(i) !== 10) i++;
    } else if (c === 47 && next === 42) {
      // /* block comment */
      const close = s.indexOf('*/', i + 2);
      i = close < 0 ? n : close + 2;
    } else if (c === 39) {
      i = skipQuoted(s, i, 39);
      push('?', T.Placeholder);
    } else if (c === 34) {
      const end = skipQuoted(s, i, 34);
      if (json && !followedByColon(s, end)) push('?', T.Placeholder);
      else push(s.slice(i, end), T.Word);
      i = end;
    } else if (c === 96) {
      const end = skipQuoted(s, i, 96);
      push(s.slice(i, end), T.Word);
      i = end;
    } else if (isDigit(c) || (c === 46 && isDigit(next))) {
      i = skipNumber(s, i);
      push('?', T.Placeholder);
    } else if ((c === 45 || c === 43) && (isDigit(next) || next === 46) && signCanStartNumber()) {
      i = skipNumber(s, i + 1);
      push('?', T.Placeholder);
    } else if (c === 36 /* $ */) {
      if (isDigit(next)) {
        i += 2;
        while (i < n && isDigit(s.charCodeAt(i))) i++;
        push('?', T.Placeholder);
      } else {
        const end = skipDollarQuoted(s, i);
        if (end === i + 1) push('$', T.Operator);
        else push('?', T.Placeholder);
        i = end;
      }
    } else if (c === 63 /* ? */) {
      i++;
      while (i < n && isDigit(s.charCodeAt(i))) i++;
      push('?', T.Placeholder);
    } else if (c === 37 /* % */ && (next === 115 || next === 100 || next === 40) /* s d ( */) {
      if (next === 40) {
        const close = s.indexOf(')', i);
        i = close < 0 ? n : close + 2; // %(name)s
      } else {
        i += 2;
      }
      push('?', T.Placeholder);
    } else if (c === 58 /* : */) {
      if (next === 58) {
        i += 2;
        push('::', T.Cast);
      } else if (!json && (isWordStart(next) || isDigit(next))) {
        i += 2;
        while (i < n && isWordChar(s.charCodeAt(i))) i++;
        push('?', T.Placeholder);
      } else {
        i++;
        push(':', json ? T.Colon : T.Operator);
      }
    } else if (c === 64 /* @ */ && isWordStart(next)) {
      i += 2;
      while (i < n && isWordChar(s.charCodeAt(i))) i++;
      push('?', T.Placeholder);
    } else if (isWordStart(c)) {
      const start = i;
      i = skipWord(s, i);
      const word = s.slice(start, i);
      if (i < n && s.charCodeAt(i) === 39 && i - start <= 2 && /^(?:[ENXBU]|U&)$/i.test(word)) {
        // E'..', N'..', X'..', B'..': prefixed string literals
        i = skipQuoted(s, i, 39);
        push('?', T.Placeholder);
        continue;
      }
      const upper = word.toUpperCase();
      if (LITERAL_KEYWORDS.has(upper)) push('?', T.Placeholder);
      else if (KEYWORDS.has(upper)) push(upper, T.Keyword);
      else push(word.includes(':') ? normalizeKeySegments(word) : word, T.Word);
    } else if (c === 40 /* ( */ || c === 91 /* [ */ || c === 123 /* { */) {
      opens.push(text.length);
      push(s[i] as string, T.Open);
      i++;
    } else if (c === 41 /* ) */ || c === 93 /* ] */ || c === 125 /* } */) {
      push(s[i] as string, T.Close);
      i++;
      const open = opens.pop();
      if (open !== undefined) collapseGroup(text, types, open);
    } else if (c === 44) {
      push(',', T.Comma);
      i++;
    } else if (c === 46) {
      push('.', T.Dot);
      i++;
    } else if (c === 59) {
      push(';', T.Semicolon);
      i++;
    } else if (isOperatorChar(c)) {
      const start = i;
      i++;
      while (i < n) {
        const d = s.charCodeAt(i);
        if (!isOperatorChar(d)) break;
        // `=-5`: the sign belongs to the number, not the operator
        if ((d === 45 || d === 43) && i + 1 < n && isDigit(s.charCodeAt(i + 1))) break;
        // `=--comment`
        if (d === 45 && i + 1 < n && s.charCodeAt(i + 1) === 45) break;
        i++;
      }
      push(s.slice(start, i), T.Operator);
    } else {
      push(s[i] as string, T.Operator);
      i++;
    }
  }
  while (types[types.length - 1] === T.Semicolon) {
    text.pop();
    types.pop();
  }
  return join(text, types);
}

/** Index just past a quoted run starting at `i`; doubled quotes and backslash escapes stay inside. */
function skipQuoted(s: string, i: number, quote: number): number {
  const n = s.length;
  let j = i + 1;
  while (j < n) {
    const c = s.charCodeAt(j);
    if (c === 92 /* \ */) {
      j += 2;
    } else if (c === quote) {
      if (j + 1 < n && s.charCodeAt(j + 1) === quote) j += 2;
      else return j + 1;
    } else {
      j++;
    }
  }
  return n;
}

function followedByColon(s: string, i: number): boolean {
  let j = i;
  while (j < s.length && isSpace(s.charCodeAt(j))) j++;
  return s.charCodeAt(j) === 58;
}

function skipNumber(s: string, i: number): number {
  const n = s.length;
  let j = i;
  if (s.charCodeAt(j) === 48 && (s.charCodeAt(j + 1) | 32) === 120 /* 0x */) {
    j += 2;
    while (j < n && /[0-9a-fA-F]/.test(s[j] as string)) j++;
    return j;
  }
  while (j < n && (isDigit(s.charCodeAt(j)) || s.charCodeAt(j) === 46)) j++;
  if (j < n && (s.charCodeAt(j) | 32) === 101 /* e */) {
    let k = j + 1;
    if (s.charCodeAt(k) === 43 || s.charCodeAt(k) === 45) k++;
    if (isDigit(s.charCodeAt(k))) {
      j = k;
      while (j < n && isDigit(s.charCodeAt(j))) j++;
    }
  }
  return j;
}

/** `$$ … $$` or `$tag$ … $tag$`; returns i + 1 for a lone `$`. */
function skipDollarQuoted(s: string, i: number): number {
  let j = i + 1;
  while (j < s.length && isWordChar(s.charCodeAt(j)) && s.charCodeAt(j) !== 36) j++;
  if (s.charCodeAt(j) !== 36) return i + 1;
  const tag = s.slice(i, j + 1);
  const close = s.indexOf(tag, j + 1);
  return close < 0 ? s.length : close + tag.length;
}

/** Identifier characters, plus `.` between parts (`schema.table`) and `:` inside keys (`user:42`), not `::`. */
function skipWord(s: string, i: number): number {
  const n = s.length;
  let j = i + 1;
  while (j < n) {
    const c = s.charCodeAt(j);
    if (isWordChar(c)) {
      j++;
    } else if (c === 46 && j + 1 < n && isWordChar(s.charCodeAt(j + 1)) && s.charCodeAt(j + 1) !== 36) {
      j += 2;
    } else if (c === 58 && j + 1 < n && (isWordChar(s.charCodeAt(j + 1)) || s.charCodeAt(j + 1) === 63) && s.charCodeAt(j + 1) !== 36) {
      // `user:42`, and `user:?` so a normalized key normalizes to itself
      j += 2;
    } else {
      break;
    }
  }
  return j;
}

/** `user:42:cart` → `user:?:cart`: ids inside a key-value store key. */
function normalizeKeySegments(word: string): string {
  return word
    .split(':')
    .map((part) => (/^(?:\d+|[0-9a-f]{8,})$/i.test(part) && /\d/.test(part) ? '?' : part))
    .join(':');
}

/**
 * After a closing bracket: a group holding only placeholders becomes one
 * placeholder, and a group equal to the one before it (`(?), (?)`) is dropped.
 */
function collapseGroup(text: string[], types: T[], open: number): void {
  const close = text.length - 1;
  const inner = close - open - 1;
  if (inner > 1 && (inner & 1) === 1) {
    let onlyPlaceholders = true;
    for (let k = open + 1; k < close; k++) {
      if (types[k] !== ((k - open) % 2 === 1 ? T.Placeholder : T.Comma)) {
        onlyPlaceholders = false;
        break;
      }
    }
    if (onlyPlaceholders) {
      const closer = text[close] as string;
      text.length = open + 1;
      types.length = open + 1;
      text.push('?', closer);
      types.push(T.Placeholder, T.Close);
    }
  }
  const size = text.length - open;
  const prevEnd = open - 1; // the comma before this group
  const prevStart = prevEnd - size;
  if (prevStart < 0 || types[prevEnd] !== T.Comma || types[prevStart] !== T.Open) return;
  for (let k = 0; k < size; k++) {
    if (text[prevStart + k] !== text[open + k]) return;
  }
  text.length = prevEnd;
  types.length = prevEnd;
}

function join(text: readonly string[], types: readonly T[]): string {
  let out = '';
  for (let k = 0; k < text.length; k++) {
    const t = types[k] as T;
    const p = k === 0 ? undefined : types[k - 1];
    let space = p !== undefined;
    if (p === T.Open || p === T.Dot || p === T.Cast) space = false;
    if (t === T.Close || t === T.Comma || t === T.Dot || t === T.Cast || t === T.Colon || t === T.Semicolon) space = false;
    // `count(*)`, `users(id, name)`, `ARRAY[…]`, `a[1]`: a bracket glued to what it applies to
    if (t === T.Open && (p === T.Word || (text[k] === '[' && (p === T.Close || text[k - 1] === 'ARRAY')))) space = false;
    if (space) out += ' ';
    out += text[k];
  }
  return out;
}
