// Security events: blocked addresses, refused sign-ins, credential rotations, limits reached.
import { get, query } from '../api.js';
import { fill, h, macText, time, field, uid } from '../dom.js';
import { liveEvents } from '../live.js';
import { replaceQuery } from '../route.js';
import { attempt, behindNotice, heading } from '../ui.js';

const HEADERS = ['Time', 'Kind', 'Device', 'Address', 'Detail'];

function row(event) {
  return h(
    'tr',
    {},
    h('td', { 'data-label': 'Time' }, time(event.at)),
    h('td', { 'data-label': 'Kind' }, event.kind),
    h(
      'td',
      { 'data-label': 'Device' },
      event.mac
        ? h('a', { href: `#/devices/${event.mac}`, class: 'mono' }, macText(event.mac))
        : '',
    ),
    h('td', { 'data-label': 'Address' }, event.address ?? ''),
    h('td', { 'data-label': 'Detail' }, event.detail ?? ''),
  );
}

/** The kinds the API's filter offers, from its own description (GET /openapi.json). */
async function kinds() {
  const api = await get('/openapi.json').catch(() => undefined);
  const parameters = api?.paths?.['/security-events']?.get?.parameters ?? [];
  return parameters.find((p) => p.name === 'kind')?.schema?.enum ?? [];
}

export async function render(main, route) {
  const mac = h('input', {
    type: 'text',
    value: route.params.get('mac') ?? '',
    spellcheck: 'false',
  });
  const known = h('datalist', { id: uid('kinds') });
  const kind = h('input', {
    type: 'text',
    value: route.params.get('kind') ?? '',
    placeholder: 'any kind',
    list: known.id,
    spellcheck: 'false',
  });
  const tail = h('input', { type: 'checkbox', checked: true });
  const slot = h('div');
  const body = h('tbody');
  const state = h('span', { class: 'muted', role: 'status' });
  main.append(
    heading('Security events'),
    h(
      'form',
      {
        class: 'toolbar',
        onsubmit: (e) => {
          e.preventDefault();
          load();
        },
      },
      field('Device', mac),
      field('Kind', kind),
      known,
      h('label', { class: 'check' }, tail, ' Live tail'),
      h('button', { type: 'submit' }, 'Filter'),
      state,
    ),
    slot,
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { class: 'events' },
        h('caption', { class: 'visually-hidden' }, 'Security events, newest first'),
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            HEADERS.map((x) => h('th', { scope: 'col' }, x)),
          ),
        ),
        body,
      ),
    ),
  );
  let rows = [];
  let stop = () => {};
  // Live events are held to the filter the rows were loaded with.
  let loadedKind;
  const wanted = (event) => !loadedKind || event.kind === loadedKind;
  const show = () => {
    const shown = rows.filter(wanted);
    fill(
      body,
      shown.length
        ? shown.map(row)
        : h('tr', {}, h('td', { colspan: HEADERS.length, class: 'muted' }, 'No security event.')),
    );
  };
  async function load() {
    const m = mac.value.replace(/[\s:.-]/g, '').toLowerCase() || undefined;
    const k = kind.value.trim() || undefined;
    loadedKind = k;
    // The filter is the server's, over every event kept, and in the address to share.
    replaceQuery(new URLSearchParams(query({ mac: m, kind: k }).slice(1)));
    rows =
      (await attempt(slot, () =>
        get(`/security-events${query({ mac: m, kind: k, limit: 200 })}`),
      )) ?? [];
    show();
    stop();
    stop = tail.checked
      ? liveEvents(
          m ? { mac: m } : {},
          (k, event) => {
            if (k === 'skipped' && event.kind === 'security')
              return fill(slot, behindNotice(event, load));
            if (k !== 'security') return;
            // As the events page: the newest 500 in the page, the rest a filter away.
            rows.unshift(event);
            rows = rows.slice(0, 500);
            show();
          },
          (s) => (state.textContent = s === 'open' ? 'Live.' : `Live tail ${s}.`),
        )
      : () => {};
  }
  tail.addEventListener('change', load);
  fill(
    known,
    (await kinds()).map((k) => h('option', { value: k })),
  );
  await load();
  return () => stop();
}
