import type { Mac } from './mac.ts';

/** How the last check-sync NOTIFY to a device ended; kept per device, shown with it. */
export interface ResyncOutcome {
  /** When the NOTIFY was sent. */
  at: string;
  /** The phone's final SIP status; 408 when it never answered, 503 when nothing could be sent. */
  status: number;
  /** A 2xx answer: the phone accepted the resync. */
  ok: boolean;
  /** A short code for what went wrong (`timeout`, `auth-rejected`, `no-credentials`, …). */
  reason?: string;
  /** The Event header sent, e.g. `check-sync;reboot=true`. */
  event: string;
  /** The SIP address the NOTIFY went to, e.g. `sip:1001@10.0.0.23:5060`. */
  target: string;
  /** NOTIFYs sent again on timer E, across the challenge and the answer to it. */
  retransmissions: number;
  durationMs: number;
}

/** A phone that asked by plug-and-play and is not a device yet: the operator may claim it. */
export interface PendingPhone {
  mac: Mac;
  /** The vendor a driver took it for, as devices name vendors. */
  vendor?: string;
  /** What its SUBSCRIBE said: Event `model` and `version`. */
  model?: string;
  firmware?: string;
  /** Where its last SUBSCRIBE came from. */
  address: string;
  firstSeen: string;
  lastSeen: string;
  /** SUBSCRIBEs seen from it. */
  sightings: number;
}
