import { randomUUID } from 'node:crypto';

import { isPlugndialError } from '../errors.ts';
import {
  CHANGE_CHANNEL,
  encodeNotice,
  listenForChanges,
  type ChangeFeed,
  type ChangeNotice,
} from './change-feed.ts';
import type { ConfigOutcome } from './sql-shapes.ts';
import type { SqlClient } from './sql.ts';
import type { StoreChange } from './store.ts';

/** Every entity a listener may hear of. */
export const ENTITIES: readonly StoreChange['entity'][] = [
  'device',
  'profile',
  'file',
  'firmware',
  'contacts',
];

/**
 * The generation and who hears of each configuration change. Every change takes the meta row
 * lock first, so changes are serialised across nodes and each bumps the generation exactly
 * once; on PostgreSQL other nodes are told in the same transaction and heard back here.
 *
 * Listeners hear each changed key. A key of `*` means "anything of this entity may have
 * changed": a batch too large to announce key by key, or changes missed while this node's
 * LISTEN connection was down.
 */
export class ConfigChanges {
  readonly #client: SqlClient;
  readonly #postgres: boolean;
  readonly #node = randomUUID();
  readonly #listeners = new Set<(change: StoreChange) => void>();
  #feed: ChangeFeed | undefined;
  #generation = 0;
  #closed = false;

  constructor(client: SqlClient, postgres: boolean) {
    this.#client = client;
    this.#postgres = postgres;
  }

  /** Starts hearing other nodes (PostgreSQL, given its URL), then loads the generation. */
  async start(databaseUrl: string | undefined): Promise<void> {
    if (this.#postgres && databaseUrl) {
      this.#feed = await listenForChanges(databaseUrl, {
        notice: (notice) => this.#heard(notice),
        reconnected: () => void this.#catchUp(true),
      });
    }
    // Loaded after LISTEN starts, so no change falls between the two.
    this.#generation = await this.#loadGeneration();
  }

  generation(): number {
    return this.#generation;
  }

  onChange(listener: (change: StoreChange) => void): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  /** Nobody hears anything more; the LISTEN connection is closed. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#listeners.clear();
    await this.#feed?.close();
  }

  /**
   * Runs one configuration change in one transaction behind the meta row lock. When it
   * touched something, the generation grows by one and other nodes are told (PostgreSQL)
   * in the same transaction; after commit this node's listeners hear of each key.
   */
  async commit<T>(
    changed: StoreChange['entity'] | readonly StoreChange['entity'][],
    fn: (tx: SqlClient) => Promise<ConfigOutcome<T>>,
  ): Promise<T> {
    const entities = typeof changed === 'string' ? [changed] : changed;
    let committed: ConfigOutcome<T> & { generation: number | undefined };
    try {
      committed = await this.#transaction(entities, fn);
    } catch (error) {
      // A commit whose answer was lost (the connection died after COMMIT, the log's sync
      // failed after it) may have been made: the generation says, and this node's caches
      // follow it, as other nodes' do by the notice it sent.
      if (isPlugndialError(error) && error.code === 'PND_DATABASE') await this.#catchUp(false);
      throw error;
    }
    const { generation } = committed;
    if (generation !== undefined) {
      this.#advance(
        entities.flatMap((entity) => committed.keys.map((key) => ({ entity, key, generation }))),
      );
    }
    return committed.result;
  }

  #transaction<T>(
    entities: readonly StoreChange['entity'][],
    fn: (tx: SqlClient) => Promise<ConfigOutcome<T>>,
  ): Promise<ConfigOutcome<T> & { generation: number | undefined }> {
    return this.#client.transaction(async (tx) => {
      await tx.query('SELECT generation FROM meta WHERE id = 1 FOR UPDATE');
      const outcome = await fn(tx);
      if (outcome.keys.length === 0) return { ...outcome, generation: undefined };
      const [row] = await tx.query<{ generation: number }>(
        'UPDATE meta SET generation = generation + 1 WHERE id = 1 RETURNING generation::float8 AS generation',
      );
      const generation = row?.generation ?? 0;
      if (this.#postgres) {
        for (const entity of entities) {
          const notice: ChangeNotice = {
            node: this.#node,
            generation,
            entity,
            keys: outcome.keys,
          };
          await tx.query('SELECT pg_notify($1::text, $2::text)', [
            CHANGE_CHANNEL,
            encodeNotice(notice),
          ]);
        }
      }
      return { ...outcome, generation };
    });
  }

  #heard(notice: ChangeNotice): void {
    if (notice.node === this.#node || this.#closed) return;
    this.#advance(
      notice.keys.map((key) => ({ entity: notice.entity, key, generation: notice.generation })),
    );
  }

  /**
   * The generation read again; when it moved, or `always` (after a reconnection: what was
   * missed meanwhile may share a generation this node reached by a change of its own),
   * everything may have changed.
   */
  async #catchUp(always: boolean): Promise<void> {
    try {
      const loaded = await this.#loadGeneration();
      if (this.#closed || (!always && loaded <= this.#generation)) return;
      const generation = Math.max(loaded, this.#generation);
      this.#advance(ENTITIES.map((entity) => ({ entity, key: '*', generation })));
    } catch {
      // The database is away again; the next reconnection catches up.
    }
  }

  #advance(changes: readonly StoreChange[]): void {
    for (const change of changes) {
      if (change.generation > this.#generation) this.#generation = change.generation;
      for (const listener of this.#listeners) {
        try {
          listener(change);
        } catch {
          // The change is committed; one failing listener must not keep the others from hearing of it.
        }
      }
    }
  }

  async #loadGeneration(): Promise<number> {
    const [row] = await this.#client.query<{ generation: number }>(
      'SELECT generation::float8 AS generation FROM meta WHERE id = 1',
    );
    return row?.generation ?? 0;
  }
}
