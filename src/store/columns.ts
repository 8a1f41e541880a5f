// Column maps: one declaration per table says which column holds which model field, and drives both the
// write (the JSON records jsonb_to_record(set) turns into rows) and the read (SELECT list, row → model).
// Values pass through unchanged both ways: pg reads back integer, double precision, boolean, jsonb and text[]
// (selected as json: `select`) as the same JS values JSON.stringify wrote (node-postgres docs, "Data Types").

/**
 * The column types that read back as a model value of type V (null is a NULL of any of them);
 * jsonb_to_record(set) converts each written JSON value to the column's type.
 */
type SqlTypeFor<V> = [V] extends [boolean]
  ? 'boolean'
  : [V] extends [number]
    ? 'integer' | 'double precision'
    : [V] extends [string]
      ? 'text'
      : [V] extends [string[]]
        ? 'text[]'
        : 'jsonb';

export interface Column<V> {
  readonly column: string;
  readonly sqlType: SqlTypeFor<NonNullable<V>>;
}

/**
 * Every field of the model M, each held by one column or, for a nested object whose fields have columns
 * of their own, by a nested map. Mapped over all keys, so a model field without a column does not compile.
 */
export type ColumnMap<M> = {
  readonly [K in keyof M]-?:
    | Column<M[K]>
    | (M[K] extends readonly unknown[] ? never : M[K] extends object ? ColumnMap<M[K]> : never);
};

/** A row as pg gives it, or as written for jsonb_to_record(set): values by column name. */
export type Row = Record<string, unknown>;

export interface Table<M> {
  readonly name: string;
  /** The mapped columns in map order, comma-separated: for INSERT, SELECT and RETURNING lists. */
  readonly columns: string;
  /**
   * The SELECT list of `columns`, each under its own name, text[] columns as JSON (`array_to_json`): pg parses json
   * with JSON.parse, where its text-array parser (postgres-array, a JS loop per character) cost a 15,000-host
   * snapshot's load 0.6–1.9 s of CPU on PostgreSQL (issue 16; src/store/README.md).
   */
  readonly select: string;
  /** `column type, …`: the record type jsonb_to_record(set) reads each JSON object as. */
  readonly recordType: string;
  /** Adds the model's values to `row` under their columns and returns it (one JSON record to write). */
  encode(model: M, row: Row): Row;
  /** The model a row read with `columns` holds, its fields in map order. */
  decode(row: Row): M;
}

/** The map compiled once into a tree: no closures or key lists are made per row. */
type Field = { key: string; column: string } | { key: string; fields: Field[] };

export function defineTable<M>(name: string, map: ColumnMap<M>): Table<M> {
  const columns: Column<unknown>[] = [];
  const fields = compile(map, columns);
  return {
    name,
    columns: columns.map((c) => c.column).join(', '),
    // Column<unknown> types sqlType as jsonb only; the compiled columns hold every kind.
    select: columns.map((c) => ((c.sqlType as string) === 'text[]' ? `array_to_json(${c.column}) AS ${c.column}` : c.column)).join(', '),
    recordType: columns.map((c) => `${c.column} ${c.sqlType}`).join(', '),
    encode: (model, row) => encode(fields, model as Row, row),
    decode: compileDecoder(fields) as (row: Row) => M,
  };
}

function compile(map: object, columns: Column<unknown>[]): Field[] {
  return Object.entries(map).map(([key, spec]: [string, Column<unknown> | object]): Field => {
    // A leaf's `column` is a string; a nested map's (were a model field called so) would be a map.
    if ('column' in spec && typeof spec.column === 'string') {
      columns.push(spec as Column<unknown>);
      return { key, column: spec.column };
    }
    return { key, fields: compile(spec, columns) };
  });
}

function encode(fields: Field[], model: Row, row: Row): Row {
  for (const f of fields) {
    if ('column' in f) row[f.column] = model[f.key];
    else encode(f.fields, model[f.key] as Row, row);
  }
  return row;
}

/**
 * The decoder is one object literal, `(row) => ({ "id": row["id"], … })`, as a hand-written mapper would
 * be. Assigning the fields in a loop instead is a keyed store per field that V8 cannot specialise:
 * measured 5–8× slower (200–300 ms against 30–60 ms for 165,000 PCI providers), main-thread time added to
 * every load of a large snapshot. The source is built from the maps in tables.ts only, every key and
 * column quoted by JSON.stringify.
 */
function compileDecoder(fields: Field[]): (row: Row) => unknown {
  const value = (f: Field): string => ('column' in f ? `row[${JSON.stringify(f.column)}]` : literal(f.fields));
  const literal = (level: Field[]): string =>
    `{ ${level.map((f) => `${JSON.stringify(f.key)}: ${value(f)}`).join(', ')} }`;
  return new Function('row', `return ${literal(fields)};`) as (row: Row) => unknown;
}
