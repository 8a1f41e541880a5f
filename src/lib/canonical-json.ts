// JSON with object keys sorted (safe-stable-stringify, deterministic by default): equal values give one text
// whatever order their keys were set in, so it can key a cache.
import { hash } from 'node:crypto';
import stringify from 'safe-stable-stringify';

export const canonicalJson = stringify as (value: unknown) => string;

/**
 * A key for a cache that keeps its keys long (the answers the answer cache keeps, sought by it): the
 * SHA-256 of the canonical JSON, 43 characters. The JSON itself is built piece by piece, and kept as a key it held
 * a tree of small strings (~2 KB sampled per request key, `HeapProfiler.startSampling`) that lived long enough to be
 * promoted by each scavenge and died old (issue 16). A cryptographic digest: two requests never share a key by
 * accident, nor by a caller's design, so one never gets another's answer.
 */
export function canonicalKey(value: unknown): string {
  return digest(canonicalJson(value));
}

/** The SHA-256 of `text`, 43 characters: a key that stands for a longer text a cache need not keep. */
export function digest(text: string): string {
  return hash('sha256', text, 'base64url');
}
