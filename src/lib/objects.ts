// Objects made on every request from another object and more fields. On Node 20 (V8 11.3) an object literal that
// starts with a spread and then gets fields its source lacks (`{ ...base, more }`, `{ ...a, ...b }`, or a field set
// on `{ ...base }` afterwards) is kept by each young-generation collection as if it were reachable: copied by two
// scavenges and promoted to the old generation with all it references, where only a full collection frees it. A loop
// that keeps none of them spends 1,000–3,300 ns a copy, GC included, against 50–100 for Object.assign or a literal
// whose own fields come first (`{ more, ...base }`), neither of which survives a scavenge (issue 16; bench/RESULTS.md,
// the notes after section 51). Code on an answer's path builds such objects one of those two ways.

/**
 * `{ ...base, ...fields }`: the same own properties in the same order (a field of `fields` replaces the one of `base`
 * in place), made by Object.assign. For objects whose keys are the program's own: Object.assign sets `__proto__` as the
 * prototype where a spread defines a property of that name.
 */
export function extend<A extends object, B extends object>(base: A, fields: B): Omit<A, keyof B> & B {
  return Object.assign({}, base, fields);
}

/**
 * `{ ...a, ...b }` for records whose keys come from outside (image properties, extra specs): every key an own property,
 * `__proto__` included, a key of `b` replacing that of `a` in place, as a spread does.
 */
export function mergeRecords<V>(a: Readonly<Record<string, V>>, b: Readonly<Record<string, V>>): Record<string, V> {
  return Object.fromEntries([...Object.entries(a), ...Object.entries(b)]);
}
