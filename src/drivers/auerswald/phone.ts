import { parseXml, writeXml, xmlElement, type XmlElement } from '../../formats/xml.ts';
import type {
  PhoneFetch,
  PhoneIdentity,
  PhoneMemory,
  PhoneRun,
  PhoneScript,
  PhoneStep,
} from '../driver.ts';
import { answerStep, fetchOnce, missNote, noteStep, type Fetched } from '../phone-kit.ts';
import { macadr } from './files.ts';
import { escapeBareMarkers, substituteMarkers, type MarkerValues } from './markers.ts';
import { MAX_OPERATIONS, applyOperations, readOperations } from './operations.ts';
import { applySettings, validSection } from './patch.ts';
import { resolveReference } from './references.ts';
import { CLEARED_IDENTITY, IDENTITIES } from './sections.ts';
import { formatUserAgent, hardwareType } from './user-agent.ts';
import { phoneAnnouncement } from './pnp.ts';

/** Files one provisioning run loads at most, however the references chain. */
export const MAX_FILES = 32;
/** References within references, at most. */
export const MAX_DEPTH = 8;

const MEMORY_KEY = 'configuration';

interface Run {
  markers: MarkerValues;
  get(url: string): Promise<Fetched>;
  sections: Map<string, XmlElement>;
  steps: PhoneStep[];
  loaded: Set<string>;
  ok: boolean;
}

/**
 * What a D-series phone does (seed 003): it fills its markers into the provisioning URL,
 * loads the file, and if it is a reference file loads each URL in turn (markers filled in,
 * resolved against the reference file), depth first; settings files replace or merge
 * sections, operations files change sub-trees; each section is validated after. A URL
 * already on the way down is a loop and is not loaded again.
 */
export const auerswaldPhone: PhoneScript = {
  userAgent: formatUserAgent,
  run: runPhone,
  plugAndPlay: phoneAnnouncement,
};

async function runPhone(
  identity: PhoneIdentity,
  baseUrl: string,
  fetch: PhoneFetch,
  memory: PhoneMemory = {},
): Promise<PhoneRun> {
  const userAgent = formatUserAgent(identity);
  const run: Run = {
    markers: {
      mac: macadr(identity.mac),
      serial: identity.serial ?? '',
      type: hardwareType(identity),
    },
    get: (url) => fetchOnce(fetch, url, userAgent),
    sections: remembered(memory),
    steps: [],
    loaded: new Set(),
    ok: true,
  };
  const given = substituteMarkers(baseUrl, run.markers);
  const url = /^[a-z][a-z0-9+.-]*:\/\//i.test(given) ? resolveReference(given, given) : undefined;
  if (!url) {
    run.steps.push(noteStep(baseUrl, 'not a URL'));
    run.ok = false;
  } else {
    await load(run, url, []);
  }
  const configuration = xmlElement('configuration', {}, [...run.sections.values()]);
  return {
    ok: run.ok,
    steps: run.steps,
    settings: flatten(run.sections),
    memory: { [MEMORY_KEY]: writeXml(configuration) },
  };
}

async function load(run: Run, url: string, chain: readonly string[]): Promise<void> {
  if (chain.includes(url)) {
    run.steps.push(noteStep(url, 'reference loop: already being loaded'));
    run.ok = false;
    return;
  }
  if (run.loaded.size >= MAX_FILES) {
    run.steps.push(noteStep(url, `not loaded: more than ${MAX_FILES} files`));
    run.ok = false;
    return;
  }
  run.loaded.add(url);
  const answer = await run.get(url);
  const host = chain.length > 0 && new URL(url).host !== new URL(chain[0]!).host;
  if (answer.status !== 200) {
    run.steps.push(missStep(answer, host));
    run.ok = false;
    return;
  }
  const parsed = parseXml(escapeBareMarkers(answer.body.toString('utf8')));
  const root =
    parsed.ok && parsed.value.children.length === 1 ? parsed.value.children[0] : undefined;
  if (!root) {
    run.steps.push(
      answerStep(answer, false, parsed.ok ? 'not one XML document' : parsed.error.message),
    );
    run.ok = false;
    return;
  }
  const where = host ? 'from another host; ' : '';
  if (root.name === 'referencedSettings') {
    const references = root.children.filter((c) => c.name === 'URL');
    run.steps.push(answerStep(answer, true, `${where}references ${references.length} files`));
    if (chain.length + 1 > MAX_DEPTH) {
      run.steps.push(noteStep(url, `references deeper than ${MAX_DEPTH} are not followed`));
      run.ok = false;
      return;
    }
    for (const reference of references) {
      const target = resolveReference(substituteMarkers(reference.text, run.markers), url);
      if (!target) {
        run.steps.push(noteStep(reference.text, 'not a URL'));
        run.ok = false;
        continue;
      }
      await load(run, target, [...chain, url]);
    }
    return;
  }
  if (root.name === 'operations') {
    const operations = readOperations(root);
    if (operations.length > MAX_OPERATIONS) {
      run.steps.push(answerStep(answer, false, `more than ${MAX_OPERATIONS} operations`));
      run.ok = false;
      return;
    }
    const outcomes = applyOperations(run.sections, operations, validSection);
    record(run, answer, where, outcomes);
    return;
  }
  record(run, answer, where, applySettings(run.sections, root));
}

function record(
  run: Run,
  answer: Fetched,
  where: string,
  outcomes: readonly { section: string; applied: boolean; reason?: string }[],
): void {
  const refused = outcomes.filter((o) => !o.applied);
  const applied = outcomes.filter((o) => o.applied).map((o) => o.section);
  const notes = [
    applied.length > 0 ? `${where}applied ${applied.join(', ')}` : `${where}applied nothing`,
    ...refused.map((o) => `${o.section} kept: ${o.reason}`),
  ];
  if (refused.length > 0) run.ok = false;
  run.steps.push(answerStep(answer, applied.length > 0, notes.join('; ')));
}

/** The phone's settings from its last run, or the factory's: six empty identities. */
function remembered(memory: PhoneMemory): Map<string, XmlElement> {
  const sections = new Map<string, XmlElement>();
  const saved = memory[MEMORY_KEY];
  const parsed = saved ? parseXml(saved) : undefined;
  const configuration = parsed?.ok ? parsed.value.children[0] : undefined;
  for (const section of configuration?.children ?? []) sections.set(section.name, section);
  if (!sections.has('identities')) {
    const identity = (): XmlElement =>
      xmlElement(
        'identity',
        {},
        CLEARED_IDENTITY.map(([leaf, value]) => xmlElement(leaf, {}, value)),
      );
    sections.set(
      'identities',
      xmlElement('identities', {}, Array.from({ length: IDENTITIES }, identity)),
    );
  }
  return sections;
}

/** Every leaf with a value, as `section/element[n]/leaf=value`; attributes as `…/@name`. */
function flatten(sections: ReadonlyMap<string, XmlElement>): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (element: XmlElement, path: string): void => {
    for (const [name, value] of Object.entries(element.attributes)) {
      if (value !== '') out[`${path}/@${name}`] = value;
    }
    if (element.children.length === 0) {
      if (element.text.trim() !== '') out[path] = element.text;
      return;
    }
    const counts = new Map<string, number>();
    for (const child of element.children) counts.set(child.name, (counts.get(child.name) ?? 0) + 1);
    const seen = new Map<string, number>();
    for (const child of element.children) {
      const n = (seen.get(child.name) ?? 0) + 1;
      seen.set(child.name, n);
      walk(child, `${path}/${child.name}${counts.get(child.name)! > 1 ? `[${n}]` : ''}`);
    }
  };
  for (const [name, section] of sections) walk(section, name);
  return out;
}

function missStep(answer: Fetched, otherHost: boolean): PhoneStep {
  const why = missNote(answer);
  return answerStep(answer, false, otherHost ? `from another host; ${why}` : why);
}
