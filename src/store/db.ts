/** The one data-access seam: plain PostgreSQL SQL over PGlite (embedded) or a PostgreSQL server. */
export type Row = Record<string, unknown>;

export interface Queryable {
  query<T = Row>(sql: string, params?: readonly unknown[]): Promise<T[]>;
}

export interface Db extends Queryable {
  readonly kind: 'pglite' | 'postgres';
  /** Runs `fn` in one transaction; commits when it resolves, rolls back when it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Runs a script of several statements (migrations) in one transaction. */
  execScript(sql: string): Promise<void>;
  close(): Promise<void>;
}

/** Builds `($1, $2), ($3, $4)` placeholders for a multi-row insert. */
export function valuesList(rows: number, columns: number, start = 1): string {
  const out: string[] = [];
  let n = start;
  for (let r = 0; r < rows; r++) {
    const cols: string[] = [];
    for (let c = 0; c < columns; c++) cols.push(`$${n++}`);
    out.push(`(${cols.join(', ')})`);
  }
  return out.join(', ');
}
