// The devices table: one page at a time from the server, which searches, filters and sorts,
// so it stays as fast at 100,000 devices as at 100.
import { get, query } from '../api.js';
import { count, fill, h, macText, time, field } from '../dom.js';
import { replaceQuery } from '../route.js';
import { errorBox, heading } from '../ui.js';

const COLUMNS = [
  ['mac', 'MAC'],
  ['vendor', 'Vendor'],
  ['model', 'Model'],
  ['user', 'User'],
  [null, 'Profiles'],
  ['firmware', 'Firmware'],
  ['lastContact', 'Last contact'],
];
const FILTERS = ['vendor', 'profile', 'model', 'firmware', 'seen'];
const PAGE = 50;

/** MACs picked in the table, for a bulk resync. */
export const selection = {
  read() {
    try {
      return new Set(JSON.parse(sessionStorage.getItem('plugndial-selection') ?? '[]'));
    } catch {
      return new Set();
    }
  },
  write(set) {
    sessionStorage.setItem('plugndial-selection', JSON.stringify([...set]));
  },
};

export async function render(main, route) {
  const params = route.params;
  const state = {
    q: params.get('q') ?? '',
    sort: params.get('sort') ?? 'mac',
    order: params.get('order') ?? 'asc',
    // An address typed or kept by hand may say anything: a whole, non-negative offset.
    offset: Math.max(0, Math.floor(Number(params.get('offset') ?? 0) || 0)),
    filters: Object.fromEntries(FILTERS.map((name) => [name, params.get(name) ?? ''])),
  };
  const picked = selection.read();
  const search = h('input', {
    type: 'search',
    value: state.q,
    placeholder: '00:21:f2, 1001, yealink, T54W…',
    autocomplete: 'off',
  });
  const seen = h(
    'select',
    {},
    [
      ['', 'any time'],
      ['hour', 'in the last hour'],
      ['day', 'in the last day'],
      ['week', 'in the last week'],
      ['stale', 'not in 24 hours'],
      ['never', 'never'],
    ].map(([value, text]) => h('option', { value, selected: state.filters.seen === value }, text)),
  );
  const summary = h('p', { class: 'summary', role: 'status', 'aria-live': 'polite' });
  const body = h('div', { class: 'table-wrap' });
  const pager = h('nav', { class: 'pager', 'aria-label': 'Pages' });
  const pickedCount = h('span');
  const resyncPicked = h(
    'a',
    { class: 'button', href: '#/bulk?selection=1' },
    'Resync selected (',
    pickedCount,
    ')',
  );
  const clearPicked = h(
    'button',
    {
      type: 'button',
      onclick: () => {
        picked.clear();
        selection.write(picked);
        load();
      },
    },
    'Clear selection',
  );
  const active = h('p', { class: 'filters' });

  main.append(
    heading(
      'Devices',
      resyncPicked,
      clearPicked,
      h('a', { class: 'button', href: '#/bulk' }, 'Import CSV'),
    ),
    h(
      'form',
      {
        class: 'toolbar',
        role: 'search',
        onsubmit: (event) => {
          event.preventDefault();
          state.offset = 0;
          load();
        },
      },
      field(
        'Search',
        search,
        'Part of a MAC in any form, a user, label, vendor, model, profile, firmware or address.',
      ),
      field('Last contact', seen),
    ),
    active,
    summary,
    body,
    pager,
  );

  let timer;
  search.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      state.q = search.value;
      state.offset = 0;
      load();
    }, 250);
  });
  seen.addEventListener('change', () => {
    state.filters.seen = seen.value;
    state.offset = 0;
    load();
  });

  let generation = 0;
  async function load() {
    const mine = ++generation;
    const values = {
      q: state.q.trim(),
      sort: state.sort === 'mac' ? '' : state.sort,
      order: state.order === 'asc' ? '' : state.order,
      offset: state.offset || '',
      ...state.filters,
    };
    replaceQuery(new URLSearchParams(query(values).slice(1)));
    body.setAttribute('aria-busy', 'true');
    let page;
    try {
      page = await get(`/fleet/devices${query({ ...values, limit: PAGE })}`);
    } catch (error) {
      if (mine !== generation) return;
      body.setAttribute('aria-busy', 'false');
      fill(body, errorBox(error));
      return;
    }
    if (mine !== generation) return;
    // Past the end (devices removed since, or an old address): the last page instead.
    if (page.devices.length === 0 && page.total > 0 && state.offset >= page.total) {
      state.offset = Math.floor((page.total - 1) / PAGE) * PAGE;
      load();
      return;
    }
    body.setAttribute('aria-busy', 'false');
    pickedCount.textContent = count(picked.size);
    resyncPicked.hidden = picked.size === 0;
    clearPicked.hidden = picked.size === 0;
    const shownFilters = FILTERS.filter((name) => name !== 'seen' && state.filters[name]);
    fill(
      active,
      shownFilters.map((name) =>
        h(
          'button',
          {
            type: 'button',
            class: 'chip',
            'aria-label': `Remove filter ${name} ${state.filters[name]}`,
            onclick: () => {
              state.filters[name] = '';
              state.offset = 0;
              load();
            },
          },
          `${name}: ${state.filters[name]} ✕`,
        ),
      ),
    );
    const first = page.total === 0 ? 0 : state.offset + 1;
    const last = state.offset + page.devices.length;
    summary.textContent =
      page.total === 0
        ? 'No device matches.'
        : `${count(first)}–${count(last)} of ${count(page.total)} devices`;
    fill(body, tableOf(page.devices));
    fill(
      pager,
      h(
        'button',
        {
          type: 'button',
          disabled: state.offset === 0,
          onclick: () => {
            state.offset = Math.max(0, state.offset - PAGE);
            load();
          },
        },
        '‹ Previous',
      ),
      h(
        'button',
        {
          type: 'button',
          disabled: last >= page.total,
          onclick: () => {
            state.offset += PAGE;
            load();
          },
        },
        'Next ›',
      ),
    );
  }

  function header([key, label]) {
    if (!key) return h('th', { scope: 'col' }, label);
    const current = state.sort === key;
    const sort = current ? (state.order === 'asc' ? 'ascending' : 'descending') : 'none';
    return h(
      'th',
      { scope: 'col', 'aria-sort': sort },
      h(
        'button',
        {
          type: 'button',
          class: 'sort',
          onclick: () => {
            state.order = current && state.order === 'asc' ? 'desc' : 'asc';
            state.sort = key;
            state.offset = 0;
            load();
          },
        },
        label,
        h('span', { 'aria-hidden': 'true' }, current ? (state.order === 'asc' ? ' ▲' : ' ▼') : ''),
      ),
    );
  }

  function tableOf(devices) {
    return h(
      'table',
      { class: 'devices' },
      h('caption', { class: 'visually-hidden' }, 'Devices; column headers sort'),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, 'Select')),
          COLUMNS.map(header),
        ),
      ),
      h(
        'tbody',
        {},
        devices.map((device) => {
          const box = h('input', {
            type: 'checkbox',
            checked: picked.has(device.mac),
            'aria-label': `Select ${macText(device.mac)}`,
            onchange: () => {
              if (box.checked) picked.add(device.mac);
              else picked.delete(device.mac);
              selection.write(picked);
              pickedCount.textContent = count(picked.size);
              resyncPicked.hidden = picked.size === 0;
              clearPicked.hidden = picked.size === 0;
            },
          });
          const contact = device.lastContact;
          return h(
            'tr',
            {},
            h('td', {}, box),
            h(
              'td',
              { 'data-label': 'MAC' },
              h('a', { href: `#/devices/${device.mac}`, class: 'mono' }, macText(device.mac)),
            ),
            h('td', { 'data-label': 'Vendor' }, device.vendor),
            h('td', { 'data-label': 'Model' }, device.model ?? device.reportedModel ?? '—'),
            h(
              'td',
              { 'data-label': 'User' },
              device.user ?? '—',
              device.label ? h('span', { class: 'muted' }, ` ${device.label}`) : null,
            ),
            h('td', { 'data-label': 'Profiles' }, device.profiles.join(', ') || '—'),
            h('td', { 'data-label': 'Firmware' }, device.firmware ?? '—'),
            h(
              'td',
              { 'data-label': 'Last contact' },
              contact
                ? [time(contact.at), h('span', { class: 'muted' }, ` ${contact.address ?? ''}`)]
                : time(null),
            ),
          );
        }),
      ),
    );
  }

  await load();
  search.focus();
  return () => clearTimeout(timer);
}
