// One value per distinct text while reading many rows that repeat themselves: a cloud's 15,000 hosts report a few
// hundred distinct trait lists and 150,000 PCI providers a few dozen inventories, so a load that gives each row its
// own copy holds the same strings and lists thousands of times over (issue 16: two thirds of a 15,000-host
// snapshot's heap). Values handed out are shared by every row with the same text: read them, never write them.

/** The kind of value a JSON text is turned into; texts are shared per kind, so one text may make different values. */
export type JsonKind<T> = (parsed: unknown) => T;

/** JSON as parsed (arrays, objects, strings, numbers): the kind of a plain jsonb or text[] column. */
export const AS_PARSED: JsonKind<unknown> = (parsed) => parsed;

export class Sharing {
  private readonly strings = new Map<string, string>();
  private readonly byKind = new Map<JsonKind<unknown>, Map<string, unknown>>();

  /** The one string of this value. */
  string<S extends string | null>(value: S): S {
    if (value === null) return value;
    const known = this.strings.get(value);
    if (known !== undefined) return known as S;
    this.strings.set(value, value);
    return value;
  }

  /**
   * The one value of this JSON text and kind: parsed (its strings shared too) and made by `kind` the first time the
   * text comes; null for SQL NULL.
   */
  json<T>(text: string | null, kind: JsonKind<T>): T | null {
    if (text === null) return null;
    let values = this.byKind.get(kind);
    if (values === undefined) {
      values = new Map();
      this.byKind.set(kind, values);
    }
    const known = values.get(text);
    if (known !== undefined) return known as T;
    const value = kind(this.shareStrings(JSON.parse(text)));
    values.set(text, value);
    return value;
  }

  /**
   * The value with each string in it replaced by its shared one, in place: only for a value nobody else holds yet
   * (JSON.parse made it, or a snapshot pack was just read: src/store/snapshots.ts).
   */
  shareStrings(value: unknown): unknown {
    if (typeof value === 'string') return this.string(value);
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) value[i] = this.shareStrings(value[i]);
    } else if (value !== null && typeof value === 'object') {
      const record = value as Record<string, unknown>;
      for (const key of Object.keys(record)) record[key] = this.shareStrings(record[key]);
    }
    return value;
  }
}
