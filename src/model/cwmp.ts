/** What the ACS keeps about one device between CWMP sessions (store migration 6). */
export interface CwmpState {
  /** Where the CPE listens for connection requests, from its last Inform. */
  connectionRequestUrl?: string;
  /**
   * The connection request credentials the ACS made for this CPE (secret) and whether the CPE
   * accepted them in a SetParameterValues; `plugndial resync --via tr069` answers with them.
   */
  connectionRequest?: { username: string; password: string; confirmed: boolean };
  /** The data model root the CPE's parameters use (`InternetGatewayDevice` or `Device`). */
  root?: string;
  /** The last Inform: when, from where, with which events. */
  lastInform?: { at: string; address: string; events: string[] };
  /**
   * What the CPE acknowledged with a TransferComplete without fault: the SHA-256 of the
   * configuration file it fetched, the firmware version it installed.
   */
  acknowledged: { config?: string; firmware?: string };
  /** Downloads sent and not completed yet, by CommandKey: what each one delivers. */
  inflight: Record<string, { fileType: string; target: string; at: string }>;
  /** TransferComplete outcomes, newest first. */
  transfers: CwmpTransfer[];
  /** A reboot the operator asked for and the CPE has not accepted yet. */
  rebootRequested?: string;
  /** The last Reboot the CPE accepted. */
  lastReboot?: { at: string; commandKey: string };
}

export interface CwmpTransfer {
  at: string;
  commandKey: string;
  fileType?: string;
  /** 0 when the transfer succeeded; a CWMP fault code (9001–9019) otherwise. */
  faultCode: number;
  faultString?: string;
  startTime?: string;
  completeTime?: string;
}

/** TransferComplete outcomes kept per device. */
export const MAX_CWMP_TRANSFERS = 20;

export function emptyCwmpState(): CwmpState {
  return { acknowledged: {}, inflight: {}, transfers: [] };
}

/** The state as the API shows it: the connection request password never leaves the store. */
export function publicCwmpState(state: CwmpState): Omit<CwmpState, 'connectionRequest'> & {
  connectionRequest?: { username: string; confirmed: boolean };
} {
  const { connectionRequest, ...rest } = state;
  return {
    ...rest,
    ...(connectionRequest
      ? {
          connectionRequest: {
            username: connectionRequest.username,
            confirmed: connectionRequest.confirmed,
          },
        }
      : {}),
  };
}
