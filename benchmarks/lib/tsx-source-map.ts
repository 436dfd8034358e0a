import { readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Maps positions in code that tsx generated back to lines of the .ts source.
 * A --cpu-prof profile of a process started with `--import tsx` reports
 * positions in esbuild's output, which is whitespace-minified (everything on
 * line 1). tsx keeps each transform, with its source map, in a cache dir
 * (<tmpdir>/tsx-<uid>/, JSON {code, map}); we read the maps from there.
 */

interface RawMap {
  sources: string[];
  mappings: string;
}

interface Segment {
  genLine: number;
  genCol: number;
  srcLine: number;
}

interface CacheEntry {
  mtimeMs: number;
  file: string;
  segments?: Segment[];
}

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const BASE64_VALUE = new Map([...BASE64].map((c, i) => [c, i]));

/** Decodes a source map's `mappings` into (generated line, column) → source line, sorted. */
export function decodeMappings(mappings: string): Segment[] {
  const out: Segment[] = [];
  let genLine = 0;
  let genCol = 0;
  let srcLine = 0;
  let pos = 0;
  const fields: number[] = [];
  const readVlq = (): number => {
    let value = 0;
    let shift = 0;
    for (;;) {
      const digit = BASE64_VALUE.get(mappings[pos++] ?? '');
      if (digit === undefined) throw new Error('bad VLQ in source map');
      value += (digit & 31) << shift;
      if ((digit & 32) === 0) break;
      shift += 5;
    }
    return value & 1 ? -(value >>> 1) : value >>> 1;
  };
  while (pos < mappings.length) {
    const c = mappings[pos];
    if (c === ';') {
      genLine++;
      genCol = 0;
      pos++;
      continue;
    }
    if (c === ',') {
      pos++;
      continue;
    }
    fields.length = 0;
    while (pos < mappings.length && mappings[pos] !== ',' && mappings[pos] !== ';') fields.push(readVlq());
    genCol += fields[0] ?? 0;
    if (fields.length >= 4) {
      srcLine += fields[2] ?? 0;
      out.push({ genLine, genCol, srcLine });
    }
  }
  return out;
}

export class TsxSourceMaps {
  private readonly bySource = new Map<string, CacheEntry[]>();

  /** Indexes tsx's cache; entries newer than `notAfterMs` (the profile's time) are ignored. */
  constructor(notAfterMs: number, dir = join(tmpdir(), `tsx-${process.getuid?.() ?? 0}`)) {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return;
    }
    for (const name of names) {
      const file = join(dir, name);
      let mtimeMs: number;
      let source: string | undefined;
      try {
        mtimeMs = statSync(file).mtimeMs;
        if (mtimeMs > notAfterMs) continue;
        // The map is at the end; its "sources" names the .ts file.
        const text = readFileSync(file, 'utf8');
        const m = /"sources":\s*\[\s*"((?:[^"\\]|\\.)*)"/.exec(text) ?? /\\"sources\\":\s*\[\s*\\"((?:[^"\\]|\\.)*?)\\"/.exec(text);
        source = m?.[1];
      } catch {
        continue;
      }
      if (!source) continue;
      const list = this.bySource.get(source) ?? [];
      list.push({ mtimeMs, file });
      this.bySource.set(source, list);
    }
    // Newest first: the transform of the file as it was when the profile ran.
    for (const list of this.bySource.values()) list.sort((a, b) => b.mtimeMs - a.mtimeMs);
  }

  /** 1-based source line for a 0-based generated position in `sourcePath`, if known. */
  lookup(sourcePath: string, line: number, column: number): number | undefined {
    const entry = this.bySource.get(sourcePath)?.[0];
    if (!entry) return undefined;
    if (!entry.segments) {
      try {
        const parsed = JSON.parse(readFileSync(entry.file, 'utf8')) as { map?: RawMap | string };
        const map = typeof parsed.map === 'string' ? (JSON.parse(parsed.map) as RawMap) : parsed.map;
        entry.segments = map ? decodeMappings(map.mappings) : [];
      } catch {
        entry.segments = [];
      }
    }
    const segs = entry.segments;
    // Last segment at or before (line, column).
    let lo = 0;
    let hi = segs.length - 1;
    let found: Segment | undefined;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const s = segs[mid] as Segment;
      if (s.genLine < line || (s.genLine === line && s.genCol <= column)) {
        found = s;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found ? found.srcLine + 1 : undefined;
  }
}
