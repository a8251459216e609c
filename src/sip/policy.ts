/**
 * What the plug-and-play responder does with a phone that is not a device (`--sip-unknown`):
 * `ignore` it, `answer` with the common URL, record it as `pending` for an operator to claim
 * without answering, or both (`pending-answer`, the default).
 */
export type UnknownPolicy = 'ignore' | 'answer' | 'pending' | 'pending-answer';

export const UNKNOWN_POLICIES: readonly UnknownPolicy[] = [
  'ignore',
  'answer',
  'pending',
  'pending-answer',
];
