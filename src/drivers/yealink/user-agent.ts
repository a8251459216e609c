import { findMac, formatMac } from '../../model/mac.ts';
import type { PhoneIdentity, UserAgentFacts } from '../driver.ts';
import { dialectFor } from './dialect.ts';
import { modelInfo } from './models.ts';

// `Yealink SIP-T46G 28.72.0.1 00:15:65:4a:a9:37`: model, dotted firmware, then the MAC (with
// colons or, on some T5x firmware, without); `Yealink W70B 146.87.0.15 …` for a DECT base;
// `Yealink-T46G 28.71.0.81 28.1.0.128.0.0.0` carries no MAC.
// The vendor and its separators are read apart from the rest: in one expression a long run
// of blanks after `Yealink` backtracked over every split of it (a 512-character agent took
// 30 ms, 175 ms cold).
const YEALINK_PREFIX = /^yealink[\s/-]+/i;
const YEALINK = /^(.+?)\s+(\d+(?:\.\d+){2,4})(?:\s+(.*))?$/;
// `Flyingvoice FIP14G V0.5.15 0021f2000001`, and agents that start with the model.
const FLYINGVOICE = /^flying\s?voice[\s/_-]+([^\s/]+)(?:[\s/]+(v?\d+(?:\.\d+)+))?(?:\s+(.*))?$/i;
const FIP = /^(fip\d[0-9a-z()_-]*)(?:[\s/]+(v?\d+(?:\.\d+)+))?(?:\s+(.*))?$/i;

const DEFAULTS = {
  yealink: { model: 'SIP-T46S', firmware: '66.86.0.15' },
  flyingvoice: { model: 'FIP14G', firmware: 'V0.5.15' },
} as const;

/** The vendor, model, firmware and MAC a Yealink or Flyingvoice agent carries. */
export function parseUserAgent(userAgent: string): UserAgentFacts | undefined {
  const agent = userAgent.trim().slice(0, 512);
  const prefix = YEALINK_PREFIX.exec(agent);
  const yealink = prefix ? YEALINK.exec(agent.slice(prefix[0].length)) : null;
  if (yealink) return facts('yealink', yealink);
  const flyingvoice = FLYINGVOICE.exec(agent) ?? FIP.exec(agent);
  if (flyingvoice) return facts('flyingvoice', flyingvoice);
  return undefined;
}

/** The agent a real phone of this identity sends; Yealink writes its MAC with colons. */
export function formatUserAgent(identity: PhoneIdentity): string {
  const vendor = dialectFor(identity.vendor);
  const model = identity.model ?? DEFAULTS[vendor].model;
  const firmware = identity.firmware ?? DEFAULTS[vendor].firmware;
  return vendor === 'yealink'
    ? `Yealink ${agentModel(model)} ${firmware} ${formatMac(identity.mac, 'colon')}`
    : `Flyingvoice ${model} ${firmware} ${identity.mac}`;
}

/** Desk phones name themselves `SIP-T54W`; DECT bases and the AX phones by model alone. */
function agentModel(model: string): string {
  const info = modelInfo(model);
  if (!info || info.dect || /^ax/i.test(info.model) || /^(sip|vp)[\s-]/i.test(model)) return model;
  return `SIP-${model}`;
}

function facts(vendor: string, match: RegExpExecArray): UserAgentFacts {
  const out: UserAgentFacts = { vendor };
  if (match[1]) out.model = match[1];
  if (match[2]) out.firmware = match[2];
  const mac = match[3] ? findMac(match[3]) : undefined;
  if (mac) out.mac = mac;
  return out;
}
