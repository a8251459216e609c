import { drivers } from './drivers/registry.ts';
import type { AccessConfig } from './provisioning/access.ts';
import { ProvisioningPipeline } from './provisioning/pipeline.ts';
import { EventRecorder } from './provisioning/recorder.ts';
import { openStore } from './store/open.ts';
import type { Store } from './store/store.ts';
import type { Logger } from './log.ts';

/** The store and the pipeline on top of it: what a server and a local management command share. */
export interface Runtime {
  store: Store;
  recorder: EventRecorder;
  pipeline: ProvisioningPipeline;
  now: () => Date;
  close(): Promise<void>;
}

export interface RuntimeOptions {
  dataDir: string;
  databaseUrl?: string;
  now?: () => Date;
  log?: Logger;
  /** Trusted proxies and the miss throttle of the serving process. */
  access?: AccessConfig;
  /** The serving node's name, stamped on the events it records. */
  node?: string;
}

export async function openRuntime(options: RuntimeOptions): Promise<Runtime> {
  const now = options.now ?? ((): Date => new Date());
  const store = await openStore(
    options.databaseUrl ? { databaseUrl: options.databaseUrl } : { dataDir: options.dataDir },
  );
  const recorder = new EventRecorder(store, {
    ...(options.node !== undefined ? { node: options.node } : {}),
    onError: (error, dropped) =>
      dropped === undefined
        ? options.log?.('warn', 'events not stored yet; will retry', {
            error: (error as Error).message,
          })
        : options.log?.('warn', 'events the store refused were dropped', {
            dropped,
            error: (error as Error).message,
          }),
  });
  const pipeline = new ProvisioningPipeline({
    store,
    drivers,
    recorder,
    now,
    ...(options.access ? { access: options.access } : {}),
    ...(options.log ? { log: options.log } : {}),
  });
  return {
    store,
    recorder,
    pipeline,
    now,
    async close(): Promise<void> {
      await recorder.close();
      await store.close();
    },
  };
}
