/**
 * How many of one kind of thing (devices, answers, renders) the hot path keeps per generation.
 * A phone's boot is a handful of requests within a second or two, so this covers the phones
 * booting at once at thousands of requests a second; one that comes back later is rendered
 * again (well under a millisecond). Each entry of all the caches together costs about 6 KB:
 * 10,000 took the peak of a boot storm at 100,000 phones from 225 MB to 292 MB
 * (`bench/footprint.ts`).
 */
export const HOT_ENTRIES = 2_000;

/**
 * A bounded map whose entries are valid for one store generation. A configuration change
 * anywhere moves the generation, which empties the map at the next write; a value computed
 * under an older generation is never stored.
 */
export class GenerationCache<V> {
  #generation = -1;
  #entries = new Map<string, V>();
  readonly #maxEntries: number;

  constructor(maxEntries: number) {
    this.#maxEntries = maxEntries;
  }

  get(generation: number, key: string): V | undefined {
    return generation === this.#generation ? this.#entries.get(key) : undefined;
  }

  set(generation: number, key: string, value: V): V {
    if (generation < this.#generation) return value;
    if (generation > this.#generation) {
      this.#generation = generation;
      this.#entries = new Map();
    }
    setBounded(this.#entries, key, value, this.#maxEntries);
    return value;
  }

  get size(): number {
    return this.#entries.size;
  }
}

/**
 * Sets a key in a map of at most `max` entries, the oldest ones making room: distinct keys
 * without end (a boot storm, random paths) cost the bound, never more, and what was just
 * asked for stays. An eighth goes at once: V8 leaves a deleted entry as a hole until the
 * table is rebuilt, and finding the oldest live entry walks every hole before it, so evicting
 * one at a time walked about `max` holes per request of a boot storm.
 */
export function setBounded<K, V>(map: Map<K, V>, key: K, value: V, max: number): void {
  if (map.size >= max && !map.has(key)) {
    let room = Math.max(1, max >> 3);
    for (const oldest of map.keys()) {
      map.delete(oldest);
      if (--room === 0) break;
    }
  }
  map.set(key, value);
}
