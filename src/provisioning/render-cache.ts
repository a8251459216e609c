import { createHash } from 'node:crypto';

import type { Artifact } from '../drivers/driver.ts';

export interface CachedArtifact extends Artifact {
  etag: string;
}

/**
 * Rendered files by version key. The key includes the store generation, so a change
 * anywhere simply makes old entries unreachable; they are dropped when the generation moves.
 */
export class RenderCache {
  #generation = -1;
  #entries = new Map<string, CachedArtifact | null>();
  readonly #maxEntries: number;

  constructor(maxEntries = 50_000) {
    this.#maxEntries = maxEntries;
  }

  get(generation: number, key: string): CachedArtifact | null | undefined {
    if (generation !== this.#generation) return undefined;
    return this.#entries.get(key);
  }

  /** Stores an artifact, or null for "this file does not exist for this phone". */
  set(generation: number, key: string, artifact: Artifact | undefined): CachedArtifact | null {
    const entry = artifact ? { ...artifact, etag: etagOf(artifact.body) } : null;
    // A render begun before a change finished after it: serve it once, never cache it.
    if (generation < this.#generation) return entry;
    if (generation > this.#generation) {
      this.#generation = generation;
      this.#entries = new Map();
    }
    if (this.#entries.size >= this.#maxEntries) this.#entries.clear();
    this.#entries.set(key, entry);
    return entry;
  }

  get size(): number {
    return this.#entries.size;
  }
}

export function etagOf(body: Buffer): string {
  return `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
}
