/** The door a request came through; `acs`: a CWMP (TR-069) request to the ACS door. */
export type Transport = 'http' | 'https' | 'tftp' | 'ftp' | 'sip' | 'acs';

/** One record per device-facing request, whatever its outcome. */
export interface ProvisioningEvent {
  id?: number;
  at: string;
  mac?: string;
  driver?: string;
  /** The requested path, as the phone asked for it (normalised). */
  file: string;
  transport: Transport;
  address: string;
  status: number;
  bytes: number;
  durationMs: number;
  userAgent?: string;
  /** TFTP: datagrams sent again after a timeout. */
  retransmissions?: number;
  /** Why the request was refused or failed, as a short code (never a secret). */
  reason?: string;
  /** The node that served it, in a store several nodes share (`plugndial serve --node`). */
  node?: string;
}

export interface EventQuery {
  mac?: string;
  since?: string;
  until?: string;
  /** Only events recorded after the one of this id (a live tail). */
  afterId?: number;
  /** Only events with this reason. */
  reason?: string;
  /** Only events this node served. */
  node?: string;
  /** Only failures: a status of 400 or more, or a fault the phone reported. */
  failed?: boolean;
  limit?: number;
}
