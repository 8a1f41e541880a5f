// A string's 32-bit FNV-1a hash, for the typed-array hash tables that keep keys off the JS heap (advisor/lookup.ts,
// lib/recent-keys.ts).

/** FNV-1a over the UTF-16 code units (http://www.isthe.com/chongo/tech/comp/fnv/): spreads ids and names evenly. */
export function fnv1a(key: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}
