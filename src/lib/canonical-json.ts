// JSON with object keys sorted (safe-stable-stringify, deterministic by default): equal values give one text
// whatever order their keys were set in, so it can key a cache.
import stringify from 'safe-stable-stringify';

export const canonicalJson = stringify as (value: unknown) => string;
