import type { Mac } from '../model/mac.ts';

/**
 * A sorted set of MACs held as numbers: a MAC is 48 bits, exact in a double, so a device costs
 * 8 bytes in one typed array instead of a string and a hash table entry (about 100 bytes).
 * Adding in MAC order, as a full read does, appends; anything else moves the tail along.
 */
export class MacList {
  #values = new Float64Array(16);
  #size = 0;

  get size(): number {
    return this.#size;
  }

  add(mac: Mac): void {
    const value = parseInt(mac, 16);
    const at = this.#position(value);
    if (at < this.#size && this.#values[at] === value) return;
    if (this.#size === this.#values.length) {
      const grown = new Float64Array(this.#values.length * 2);
      grown.set(this.#values);
      this.#values = grown;
    }
    this.#values.copyWithin(at + 1, at, this.#size);
    this.#values[at] = value;
    this.#size++;
  }

  /** True when the MAC was there. */
  delete(mac: Mac): boolean {
    const value = parseInt(mac, 16);
    const at = this.#position(value);
    if (at >= this.#size || this.#values[at] !== value) return false;
    this.#values.copyWithin(at, at + 1, this.#size);
    this.#size--;
    return true;
  }

  /** Every MAC, in order, as text. */
  toMacs(): Mac[] {
    const out = new Array<Mac>(this.#size);
    for (let i = 0; i < this.#size; i++)
      out[i] = this.#values[i]!.toString(16).padStart(12, '0') as Mac;
    return out;
  }

  /** Where the value is, or would go: the first position whose value is not below it. */
  #position(value: number): number {
    // Appending in order is the common case: no search.
    if (this.#size === 0 || this.#values[this.#size - 1]! < value) return this.#size;
    let low = 0;
    let high = this.#size;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.#values[middle]! < value) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}
