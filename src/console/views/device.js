// One device: what it is, its effective settings and their sources, its files as served,
// its events, credentials, resync and reboot, and its TR-069 state.
import { get, query, request } from '../api.js';
import { fill, h, macText, table, time, field } from '../dom.js';
import { liveEvents } from '../live.js';
import { settingsForm } from '../settings-form.js';
import { attempt, errorBox, heading, notify, section, sourceBadge } from '../ui.js';
import { eventRow, EVENT_HEADERS } from './events.js';

function valueText(value) {
  return Array.isArray(value) ? value.join(', ') : String(value);
}

export async function render(main, route) {
  const mac = route.match[0];
  const path = `/devices/${mac}`;
  const [device, schema] = await Promise.all([get(path), get('/settings')]);
  const outcome = h('div', { class: 'outcome', role: 'status', 'aria-live': 'polite' });

  const resync = async (reboot, via) => {
    fill(
      outcome,
      h(
        'p',
        { class: 'muted' },
        reboot ? 'Asking the phone to reboot…' : 'Asking the phone to resync…',
      ),
    );
    const answer = await attempt(outcome, () =>
      request('POST', `${path}/resync`, { json: { reboot, ...(via ? { via } : {}) } }),
    );
    if (answer) fill(outcome, outcomeOf(answer));
  };
  const resyncButton = h(
    'button',
    { type: 'button', class: 'primary', onclick: () => resync(false) },
    'Resync',
  );
  const rebootButton = h('button', { type: 'button', onclick: () => resync(true) }, 'Reboot');
  const remove = h(
    'button',
    {
      type: 'button',
      class: 'danger',
      async onclick() {
        if (!confirm(`Remove device ${macText(mac)}? Its settings are lost.`)) return;
        if (await attempt(null, () => request('DELETE', path))) {
          notify(`Device ${macText(mac)} removed.`);
          location.hash = '#/devices';
        }
      },
    },
    'Remove',
  );
  main.append(
    h('p', { class: 'crumbs' }, h('a', { href: '#/devices' }, 'Devices'), ' › '),
    heading(`Device ${macText(mac)}`, resyncButton, rebootButton, remove),
    outcome,
  );
  if (device.lastResync)
    fill(outcome, h('p', { class: 'muted' }, 'Last resync: '), outcomeOf(device.lastResync));

  const facts = h('dl', { class: 'facts' });
  const effectiveSlot = h('div');
  const editSlot = h('div');
  const filesSlot = h('div');
  const eventsSlot = h('div');
  const credentialsSlot = h('div');
  const cwmpSlot = h('div');
  main.append(
    h(
      'div',
      { class: 'columns' },
      section('Device', facts),
      section('Credentials', credentialsSlot),
    ),
    section('Effective settings', effectiveSlot),
    section('Edit', editSlot),
    section('Served files', filesSlot),
    section('Events', eventsSlot),
    section('TR-069', cwmpSlot),
  );

  const showFacts = (d) => {
    const contact = d.lastContact;
    fill(
      facts,
      [
        ['Vendor', d.vendor],
        ['Model', d.model ?? d.reported?.model ?? '—'],
        [
          'Profiles',
          d.profiles.length
            ? d.profiles.map((p, i) => [
                i ? ', ' : '',
                h('a', { href: `#/profiles/${encodeURIComponent(p)}` }, p),
              ])
            : '—',
        ],
        ['Firmware', d.reported?.firmware ?? '—'],
        [
          'Last contact',
          contact
            ? [
                time(contact.at),
                ` ${contact.file ?? ''} over ${contact.transport ?? '?'} from ${contact.address ?? '?'}`,
              ]
            : time(null),
        ],
        ['User agent', contact?.userAgent ?? '—'],
        ['Added', time(d.createdAt)],
      ].map(([term, value]) => [h('dt', {}, term), h('dd', {}, value)]),
    );
  };
  showFacts(device);

  let revealSettings = false;
  const showEffective = async () => {
    const effective = await get(`${path}/effective${query({ secrets: revealSettings })}`);
    const keys = Object.keys(effective.settings).sort();
    const reveal = h(
      'button',
      {
        type: 'button',
        'aria-pressed': String(revealSettings),
        onclick: () => {
          revealSettings = !revealSettings;
          showEffective();
        },
      },
      revealSettings ? 'Mask secrets' : 'Reveal secrets',
    );
    fill(
      effectiveSlot,
      h(
        'p',
        { class: 'muted' },
        'Applied in order: ',
        effective.layers.map((layer, i) => [i ? ' ◀ ' : '', sourceBadge(layer)]),
        ' ',
        reveal,
      ),
      table(
        'Effective settings and where each value comes from',
        ['Key', 'Value', 'From'],
        keys.map((key) => [
          h('code', {}, key),
          valueText(effective.settings[key]),
          sourceBadge(effective.origin[key]),
        ]),
        { class: 'stack', hideCaption: true },
      ),
    );
    return effective;
  };

  const showEdit = async (d, effective) => {
    const profiles = await get('/profiles');
    const vendor = h('input', { type: 'text', value: d.vendor, required: true });
    const model = h('input', { type: 'text', value: d.model ?? '' });
    const profileBox = h(
      'select',
      { multiple: true, size: Math.min(6, Math.max(2, profiles.length)) },
      profiles
        .filter((p) => p.name !== 'default')
        .map((p) => h('option', { value: p.name, selected: d.profiles.includes(p.name) }, p.name)),
    );
    const identitySlot = h('div');
    const settingsSlot = h('div');
    const identity = h(
      'form',
      {
        class: 'inline-form',
        async onsubmit(event) {
          event.preventDefault();
          const body = {
            vendor: vendor.value.trim(),
            model: model.value.trim() || null,
            profiles: [...profileBox.selectedOptions].map((o) => o.value),
          };
          const saved = await attempt(identitySlot, () => request('PATCH', path, { json: body }));
          if (saved) await saved_(saved, identitySlot);
        },
      },
      field('Vendor', vendor),
      field('Model', model),
      field(
        'Profiles',
        profileBox,
        'In order of selection; the default profile always applies first.',
      ),
      h('button', { type: 'submit' }, 'Save'),
      identitySlot,
    );
    const form = settingsForm({
      schema,
      own: d.settings,
      effective: effective.settings,
      origin: effective.origin,
      async onSave(changes) {
        if (Object.keys(changes.settings).length === 0 && changes.unset.length === 0) {
          notify('Nothing changed.');
          return;
        }
        const saved = await attempt(settingsSlot, () => request('PATCH', path, { json: changes }));
        if (saved) await saved_(saved, settingsSlot);
      },
    });
    fill(editSlot, identity, h('h3', {}, 'Settings of this device'), settingsSlot, form);
  };

  async function saved_(saved, slot) {
    const warnings = saved.warnings ?? [];
    notify('Saved. The phone gets the change at its next provisioning (or resync it now).');
    const fresh = await get(path);
    showFacts(fresh);
    const effective = await showEffective();
    await showEdit(fresh, effective);
    await showFile();
    if (warnings.length)
      slot.append(
        h(
          'div',
          { class: 'warn' },
          h('p', {}, 'Stored, with warnings:'),
          h(
            'ul',
            {},
            warnings.map((w) => h('li', {}, w.problem ?? JSON.stringify(w))),
          ),
        ),
      );
  }

  // Served files: the preview as the phone receives it, secrets masked unless revealed.
  const files = await get(`${path}/files`).catch(() => []);
  const names = (Array.isArray(files) ? files : (files.files ?? [])).map((f) =>
    typeof f === 'string' ? f : (f.file ?? f.name),
  );
  const fileSelect = h(
    'select',
    {},
    names.map((name) => h('option', { value: name }, name)),
  );
  const revealFile = h('input', { type: 'checkbox' });
  const explainFile = h('input', { type: 'checkbox' });
  const preview = h('div', { class: 'preview' });
  const showFile = async () => {
    if (!fileSelect.value) {
      fill(preview, h('p', { class: 'muted' }, 'This device is served no file of its own.'));
      return;
    }
    const shown = await attempt(preview, () =>
      get(
        `${path}/files/${encodeURIComponent(fileSelect.value)}${query({ secrets: revealFile.checked, explain: explainFile.checked })}`,
      ),
    );
    if (!shown) return;
    const explanation = shown.explanation;
    fill(
      preview,
      h('p', { class: 'muted' }, `${shown.contentType ?? 'binary'} · rendered by ${shown.driver}`),
      h(
        'pre',
        { class: 'file', tabindex: '0', 'aria-label': `Contents of ${shown.file}` },
        shown.body ?? '(binary file)',
      ),
      explanation
        ? [
            table(
              'Which canonical key made which native line',
              ['Native key', 'Value', 'From'],
              explanation.entries.map((e) => [
                h('code', {}, e.key),
                e.value,
                e.from ? h('code', {}, e.from) : h('span', { class: 'muted' }, 'driver'),
              ]),
              {},
            ),
            explanation.ignored.length
              ? h(
                  'p',
                  {},
                  'Not expressed by this file: ',
                  explanation.ignored.map((k, i) => [i ? ', ' : '', h('code', {}, k)]),
                )
              : null,
            (explanation.notes ?? []).map((note) => h('p', { class: 'muted' }, note)),
          ]
        : null,
    );
  };
  for (const control of [fileSelect, revealFile, explainFile])
    control.addEventListener('change', showFile);
  fill(
    filesSlot,
    h(
      'div',
      { class: 'inline-form' },
      field('File', fileSelect),
      h('label', { class: 'check' }, revealFile, ' Reveal secrets'),
      h('label', { class: 'check' }, explainFile, ' Explain (--explain)'),
    ),
    preview,
  );

  // Credentials: masked, revealed on demand, rotated, first contact reopened.
  let revealPassword = false;
  const showCredentials = async (shown) => {
    const credentials =
      shown ?? (await get(`${path}/credentials${query({ secrets: revealPassword })}`));
    fill(
      credentialsSlot,
      h(
        'dl',
        { class: 'facts' },
        h('dt', {}, 'Policy'),
        h('dd', {}, credentials.policy),
        h('dt', {}, 'User'),
        h('dd', { class: 'mono' }, credentials.username),
        h('dt', {}, 'Password'),
        h('dd', { class: 'mono', 'data-secret': '' }, credentials.password),
        h('dt', {}, 'Rotated'),
        h('dd', {}, time(credentials.rotatedAt)),
        h('dt', {}, 'First contact'),
        h(
          'dd',
          {},
          credentials.firstContact.closedAt
            ? ['closed ', time(credentials.firstContact.closedAt)]
            : credentials.firstContact.openedAt
              ? ['open since ', time(credentials.firstContact.openedAt)]
              : 'open until first use',
        ),
      ),
      h(
        'div',
        { class: 'actions' },
        h(
          'button',
          {
            type: 'button',
            'aria-pressed': String(revealPassword),
            onclick: () => {
              revealPassword = !revealPassword;
              showCredentials();
            },
          },
          revealPassword ? 'Mask' : 'Reveal',
        ),
        h('button', { type: 'button', onclick: () => rotate(false) }, 'Rotate'),
        h('button', { type: 'button', onclick: () => rotate(true) }, 'Reopen first contact'),
      ),
    );
  };
  const rotate = async (reopen) => {
    const done = await attempt(null, () =>
      request('POST', `${path}/credentials/rotate${query({ secrets: revealPassword })}`, {
        json: reopen ? { reopen: true } : {},
      }),
    );
    if (done) {
      notify(
        reopen
          ? 'New credentials; first contact is open again.'
          : 'New credentials; the old password is still accepted for the grace period.',
      );
      showCredentials(done);
    }
  };

  const events = [];
  const eventBody = h('tbody');
  const showEvents = () =>
    fill(
      eventBody,
      events.length
        ? events.slice(0, 100).map(eventRow)
        : h(
            'tr',
            {},
            h(
              'td',
              { colspan: EVENT_HEADERS.length, class: 'muted' },
              'No request from this phone yet.',
            ),
          ),
    );
  fill(
    eventsSlot,
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        {},
        h('caption', { class: 'visually-hidden' }, 'Events of this device, newest first'),
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            EVENT_HEADERS.map((x) => h('th', { scope: 'col' }, x)),
          ),
        ),
        eventBody,
      ),
    ),
    h('p', {}, h('a', { href: `#/events?mac=${mac}` }, 'All events of this device')),
  );
  events.push(...(await get(`/events${query({ mac, limit: 50 })}`)));
  showEvents();
  const stop = liveEvents({ mac }, async (kind, event) => {
    if (kind === 'skipped' && event.kind === 'provisioning') {
      // This phone alone had more events at once than the stream sends: read its newest again.
      const newest = await get(`/events${query({ mac, limit: 50 })}`).catch(() => undefined);
      if (newest) events.splice(0, events.length, ...newest);
      return showEvents();
    }
    if (kind !== 'provisioning') return;
    // The newest 50, as the page opened with; the rest are on the events page.
    events.unshift(event);
    events.splice(50);
    showEvents();
  });

  const cwmp = await get(`${path}/cwmp`).catch((error) => ({ error }));
  if (cwmp.error) fill(cwmpSlot, errorBox(cwmp.error));
  else {
    const { mac: _mac, ...state } = cwmp;
    const viaAcs = h(
      'button',
      { type: 'button', onclick: () => resync(false, 'tr069') },
      'Resync via TR-069',
    );
    fill(
      cwmpSlot,
      Object.keys(state).length
        ? [h('pre', { class: 'file' }, JSON.stringify(state, null, 2)), viaAcs]
        : h('p', { class: 'muted' }, 'This device has not spoken TR-069 to the ACS.'),
    );
  }

  const effective = await showEffective();
  await showEdit(device, effective);
  await showFile();
  await showCredentials();
  return stop;
}

/** A resync's outcome in words: the phone's answer, 408 for none, or why nothing was sent. */
export function outcomeOf(answer) {
  const words = answer.ok
    ? `The phone accepted (${answer.status}).`
    : answer.status === 408
      ? 'The phone did not answer (408).'
      : answer.status === 503
        ? `Nothing was sent (503${answer.reason ? `: ${answer.reason}` : ''}).`
        : `The phone refused (${answer.status}${answer.reason ? `: ${answer.reason}` : ''}).`;
  return h(
    'p',
    { class: `outcome-line ${answer.ok ? 'ok' : 'bad'}`, 'data-status': answer.status },
    h('strong', {}, words),
    answer.target ? ` To ${answer.target}` : '',
    answer.event ? `, ${answer.event}` : '',
    answer.durationMs !== undefined ? `, ${Math.round(answer.durationMs)} ms` : '',
    answer.at ? [' at ', time(answer.at)] : '',
  );
}
