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
    // Unbounded distinct keys (random paths) must not grow memory: start over instead.
    if (this.#entries.size >= this.#maxEntries) this.#entries.clear();
    this.#entries.set(key, value);
    return value;
  }

  get size(): number {
    return this.#entries.size;
  }
}
