import { createHash } from 'node:crypto';

import type { Driver, Recognition, RenderContext } from '../drivers/driver.ts';
import type { Store } from '../store/store.ts';

/**
 * The pipeline's half of versions a phone keeps and compares: a driver names, per category,
 * the canonical content of a file family; this asks the store for the version of each
 * content's hash and hands the versions to the render. The store assigns a version the first
 * time it sees a hash, from the pipeline's clock, inside a transaction, so every node and
 * every restart gives the same answer. An assigned version never changes, so answers are
 * kept in memory without regard to the store generation.
 */
export class ContentVersions {
  readonly #store: Pick<Store, 'contentVersion'>;
  readonly #now: () => Date;
  readonly #known = new Map<string, Date>();
  readonly #maxEntries: number;

  constructor(store: Pick<Store, 'contentVersion'>, now: () => Date, maxEntries = 100_000) {
    this.#store = store;
    this.#now = now;
    this.#maxEntries = maxEntries;
  }

  /** The context with `versions` filled in for every category the driver lists, if any. */
  async attach(
    driver: Driver,
    recognition: Recognition,
    context: RenderContext,
  ): Promise<RenderContext> {
    const contents = driver.versionedContent?.(recognition, context) ?? [];
    if (contents.length === 0) return context;
    // Versions belong to one phone; files shared by every phone share theirs.
    const scope = context.device?.mac ?? '';
    const versions: Record<string, Date> = {};
    for (const { category, content } of contents) {
      versions[category] = await this.#version(
        scope,
        `${driver.name}/${category}`,
        createHash('sha256').update(content).digest('hex'),
      );
    }
    return { ...context, versions };
  }

  async #version(scope: string, category: string, sha256: string): Promise<Date> {
    const key = `${scope}|${category}|${sha256}`;
    const known = this.#known.get(key);
    if (known) return known;
    const version = new Date(
      await this.#store.contentVersion(scope, category, sha256, this.#now()),
    );
    if (this.#known.size >= this.#maxEntries) this.#known.clear();
    this.#known.set(key, version);
    return version;
  }
}
