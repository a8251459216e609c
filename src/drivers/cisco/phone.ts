import { createHash } from 'node:crypto';

import { openPassphrase } from '../../crypto/config-cipher.ts';
import type {
  PhoneFetch,
  PhoneIdentity,
  PhoneMemory,
  PhoneRun,
  PhoneScript,
  PhoneStep,
} from '../driver.ts';
import {
  answerStep,
  fetchOnce,
  missStep,
  noteStep,
  parseBase,
  type Fetched,
} from '../phone-kit.ts';
import { parseFlatProfile } from './format.ts';
import { DEFAULT_FIRMWARE, DEFAULT_MODELS, familyOf, psnOf, type CiscoFamily } from './models.ts';
import { expandMacros, parseRule, resolveRuleUrl, type PhoneFacts } from './rules.ts';
import { formatUserAgent } from './user-agent.ts';

/**
 * What a Cisco phone does at a resync (SPA and MPP provisioning guides, "Profile Rules"):
 * it evaluates Profile_Rule, Profile_Rule_B, _C and _D in order, each one with the values
 * the files before it set; a rule with no scheme is TFTP, with no server the DHCP server's.
 * The factory Profile_Rule is `/spa$PSN.cfg` (SPA) or `/$PSN.xml` (MPP). A rule that fails
 * (not found, unreadable) ends the resync. Then the image Upgrade_Rule names, unless the
 * phone runs it already. The phone keeps every parameter between resyncs; a file whose
 * content it already applied is not applied again.
 */
export const ciscoPhone: PhoneScript = {
  userAgent: formatUserAgent,
  run: runPhone,
};

const RULES = ['Profile_Rule', 'Profile_Rule_B', 'Profile_Rule_C', 'Profile_Rule_D'] as const;
const FACTORY: Readonly<Record<CiscoFamily, string>> = {
  spa: '/spa$PSN.cfg',
  mpp: '/$PSN.xml',
};
const PARAMETER = 'param:';

async function runPhone(
  identity: PhoneIdentity,
  baseUrl: string,
  fetch: PhoneFetch,
  memory: PhoneMemory = {},
): Promise<PhoneRun> {
  const kept: PhoneMemory = { ...memory };
  const steps: PhoneStep[] = [];
  const family = familyOf(identity.vendor);
  const model = identity.model ?? DEFAULT_MODELS[family];
  const userAgent = formatUserAgent(identity);
  // A URL naming a file is the rule itself (option 66 as a URL, or a rule typed in).
  const named = /\/[^/]*(\.(cfg|xml)|\$[A-Z]+[^/]*)$/i.test(baseUrl);
  const base = parseBase(named ? baseUrl.slice(0, baseUrl.lastIndexOf('/') + 1) : baseUrl);
  if (!base)
    return { ok: false, steps: [noteStep(baseUrl, 'not a URL')], settings: {}, memory: kept };
  const parameters = new Map<string, string>();
  for (const [slot, value] of Object.entries(kept))
    if (slot.startsWith(PARAMETER)) parameters.set(slot.slice(PARAMETER.length), value);
  if (!parameters.has('Profile_Rule'))
    parameters.set('Profile_Rule', named ? baseUrl : FACTORY[family]);
  const facts: PhoneFacts = {
    mac: identity.mac,
    productName: model.toUpperCase(),
    productSeries: psnOf(model, family),
    firmware: identity.firmware ?? DEFAULT_FIRMWARE[family],
    ...(identity.serial ? { serial: identity.serial } : {}),
    parameters,
  };

  let ok = true;
  let fetched = 0;
  for (const rule of RULES) {
    const text = parameters.get(rule)?.trim();
    if (!text) continue;
    const parsed = parseRule(expandMacros(text, facts));
    const url = parsed && resolveRuleUrl(parsed.url, base);
    if (!parsed || !url) {
      steps.push(noteStep(text, `${rule} is not a URL the phone can fetch`));
      ok = false;
      break;
    }
    const credentials =
      parsed.user !== undefined && parsed.password !== undefined
        ? { username: parsed.user, password: parsed.password }
        : undefined;
    const answer: Fetched<URL> = await fetchOnce(
      (u, options) => fetch(u, { ...options, ...(credentials ? { credentials } : {}) }),
      url,
      userAgent,
    );
    if (answer.status !== 200) {
      // Resync_Fails_On_FNF (default Yes): a missing profile fails the resync.
      steps.push(missStep(answer));
      ok = false;
      break;
    }
    let plain = answer.body;
    if (parsed.key !== undefined || plain.subarray(0, 8).toString('latin1') === 'Salted__') {
      const opened = parsed.key ? openPassphrase(plain, parsed.key) : undefined;
      if (!opened) {
        steps.push(
          answerStep(
            answer,
            false,
            `${rule}: cannot decrypt (--key ${parsed.key ? 'given' : 'missing'})`,
          ),
        );
        ok = false;
        break;
      }
      plain = opened;
    }
    const profile = parseFlatProfile(plain.toString('utf8'));
    if (!profile.ok) {
      steps.push(answerStep(answer, false, profile.error.message));
      ok = false;
      break;
    }
    fetched++;
    const version = createHash('sha256').update(plain).digest('hex').slice(0, 16);
    const slot = `version:${url.href}`;
    for (const [name, value] of profile.value) parameters.set(name, value);
    if (kept[slot] === version)
      steps.push(answerStep(answer, false, `${rule}: unchanged since it was last applied`));
    else {
      kept[slot] = version;
      steps.push(answerStep(answer, true, `${rule}: ${profile.value.size} parameters`));
    }
  }
  if (fetched === 0) ok = false;

  const upgrade = parameters.get('Upgrade_Rule')?.trim();
  if (ok && upgrade && parameters.get('Upgrade_Enable') !== 'No') {
    const parsed = parseRule(expandMacros(upgrade, facts));
    const url = parsed && resolveRuleUrl(parsed.url, base);
    if (!url) steps.push(noteStep(upgrade, 'Upgrade_Rule is not a URL the phone can fetch'));
    else if (kept['image'] === url.href)
      steps.push(noteStep(url.href, 'image already installed; not fetched'));
    else {
      const answer = await fetchOnce(fetch, url, userAgent);
      if (answer.status === 200 && answer.body.length > 0) {
        kept['image'] = url.href;
        kept['image.sha256'] = createHash('sha256').update(answer.body).digest('hex');
        steps.push(answerStep(answer, true, 'image installed; the phone reboots'));
      } else {
        steps.push(answerStep(answer, false, answer.error ?? 'image not fetched'));
        ok = false;
      }
    }
  }

  const directory = parameters.get('XML_Directory_Service_URL')?.trim();
  if (ok && directory) {
    const url = resolveRuleUrl(expandMacros(directory, facts), base);
    const answer = url ? await fetchOnce(fetch, url, userAgent) : undefined;
    if (answer && answer.status === 200) {
      const entries = (answer.body.toString('utf8').match(/<DirectoryEntry>/g) ?? []).length;
      steps.push(answerStep(answer, false, `directory (as its key opens it): ${entries} entries`));
    } else if (answer) steps.push(missStep(answer));
  }

  for (const [name, value] of parameters) kept[`${PARAMETER}${name}`] = value;
  return { ok, steps, settings: Object.fromEntries(parameters), memory: kept };
}
