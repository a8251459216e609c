// A tiny element builder: every text goes in as text, never as HTML, so nothing a phone or an
// operator typed (a User-Agent, a label) can become markup or script.

/**
 * h('a', { href: '#/x', class: 'k' }, 'text', child…): attributes starting with `on` are
 * listeners; `false`, `null` and `undefined` attributes and children are left out.
 */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes ?? {})) {
    if (value === false || value === null || value === undefined) continue;
    if (name.startsWith('on') && typeof value === 'function') {
      element.addEventListener(name.slice(2).toLowerCase(), value);
    } else if (name === 'value' && 'value' in element) {
      element.value = String(value);
    } else if (name === 'checked' || name === 'selected') {
      element[name] = Boolean(value);
    } else {
      element.setAttribute(name, value === true ? '' : String(value));
    }
  }
  append(element, children);
  return element;
}

function append(parent, children) {
  for (const child of children) {
    if (child === false || child === null || child === undefined) continue;
    if (Array.isArray(child)) append(parent, child);
    else parent.append(child instanceof Node ? child : String(child));
  }
}

/** Replaces an element's content. */
export function fill(element, ...children) {
  element.replaceChildren();
  append(element, children);
  return element;
}

let ids = 0;
/** A fresh id for a label's `for`. */
export function uid(prefix = 'f') {
  ids += 1;
  return `${prefix}-${ids}`;
}

/** A labelled input: [label, control]; the control gets the id. */
export function field(label, control, hint) {
  const id = control.id || uid();
  control.id = id;
  const hintId = hint ? `${id}-hint` : undefined;
  if (hintId) control.setAttribute('aria-describedby', hintId);
  return h(
    'div',
    { class: 'field' },
    h('label', { for: id }, label),
    control,
    hint ? h('small', { id: hintId, class: 'hint' }, hint) : null,
  );
}

/** A number as the operator reads it: 100,000. */
export function count(n) {
  return Number(n ?? 0).toLocaleString('en');
}

/** A time as a local date and time in ISO order (2026-03-01 12:05:00), with the exact ISO time as its title. */
export function time(iso) {
  if (!iso) return h('span', { class: 'muted' }, 'never');
  const at = new Date(iso);
  return h('time', { datetime: iso, title: iso }, at.toLocaleString('sv-SE'));
}

/** A MAC as the operator reads it: 00:21:f2:00:00:01. */
export function macText(mac) {
  return String(mac).replace(/(..)(?!$)/g, '$1:');
}

/** A table with a caption and a header row; rows are arrays of cells. */
export function table(caption, headers, rows, options = {}) {
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: options.class ?? null },
      h('caption', { class: options.hideCaption ? 'visually-hidden' : null }, caption),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          headers.map((head) => (head instanceof Node ? head : h('th', { scope: 'col' }, head))),
        ),
      ),
      h(
        'tbody',
        {},
        rows.length === 0
          ? h(
              'tr',
              {},
              h('td', { colspan: headers.length, class: 'muted' }, options.empty ?? 'Nothing yet.'),
            )
          : rows.map((cells) =>
              h(
                'tr',
                {},
                // The header as each cell's label: a stacked table (class stack) shows it on phones.
                cells.map((cell, i) =>
                  h(
                    'td',
                    { 'data-label': typeof headers[i] === 'string' ? headers[i] : null },
                    cell,
                  ),
                ),
              ),
            ),
      ),
    ),
  );
}
