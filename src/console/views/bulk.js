// Bulk work: a device CSV checked first (every bad row listed, nothing stored), then stored
// all or nothing; a resync of a profile, a selection or all phones at a rate, with progress.
import { get, query, request } from '../api.js';
import { count, fill, h, field, macText } from '../dom.js';
import { attempt, errorBox, heading, notify, progressBar, section } from '../ui.js';
import { selection } from './devices.js';

function importSection() {
  const file = h('input', { type: 'file', accept: '.csv,text/csv' });
  const text = h('textarea', {
    rows: 8,
    spellcheck: 'false',
    placeholder:
      'mac,vendor,model,profiles,accounts.1.user,accounts.1.password\n0021f2000001,yealink,T54W,office,1001,s3cret',
  });
  const slot = h('div', { role: 'status', 'aria-live': 'polite' });
  let checked;
  file.addEventListener('change', async () => {
    if (file.files[0]) text.value = await file.files[0].text();
  });
  const fileName = () => file.files[0]?.name ?? 'the pasted CSV';
  const store = h(
    'button',
    {
      type: 'button',
      class: 'primary',
      hidden: true,
      async onclick() {
        store.hidden = true;
        const done = await attempt(slot, () =>
          request('POST', `/devices/import${query({ file: checked.name })}`, {
            body: checked.csv,
            type: 'text/csv',
          }),
        );
        if (done) {
          fill(slot, h('p', { class: 'notice ok' }, `${count(done.added)} devices imported.`));
          notify(`${count(done.added)} devices imported.`);
        }
      },
    },
    'Import',
  );
  const form = h(
    'form',
    {
      class: 'inline-form',
      async onsubmit(event) {
        event.preventDefault();
        store.hidden = true;
        const csv = text.value;
        const result = await attempt(slot, () =>
          request('POST', `/devices/import${query({ check: true, file: fileName() })}`, {
            body: csv,
            type: 'text/csv',
          }),
        );
        if (!result) {
          slot.prepend(
            h(
              'p',
              { class: 'notice bad' },
              'Nothing was stored. Fix the rows below and check again.',
            ),
          );
          return;
        }
        checked = { csv, name: fileName() };
        fill(
          slot,
          h(
            'p',
            { class: 'notice ok' },
            `All rows are good: ${count(result.added)} devices would be added. Nothing is stored yet.`,
          ),
          result.warnings?.length
            ? h(
                'div',
                { class: 'warn' },
                h('p', {}, 'Warnings:'),
                h(
                  'ul',
                  {},
                  result.warnings.map((w) => h('li', {}, w.problem ?? JSON.stringify(w))),
                ),
              )
            : null,
        );
        store.hidden = false;
      },
    },
    field('CSV file', file),
    field(
      'or paste the CSV',
      text,
      'Header mac,vendor and any of model, profiles and canonical keys. All rows or none are stored.',
    ),
    h('button', { type: 'submit' }, 'Check (dry run)'),
  );
  return section('Import devices from CSV', form, slot, store);
}

function resyncSection(params) {
  const picked = selection.read();
  const mode = h(
    'select',
    {},
    h(
      'option',
      {
        value: 'selection',
        selected: params.get('selection') === '1' || (picked.size > 0 && !params.get('profile')),
      },
      `the selected devices (${count(picked.size)})`,
    ),
    h('option', { value: 'macs' }, 'the MACs listed'),
    h(
      'option',
      { value: 'profile', selected: Boolean(params.get('profile')) },
      'the devices of a profile',
    ),
    h('option', { value: 'all' }, 'every device'),
  );
  const profile = h('input', {
    type: 'text',
    value: params.get('profile') ?? '',
    spellcheck: 'false',
  });
  const macs = h('textarea', {
    rows: 3,
    spellcheck: 'false',
    placeholder: '00:21:f2:00:00:01, 0021f2000002',
  });
  const rate = h('input', {
    type: 'number',
    min: '0.1',
    max: '1000',
    step: 'any',
    value: '5',
    required: true,
  });
  const reboot = h('input', { type: 'checkbox' });
  const progress = progressBar('Resync progress');
  progress.element.hidden = true;
  const figures = h('p', { role: 'status', 'aria-live': 'polite' });
  const slot = h('div');
  let timer;
  let job;
  const cancel = h(
    'button',
    {
      type: 'button',
      class: 'danger',
      hidden: true,
      async onclick() {
        await attempt(slot, () => request('DELETE', `/resyncs/${job.id}`));
      },
    },
    'Stop',
  );
  const show = (state) => {
    progress.set(
      state.done,
      state.total,
      `${count(state.done)} of ${count(state.total)} phones told`,
    );
    fill(
      figures,
      `${count(state.answered)} accepted · ${count(state.failed)} failed or no answer (408) · ${count(state.unreachable)} not reachable`,
      state.finishedAt
        ? ` · ${state.cancelled ? 'stopped' : 'finished'}`
        : ` · ${state.rate} a second`,
    );
  };
  const poll = async () => {
    const state = await attempt(slot, () => get(`/resyncs/${job.id}`));
    if (!state) return;
    show(state);
    if (state.finishedAt) {
      cancel.hidden = true;
      if (state.failures?.length)
        slot.append(
          h(
            'details',
            {},
            h('summary', {}, `${count(state.failures.length)} phones were not resynced`),
            h(
              'ul',
              {},
              state.failures
                .slice(0, 200)
                .map((f) =>
                  h(
                    'li',
                    {},
                    h('a', { href: `#/devices/${f.mac}`, class: 'mono' }, macText(f.mac)),
                    ': ',
                    f.error ? f.error.message : `${f.status}${f.reason ? ` ${f.reason}` : ''}`,
                  ),
                ),
            ),
          ),
        );
      return;
    }
    timer = setTimeout(poll, 500);
  };
  // Only the field the chosen way of naming phones reads is shown.
  const profileField = field('Profile', profile);
  const macsField = field('MACs', macs);
  const showFields = () => {
    profileField.hidden = mode.value !== 'profile';
    macsField.hidden = mode.value !== 'macs';
  };
  mode.addEventListener('change', showFields);
  showFields();
  const form = h(
    'form',
    {
      class: 'inline-form',
      async onsubmit(event) {
        event.preventDefault();
        clearTimeout(timer);
        const body = { rate: Number(rate.value), reboot: reboot.checked };
        if (mode.value === 'selection') body.macs = [...selection.read()];
        else if (mode.value === 'macs') body.macs = macs.value.split(/[\s,;]+/).filter(Boolean);
        else if (mode.value === 'profile') body.profile = profile.value.trim();
        else body.all = true;
        if (body.macs && body.macs.length === 0) {
          fill(
            slot,
            errorBox(
              new Error('No device is selected: pick some in the devices table, or list MACs.'),
            ),
          );
          return;
        }
        job = await attempt(slot, () => request('POST', '/resyncs', { json: body }));
        if (!job) return;
        progress.element.hidden = false;
        cancel.hidden = false;
        show(job);
        poll();
      },
    },
    field('Resync', mode),
    profileField,
    macsField,
    field('Phones a second', rate, 'So a site does not reboot at once.'),
    h('label', { class: 'check' }, reboot, ' Reboot after provisioning'),
    h('button', { type: 'submit', class: 'primary' }, 'Start resync'),
  );
  return {
    element: section('Resync phones', form, progress.element, figures, cancel, slot),
    stop: () => clearTimeout(timer),
  };
}

export async function render(main, route) {
  const resync = resyncSection(route.params);
  main.append(heading('Bulk'), importSection(), resync.element);
  return resync.stop;
}
