// How often each of the last keys asked was asked, in memory made once: the "seen" lists of the caches that keep a
// value only from its key's second ask (lib/memo.ts SecondUseMemo, api/json-body.ts).
//
// Those lists were LRUCaches of key strings. At 1,000 requests a second each list takes a new key per request and
// lets the oldest go, so every key string, its `{ uses }` record and the Map tables lru-cache rehashes as keys come
// and go lived long enough (the last 1,000 requests: a second or two) to be promoted by V8's scavenges, and died in
// the old generation, where only a full collection frees them: ~60 % of what survived the scavenges of a worker
// under nothing-reused recommendations once request parsing was no longer pretenured (issue 16,
// `HeapProfiler.startSampling` with objects collected by minor GCs left out). Here a key is two 32-bit hashes of its
// text in typed arrays allocated with the list: asking allocates nothing.
//
// Two different keys with equal hashes (1 in 2^64 a pair) count as one. A caller may only use the count to decide
// earlier that a value is worth keeping (a value is always stored and found by its full key), never to answer.

import { fnv1a } from './string-hash.ts';

/** Entries a table holds per slot it may fill: probe chains stay short (linear probing at half load). */
const TABLE_SLOTS_PER_KEY = 2;

/** The last `max` distinct keys asked, each with its uses; the least recently asked goes when a new one comes. */
export class RecentKeys {
  readonly max: number;
  /** Open addressing, linear probing: slot + 1 of the key whose probe passes here, 0 where free. */
  private readonly table: Int32Array;
  private readonly mask: number;
  private readonly hi: Int32Array;
  private readonly lo: Int32Array;
  private readonly counts: Int32Array;
  /** Recency order as a doubly linked list of slots: `oldest` goes first, `newest` was asked last (-1: none). */
  private readonly older: Int32Array;
  private readonly newer: Int32Array;
  private oldest = -1;
  private newest = -1;
  /** Slots given back by `delete`, reused before new ones. */
  private readonly free: Int32Array;
  private freeCount = 0;
  private used = 0;
  private hashHi = 0;
  private hashLo = 0;

  constructor(max: number) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`max must be a positive integer, not ${max}`);
    this.max = max;
    let size = 1;
    while (size < TABLE_SLOTS_PER_KEY * max) size *= 2;
    this.table = new Int32Array(size);
    this.mask = size - 1;
    this.hi = new Int32Array(max);
    this.lo = new Int32Array(max);
    this.counts = new Int32Array(max);
    this.older = new Int32Array(max);
    this.newer = new Int32Array(max);
    this.free = new Int32Array(max);
  }

  /** Keys held now. */
  get size(): number {
    return this.used - this.freeCount;
  }

  /** The uses of `key` (0 when not held). Reading it is no use and moves nothing. */
  uses(key: string): number {
    const at = this.find(key);
    return at < 0 ? 0 : this.counts[this.table[at]! - 1]!;
  }

  /** Counts one more use of `key`, which becomes the most recently asked, and returns its uses. */
  count(key: string): number {
    const at = this.find(key);
    if (at >= 0) {
      const slot = this.table[at]! - 1;
      this.unlink(slot);
      this.append(slot);
      return ++this.counts[slot]!;
    }
    if (this.size === this.max) this.removeSlot(this.oldest);
    const slot = this.freeCount > 0 ? this.free[--this.freeCount]! : this.used++;
    this.hi[slot] = this.hashHi;
    this.lo[slot] = this.hashLo;
    this.counts[slot] = 1;
    // find() left the hashes of `key` in hashHi/hashLo; the table may have changed since, so probe again.
    let i = this.hashLo & this.mask;
    while (this.table[i] !== 0) i = (i + 1) & this.mask;
    this.table[i] = slot + 1;
    this.append(slot);
    return 1;
  }

  /** Forgets `key`; whether it was held. */
  delete(key: string): boolean {
    const at = this.find(key);
    if (at < 0) return false;
    this.removeSlot(this.table[at]! - 1);
    return true;
  }

  /** Halves every key's uses in place, order unchanged (TinyLFU's reset: uses then measure recent demand). */
  halve(): void {
    for (let slot = this.oldest; slot !== -1; slot = this.newer[slot]!) this.counts[slot]! >>= 1;
  }

  /** Two 32-bit hashes of the key's UTF-16 code units (FNV-1a and a multiply-xorshift), each finished by an avalanche. */
  private hash(key: string): void {
    let b = 0x9747b28c ^ key.length;
    for (let i = 0; i < key.length; i++) {
      b = Math.imul(b ^ key.charCodeAt(i), 0x5bd1e995);
      b ^= b >>> 15;
    }
    this.hashHi = avalanche(fnv1a(key));
    this.hashLo = avalanche(b);
  }

  /** The table position of `key`, or -1; leaves its hashes in hashHi/hashLo. */
  private find(key: string): number {
    this.hash(key);
    for (let i = this.hashLo & this.mask; ; i = (i + 1) & this.mask) {
      const entry = this.table[i]!;
      if (entry === 0) return -1;
      if (this.lo[entry - 1] === this.hashLo && this.hi[entry - 1] === this.hashHi) return i;
    }
  }

  /** Takes a slot out of the table (closing the probe chain behind it) and out of the recency list, and frees it. */
  private removeSlot(slot: number): void {
    let hole = this.lo[slot]! & this.mask;
    while (this.table[hole] !== slot + 1) hole = (hole + 1) & this.mask;
    this.table[hole] = 0;
    // Backward-shift deletion: an entry further along the chain moves into the hole when its home position does not
    // lie after the hole, so every key stays reachable from its home without tombstones.
    for (let j = (hole + 1) & this.mask; this.table[j] !== 0; j = (j + 1) & this.mask) {
      const home = this.lo[this.table[j]! - 1]! & this.mask;
      if (((j - home) & this.mask) >= ((j - hole) & this.mask)) {
        this.table[hole] = this.table[j]!;
        this.table[j] = 0;
        hole = j;
      }
    }
    this.unlink(slot);
    this.free[this.freeCount++] = slot;
  }

  private append(slot: number): void {
    this.older[slot] = this.newest;
    this.newer[slot] = -1;
    if (this.newest === -1) this.oldest = slot;
    else this.newer[this.newest] = slot;
    this.newest = slot;
  }

  private unlink(slot: number): void {
    const before = this.older[slot]!;
    const after = this.newer[slot]!;
    if (before === -1) this.oldest = after;
    else this.newer[before] = after;
    if (after === -1) this.newest = before;
    else this.older[after] = before;
  }
}

/** murmur3's fmix32: every input bit moves every output bit, so the low bits that pick a table position are mixed. */
function avalanche(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}
