import type { Driver } from '../drivers/driver.ts';
import type { Store } from '../store/store.ts';
import type { AccessControl } from './access.ts';
import type { Authorisation } from './authorise.ts';
import type { ConfigurationView } from './configuration-view.ts';
import type { EffectiveSettings } from './effective-settings.ts';
import type { RequestEvents } from './record.ts';
import type { Refusals } from './refusal.ts';

/**
 * The pipeline's stages as one pipeline made them: what its jobs for other doors (uploads,
 * the ACS, FTP logins and listings) share with the file requests.
 */
export interface PipelineStages {
  store: Store;
  drivers: readonly Driver[];
  now: () => Date;
  view: ConfigurationView;
  access: AccessControl;
  settings: EffectiveSettings;
  authorisation: Authorisation;
  refusals: Refusals;
  events: RequestEvents;
}
