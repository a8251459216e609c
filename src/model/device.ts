import type { Mac } from './mac.ts';
import type { Settings } from './settings.ts';

/** What the server saw the last time a phone fetched something. */
export interface LastContact {
  at: string;
  address: string;
  userAgent?: string;
  file: string;
  transport: string;
  status: number;
}

/** One phone, described once by the operator in vendor-neutral terms. */
export interface Device {
  mac: Mac;
  /** Vendor as the operator names it (flyingvoice, yealink, fanvil, …); selects the driver. */
  vendor: string;
  model?: string;
  /** Profiles applied in order; later ones override earlier ones. */
  profiles: string[];
  settings: Settings;
  /** Facts the phone reported about itself (User-Agent, requests). */
  reported?: { model?: string; firmware?: string; serial?: string };
  lastContact?: LastContact;
  createdAt: string;
  updatedAt: string;
}

export interface Profile {
  name: string;
  description?: string;
  settings: Settings;
  createdAt: string;
  updatedAt: string;
}

export const PROFILE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** The profile every device inherits from first; operators edit it like any other. */
export const DEFAULT_PROFILE = 'default';
