// Column maps: one declaration per table says which column holds which model field, and drives the
// write (the JSON records jsonb_to_record(set) turns into rows), the read (SELECT list, row → model) and a snapshot
// pack's columns (snapshots.ts).
// Values pass through unchanged both ways: pg reads back integer, double precision, boolean, jsonb and text[]
// (selected as json: `select`) as the same JS values JSON.stringify wrote (node-postgres docs, "Data Types").
// Values that repeat across rows (`shared`) are read as text and made once per distinct text (src/lib/sharing.ts).
import { AS_PARSED, type JsonKind, type Sharing } from '../lib/sharing.ts';

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
  /**
   * Rows repeat the value (a trait list, a resource class, a project id): a load gives every row with the same value
   * one shared string, list or object (`Table.load`) rather than a copy each. A text, text[] or jsonb column.
   */
  readonly shared?: true;
}

/**
 * A nested object whose fields have columns of their own and which rows repeat as a whole (a PCI provider's
 * inventory): a load reads its columns as one JSON array and gives every row with the same values one shared object.
 */
export interface SharedRecord<M> {
  readonly sharedRecord: ColumnMap<M>;
}

/**
 * Every field of the model M, each held by one column or, for a nested object whose fields have columns
 * of their own, by a nested map. Mapped over all keys, so a model field without a column does not compile.
 */
export type ColumnMap<M> = {
  readonly [K in keyof M]-?:
    | Column<M[K]>
    | (M[K] extends readonly unknown[] ? never : M[K] extends object ? ColumnMap<M[K]> | SharedRecord<M[K]> : never);
};

/** A row as pg gives it, or as written for jsonb_to_record(set): values by column name. */
export type Row = Record<string, unknown>;

export interface Table<M> {
  readonly name: string;
  /** The mapped columns in map order, comma-separated: for INSERT, SELECT and RETURNING lists. */
  readonly columns: string;
  /**
   * The SELECT list a load reads rows with (`load`), in map order: text[] columns as JSON (`array_to_json`), since pg
   * parses json with JSON.parse, where its text-array parser (postgres-array, a JS loop per character) cost a
   * 15,000-host snapshot's load 0.6–1.9 s of CPU on PostgreSQL (issue 16; src/store/README.md); shared columns as
   * text (`::text`), a shared record as the text of one JSON array of its columns (`json_build_array`).
   */
  readonly select: string;
  /** `column type, …`: the record type jsonb_to_record(set) reads each JSON object as. */
  readonly recordType: string;
  /** Adds the model's values to `row` under their columns and returns it (one JSON record to write). */
  encode(model: M, row: Row): Row;
  /** The model a row read with `columns` holds, its fields in map order. */
  decode(row: Row): M;
  /**
   * The model a row read with `select` holds, its fields in map order; shared values come from `sharing`, so rows
   * with the same text hold the same string, list or object.
   */
  load(row: Row, sharing: Sharing): M;
  /**
   * How `packer` lays the table out in a snapshot pack (each packed column's field path and kind): a pack whose
   * tables' layouts differ from this code's is not read (src/store/snapshots.ts tags packs with them).
   */
  readonly layout: string;
  /** Collects models into a pack's columns: `add` models in order; `flush` gives the columns of those added since. */
  packer(pack: PackWriter): { add(model: M): void; flush(): PackedColumn[] };
  /** The models of a pack's columns, in order; `pack` holds the strings and values the columns point into. */
  unpack(columns: readonly PackedColumn[], pack: PackContents): M[];
}

/**
 * One column of a table in a snapshot pack: per row an index into the pack's `strings` (shared text) or `values`
 * (shared JSON, a shared record), or the row's value itself.
 */
export type PackedColumn = Int32Array | unknown[];

/** The strings and values a pack's columns point into; index 0 is null in both. */
export interface PackContents {
  strings: readonly (string | null)[];
  values: readonly unknown[];
}

/**
 * Gathers what a pack's shared columns point into: each distinct string once, and each distinct JSON value (list,
 * object) or shared record once by identity, so what rows share (a load's `Sharing`) stays shared when unpacked. A pack
 * is written in parts, each with the strings and values first used in it (`take`), read back in order.
 */
export class PackWriter {
  readonly #strings: (string | null)[] = [null];
  readonly #values: unknown[] = [null];
  readonly #stringIds = new Map<string, number>();
  readonly #valueIds = new Map<unknown, number>();
  #taken = { strings: 0, values: 0 };

  string(value: string | null): number {
    return value === null ? 0 : indexOf(this.#stringIds, this.#strings, value);
  }

  value(value: unknown): number {
    return value === null ? 0 : indexOf(this.#valueIds, this.#values, value);
  }

  /** The strings and values added since the last call, to write with the columns that first point into them. */
  take(): PackContents {
    const added = { strings: this.#strings.slice(this.#taken.strings), values: this.#values.slice(this.#taken.values) };
    this.#taken = { strings: this.#strings.length, values: this.#values.length };
    return added;
  }
}

function indexOf<V>(ids: Map<V, number>, list: V[], value: V): number {
  let id = ids.get(value);
  if (id === undefined) {
    id = list.length;
    list.push(value);
    ids.set(value, id);
  }
  return id;
}

/** The map compiled once into a tree: no closures or key lists are made per row. */
type Field = { key: string; column: Column<unknown> } | { key: string; fields: Field[]; shared: boolean };

export function defineTable<M>(name: string, map: ColumnMap<M>): Table<M> {
  const columns: Column<unknown>[] = [];
  const fields = compile(map, columns, false);
  const aliases = fields.flatMap(sharedRecordAliases);
  const clash = aliases.find((alias) => columns.some((c) => c.column === alias));
  if (clash !== undefined) throw new Error(`${name}: the shared record ${clash} is read under a name a column has`);
  return {
    name,
    columns: columns.map((c) => c.column).join(', '),
    select: fields.flatMap(selected).join(', '),
    recordType: columns.map((c) => `${c.column} ${c.sqlType}`).join(', '),
    encode: (model, row) => encode(fields, model as Row, row),
    decode: compileDecoder(fields) as (row: Row) => M,
    load: compileLoader(fields) as (row: Row, sharing: Sharing) => M,
    ...packing<M>(fields),
  };
}

/** Column types a shared column may have: those read as text (strings) or as JSON text (lists, objects). */
const SHAREABLE: readonly string[] = ['text', 'text[]', 'jsonb'];

function compile(map: object, columns: Column<unknown>[], inSharedRecord: boolean): Field[] {
  return Object.entries(map).map(([key, spec]: [string, Column<unknown> | SharedRecord<object> | object]): Field => {
    // A leaf's `column` is a string; a nested map's (were a model field called so) would be a map.
    if ('column' in spec && typeof spec.column === 'string') {
      const column = spec as Column<unknown>;
      // Column<unknown> types sqlType as jsonb only; the compiled columns hold every kind.
      if (column.shared && (inSharedRecord || !SHAREABLE.includes(column.sqlType as string))) {
        throw new Error(`column ${column.column}: only a text, text[] or jsonb column outside a shared record can be shared`);
      }
      columns.push(column);
      return { key, column };
    }
    if ('sharedRecord' in spec && typeof spec.sharedRecord === 'object') {
      if (inSharedRecord) throw new Error(`${key}: a shared record inside a shared record is shared already`);
      return { key, fields: compile(spec.sharedRecord, columns, true), shared: true };
    }
    return { key, fields: compile(spec, columns, inSharedRecord), shared: false };
  });
}

function sharedRecordAliases(f: Field): string[] {
  if ('column' in f) return [];
  return f.shared ? [f.key] : f.fields.flatMap(sharedRecordAliases);
}

function leaves(f: Field): Column<unknown>[] {
  return 'column' in f ? [f.column] : f.fields.flatMap(leaves);
}

/** The SELECT expressions of a field for `load`. */
function selected(f: Field): string[] {
  if (!('column' in f)) {
    if (!f.shared) return f.fields.flatMap(selected);
    return [`json_build_array(${f.fields.flatMap(leaves).map((c) => c.column).join(', ')})::text AS ${f.key}`];
  }
  const { column, sqlType, shared } = f.column;
  const text = shared ? '::text' : '';
  if ((sqlType as string) === 'text[]') return [`array_to_json(${column})${text} AS ${column}`];
  return [shared && (sqlType as string) === 'jsonb' ? `${column}::text AS ${column}` : column];
}

function encode(fields: Field[], model: Row, row: Row): Row {
  for (const f of fields) {
    if ('column' in f) row[f.column.column] = model[f.key];
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
function literal(level: Field[], value: (f: Field) => string): string {
  return `{ ${level.map((f) => `${JSON.stringify(f.key)}: ${value(f)}`).join(', ')} }`;
}

function compileDecoder(fields: Field[]): (row: Row) => unknown {
  const value = (f: Field): string => ('column' in f ? `row[${JSON.stringify(f.column.column)}]` : literal(f.fields, value));
  return new Function('row', `return ${literal(fields, value)};`) as (row: Row) => unknown;
}

/**
 * The loader, `(row, sharing) => ({ "id": row["id"], "traits": sharing.json(row["traits"], parsed), … })`, the same
 * literal with shared values read through `sharing`. A shared record's kind makes the nested object from the parsed
 * array, `(a) => ({ "total": a[0], … })`, its values in the order `selected` lists its columns.
 */
function compileLoader(fields: Field[]): (row: Row, sharing: Sharing) => unknown {
  const kinds: JsonKind<unknown>[] = [];
  const value = (f: Field): string => {
    if ('column' in f) {
      const { column, sqlType, shared } = f.column;
      const read = `row[${JSON.stringify(column)}]`;
      if (!shared) return read;
      return (sqlType as string) === 'text' ? `sharing.string(${read})` : `sharing.json(${read}, parsed)`;
    }
    if (!f.shared) return literal(f.fields, value);
    let at = 0;
    const element = (inner: Field): string => ('column' in inner ? `a[${at++}]` : literal(inner.fields, element));
    kinds.push(new Function('a', `return ${literal(f.fields, element)};`) as JsonKind<unknown>);
    return `sharing.json(row[${JSON.stringify(f.key)}], kinds[${kinds.length - 1}])`;
  };
  const body = literal(fields, value);
  return new Function('parsed', 'kinds', `return (row, sharing) => (${body});`)(AS_PARSED, kinds) as (row: Row, sharing: Sharing) => unknown;
}

/**
 * How a field is packed: a shared value as an index into the pack's strings (text) or values (JSON, a shared record),
 * so it stays one string or object for all rows; anything else as it is (numbers, booleans, a row's own text or JSON).
 */
type PackedKind = 'string' | 'value' | 'raw';

/** A packed column: the field's path in the model and its kind. A shared record is one column, so it stays shared. */
interface Slot {
  path: string[];
  kind: PackedKind;
}

function kindOf(f: Field): PackedKind {
  if (!('column' in f)) return 'value';
  if (!f.column.shared) return 'raw';
  return (f.column.sqlType as string) === 'text' ? 'string' : 'value';
}

/** Whether the field is a nested map whose fields are packed each on its own (not a column, not a shared record). */
function isNested(f: Field): f is { key: string; fields: Field[]; shared: false } {
  return !('column' in f) && !f.shared;
}

function slots(fields: Field[], path: string[] = []): Slot[] {
  return fields.flatMap((f): Slot[] => (isNested(f) ? slots(f.fields, [...path, f.key]) : [{ path: [...path, f.key], kind: kindOf(f) }]));
}

function packing<M>(fields: Field[]): Pick<Table<M>, 'layout' | 'packer' | 'unpack'> {
  const packed = slots(fields);
  return {
    layout: packed.map((slot) => `${slot.path.join('.')}:${slot.kind}`).join(','),
    packer: (pack) => {
      const empty = () => packed.map((): unknown[] => []);
      let columns = empty();
      return {
        add: (model) => {
          packed.forEach((slot, i) => {
            const value = slot.path.reduce<unknown>((object, key) => (object as Row)[key], model);
            columns[i]!.push(slot.kind === 'string' ? pack.string(value as string | null) : slot.kind === 'value' ? pack.value(value) : value);
          });
        },
        flush: () => {
          // Indexes as an Int32Array: V8 serialises it as its bytes, where an array is a tagged value per element.
          const flushed = columns.map((column, i) => (packed[i]!.kind === 'raw' ? column : Int32Array.from(column as number[])));
          columns = empty();
          return flushed;
        },
      };
    },
    unpack: compileUnpacker(fields) as Table<M>['unpack'],
  };
}

/**
 * The models of packed columns, built by the same kind of object literal as the decoder (`literal`), here per row
 * `{ "id": c0[i], "name": c1[i], "status": S[c2[i]], … }` (an image: its own id and name, a shared status) over the
 * columns in `slots` order.
 */
function compileUnpacker(fields: Field[]): (columns: readonly PackedColumn[], pack: PackContents) => unknown[] {
  let at = 0;
  const value = (f: Field): string => {
    if (isNested(f)) return literal(f.fields, value);
    const column = `c${at++}[i]`;
    return { string: `S[${column}]`, value: `V[${column}]`, raw: column }[kindOf(f)];
  };
  const body = literal(fields, value);
  const locals = Array.from({ length: at }, (_, i) => `c${i} = columns[${i}]`).join(', ');
  return new Function(
    'columns',
    'pack',
    `const S = pack.strings, V = pack.values, ${locals}, models = new Array(c0.length);
    for (let i = 0; i < models.length; i++) models[i] = ${body};
    return models;`,
  ) as (columns: readonly PackedColumn[], pack: PackContents) => unknown[];
}
