// Settings forms generated from the settings schema (GET /settings): a new canonical key
// appears here without console code. Values go to the server as text, which checks them
// exactly as the command line does and answers the same messages.
import { h, uid } from './dom.js';
import { sourceBadge } from './ui.js';

const MASK = '********';

/** The schema's keys for one index of a repeated group: accounts.N.user → accounts.2.user. */
function keyOf(pattern, index) {
  return pattern.replace('.N.', `.${index}.`);
}

function groupOf(pattern) {
  return pattern.split('.')[0];
}

/** The indexes present among the keys of a repeated group (accounts, keys), and at least 1. */
function indexesOf(group, ...layers) {
  const found = new Set([1]);
  for (const layer of layers) {
    for (const key of Object.keys(layer ?? {})) {
      const match = new RegExp(`^${group}\\.(\\d+)\\.`).exec(key);
      if (match) found.add(Number(match[1]));
    }
  }
  return [...found].sort((a, b) => a - b);
}

function text(value) {
  if (value === undefined || value === null) return '';
  return Array.isArray(value) ? value.join(',') : String(value);
}

function control(spec, key, own, inherited) {
  const kind = spec.kind;
  const id = uid('s');
  const attributes = { id, name: key, 'data-key': key };
  if (kind.type === 'bool') {
    return h(
      'select',
      attributes,
      h(
        'option',
        { value: '' },
        inherited === undefined ? '(not set)' : `(inherited: ${text(inherited)})`,
      ),
      ['true', 'false'].map((v) => h('option', { value: v, selected: text(own) === v }, v)),
    );
  }
  if (kind.type === 'enum') {
    return h(
      'select',
      attributes,
      h(
        'option',
        { value: '' },
        inherited === undefined ? '(not set)' : `(inherited: ${text(inherited)})`,
      ),
      kind.values.map((v) => h('option', { value: v, selected: text(own) === v }, v)),
    );
  }
  const placeholder = inherited === undefined ? '' : `inherited: ${text(inherited)}`;
  if (kind.type === 'secret') {
    return h('input', {
      ...attributes,
      type: 'password',
      autocomplete: 'new-password',
      placeholder: own !== undefined ? 'set — type to replace' : placeholder,
    });
  }
  // Text, not number: the server checks every value and answers the command line's message.
  return h('input', {
    ...attributes,
    type: 'text',
    value: text(own),
    placeholder,
    ...(kind.type === 'int' ? { inputmode: 'numeric' } : {}),
    ...(kind.type === 'string' && kind.max ? { maxlength: kind.max } : {}),
    spellcheck: 'false',
  });
}

/**
 * A form for one layer's own settings (a profile's or a device's). `effective` and `origin`
 * (optional) show what the layer would inherit. onSave({ settings, unset }) gets the changes.
 */
export function settingsForm({
  schema,
  own = {},
  effective = {},
  origin = {},
  onSave,
  saveLabel = 'Save settings',
}) {
  const groups = new Map();
  for (const spec of schema) {
    if (!groups.has(groupOf(spec.pattern))) groups.set(groupOf(spec.pattern), []);
    groups.get(groupOf(spec.pattern)).push(spec);
  }
  const rows = [];
  const fieldFor = (spec, key) => {
    const value = own[key];
    const inherited = origin[key] && origin[key] !== 'device' ? effective[key] : spec.default;
    const input = control(
      spec,
      key,
      value,
      value === undefined ? inherited : origin[key] === 'device' ? undefined : inherited,
    );
    const remove =
      value !== undefined
        ? h('input', { type: 'checkbox', 'data-unset': key, 'aria-label': `Remove ${key}` })
        : null;
    rows.push({ key, input, remove, before: text(value), secret: spec.kind.type === 'secret' });
    return h(
      'div',
      { class: 'setting' },
      h(
        'label',
        { for: input.id },
        h('code', {}, key),
        h('span', { class: 'muted' }, ` ${spec.description}`),
      ),
      h(
        'div',
        { class: 'setting-control' },
        input,
        remove ? h('label', { class: 'unset' }, remove, ' remove') : null,
        value === undefined && origin[key]
          ? sourceBadge(origin[key])
          : value !== undefined
            ? h('span', { class: 'badge device' }, 'set here')
            : null,
      ),
    );
  };
  const sections = [];
  for (const [group, specs] of groups) {
    const repeated = specs[0].pattern.includes('.N.');
    const hasOwn = Object.keys(own).some((key) => key.startsWith(`${group}.`));
    const body = h('div', { class: 'settings-group' });
    const details = h(
      'details',
      { open: hasOwn },
      h('summary', {}, group, hasOwn ? h('span', { class: 'badge device' }, 'set here') : null),
      body,
    );
    if (repeated) {
      const indexes = indexesOf(group, own, effective);
      const addIndex = (index) => {
        body.append(
          h(
            'fieldset',
            {},
            h('legend', {}, `${group} ${index}`),
            specs.map((spec) => fieldFor(spec, keyOf(spec.pattern, index))),
          ),
        );
      };
      indexes.forEach(addIndex);
      let next = Math.max(...indexes) + 1;
      const more = h(
        'button',
        {
          type: 'button',
          onclick: () => {
            addIndex(next);
            next += 1;
            // The button names the index it adds next, not the one it just added.
            more.textContent = `Add ${group} ${next}`;
            body.append(more);
          },
        },
        `Add ${group} ${next}`,
      );
      body.append(more);
    } else {
      body.append(...specs.map((spec) => fieldFor(spec, spec.pattern)));
    }
    sections.push(details);
  }
  // Keys beyond the schema's forms: native.<driver>.<vendor key>, and any canonical key typed.
  const otherKey = h('input', {
    type: 'text',
    id: uid('k'),
    placeholder: 'native.yealink.features.dnd.enable',
    spellcheck: 'false',
  });
  const otherValue = h('input', { type: 'text', id: uid('v'), spellcheck: 'false' });
  const nativeOwn = Object.entries(own).filter(([key]) => key.startsWith('native.'));
  sections.push(
    h(
      'details',
      { open: nativeOwn.length > 0 },
      h('summary', {}, 'other keys (native.<driver>.<key>)'),
      h(
        'div',
        { class: 'settings-group' },
        nativeOwn.map(([key, value]) => {
          const input = h('input', {
            type: 'text',
            id: uid('n'),
            value: text(value),
            'data-key': key,
            spellcheck: 'false',
          });
          const remove = h('input', {
            type: 'checkbox',
            'data-unset': key,
            'aria-label': `Remove ${key}`,
          });
          rows.push({ key, input, remove, before: text(value), secret: false });
          return h(
            'div',
            { class: 'setting' },
            h('label', { for: input.id }, h('code', {}, key)),
            h(
              'div',
              { class: 'setting-control' },
              input,
              h('label', { class: 'unset' }, remove, ' remove'),
            ),
          );
        }),
        h('div', { class: 'setting' }, h('label', { for: otherKey.id }, 'Key'), otherKey),
        h('div', { class: 'setting' }, h('label', { for: otherValue.id }, 'Value'), otherValue),
      ),
    ),
  );
  const form = h(
    'form',
    {
      class: 'settings-form',
      onsubmit(event) {
        event.preventDefault();
        const settings = {};
        const unset = [];
        for (const row of rows) {
          if (row.remove?.checked) {
            unset.push(row.key);
            continue;
          }
          const now = row.input.value.trim();
          if (row.secret) {
            if (now !== '' && now !== MASK) settings[row.key] = now;
          } else if (now !== row.before) {
            if (now === '') unset.push(row.key);
            else settings[row.key] = now;
          }
        }
        if (otherKey.value.trim()) settings[otherKey.value.trim()] = otherValue.value.trim();
        onSave({ settings, unset });
      },
    },
    sections,
    h(
      'div',
      { class: 'form-actions' },
      h('button', { type: 'submit', class: 'primary' }, saveLabel),
    ),
  );
  return form;
}
