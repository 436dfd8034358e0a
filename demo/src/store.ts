import { setTimeout as sleep } from 'node:timers/promises';

/**
 * The fleet's "database": an in-memory table store standing in for a shared
 * SQL server. Statements are real (the text goes into db.statement) and are
 * executed against real rows; latency is an I/O wait drawn from a log-normal
 * distribution (what a network round trip to a database looks like), so DB
 * client spans have realistic, skewed durations.
 */

export interface Row {
  id: number;
  payload: string;
  updated_at: number;
}

export type StatementOp = 'select' | 'insert' | 'update';

export interface Statement {
  op: StatementOp;
  table: string;
  text: string;
  ids: number[];
}

/** SQL text of a statement over `count` ids: a batched IN (...) read or a single-row one. */
export function statementText(op: StatementOp, table: string, count: number): string {
  switch (op) {
    case 'select':
      return count > 1 ? `SELECT id, payload, updated_at FROM ${table} WHERE id IN (${Array.from({ length: count }, () => '?').join(', ')})` : `SELECT id, payload, updated_at FROM ${table} WHERE id = ?`;
    case 'insert':
      return `INSERT INTO ${table} (id, payload, updated_at) VALUES (?, ?, ?)`;
    case 'update':
      return `UPDATE ${table} SET payload = ?, updated_at = ? WHERE id = ?`;
  }
}

/** A log-normal draw with the given median and shape (sigma of the underlying normal). */
export function logNormal(median: number, sigma: number, random: () => number = Math.random): number {
  const u1 = Math.max(random(), 1e-12);
  const u2 = random();
  const z = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  return median * Math.exp(sigma * z);
}

export class MemoryStore {
  readonly #tables = new Map<string, Map<number, Row>>();
  readonly #rowsPerTable: number;

  constructor(rowsPerTable = 2_000) {
    this.#rowsPerTable = rowsPerTable;
  }

  #table(name: string): Map<number, Row> {
    let t = this.#tables.get(name);
    if (!t) {
      t = new Map();
      for (let id = 1; id <= this.#rowsPerTable; id++) t.set(id, { id, payload: `${name}#${id}`, updated_at: 0 });
      this.#tables.set(name, t);
    }
    return t;
  }

  randomIds(table: string, count: number): number[] {
    const size = this.#table(table).size;
    return Array.from({ length: count }, () => 1 + Math.floor(Math.random() * size));
  }

  /**
   * Executes a statement. `fullScanMs` > 0 models a lost index (the slow_db
   * fault): the read walks every row and waits that much longer on I/O.
   */
  async execute(st: Statement, fullScanMs = 0): Promise<Row[]> {
    const table = this.#table(st.table);
    await sleep(logNormal(st.op === 'select' ? 1.2 : 2.5, 0.5) + fullScanMs);
    const now = Date.now();
    switch (st.op) {
      case 'select': {
        if (fullScanMs > 0) {
          const wanted = new Set(st.ids);
          return [...table.values()].filter((r) => wanted.has(r.id));
        }
        return st.ids.flatMap((id) => {
          const r = table.get(id);
          return r ? [r] : [];
        });
      }
      case 'insert': {
        const id = table.size + 1;
        const row = { id, payload: `${st.table}#${id}`, updated_at: now };
        // Keep tables bounded: a long demo run must not grow memory without a fault asking for it.
        if (table.size >= this.#rowsPerTable * 2) table.delete(table.keys().next().value as number);
        table.set(id, row);
        return [row];
      }
      case 'update': {
        const r = table.get(st.ids[0] ?? 1);
        if (r) r.updated_at = now;
        return r ? [r] : [];
      }
    }
  }
}
