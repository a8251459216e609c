// Pieces every screen uses: messages, error boxes, headings, progress bars.
import { h, fill } from './dom.js';

/** A short message in the page's live region (read out by screen readers). */
export function notify(text, kind = 'ok') {
  const notice = document.getElementById('notice');
  fill(notice, h('p', { class: `notice ${kind}` }, text));
  clearTimeout(notify.timer);
  notify.timer = setTimeout(() => fill(notice), 6000);
}

/** What went wrong, as the server said it; every row a bad CSV row named. */
export function errorBox(error) {
  const rows = Array.isArray(error?.details?.rows) ? error.details.rows : [];
  const [first, ...rest] = String(error?.message ?? error).split('\n');
  return h(
    'div',
    { class: 'error', role: 'alert' },
    h('p', {}, h('strong', {}, 'Refused: '), first),
    rows.length > 0
      ? h(
          'ul',
          { class: 'bad-rows', 'aria-label': 'Bad rows' },
          rows.map((row) => h('li', {}, h('strong', {}, `Row ${row.line}: `), row.message)),
        )
      : rest.length > 0
        ? h('pre', {}, rest.join('\n'))
        : null,
    error?.code ? h('small', { class: 'muted' }, error.code) : null,
  );
}

/** Runs an action, showing its error in `slot` (or as a notice); answers its result. */
export async function attempt(slot, action) {
  if (slot) fill(slot);
  try {
    return await action();
  } catch (error) {
    if (slot) fill(slot, errorBox(error));
    else notify(error.message, 'bad');
    return undefined;
  }
}

/**
 * More events came at once than a live tail is sent ({afterId, beforeId} of its skipped
 * message): the table is not all there is, and says so, with a way to read it again.
 */
export function behindNotice(gap, reload) {
  const missed = Math.max(0, gap.beforeId - gap.afterId - 1);
  return h(
    'div',
    { class: 'notice warn', role: 'status' },
    `${missed.toLocaleString()} events came in faster than the live tail shows. `,
    h('button', { type: 'button', onclick: reload }, 'Reload'),
  );
}

export function heading(text, ...aside) {
  document.title = `${text} · plugndial`;
  return h(
    'div',
    { class: 'page-head' },
    h('h1', {}, text),
    aside.length ? h('div', { class: 'actions' }, aside) : null,
  );
}

/** A labelled progress bar that also says its figures in words. */
export function progressBar(label) {
  const bar = h('progress', { max: 1, value: 0, 'aria-label': label });
  const words = h('span', { class: 'progress-words' }, '0%');
  const element = h('div', { class: 'progress' }, bar, words);
  return {
    element,
    set(done, total, text) {
      bar.max = total || 1;
      bar.value = done;
      const percent = total ? Math.floor((done / total) * 100) : 0;
      words.textContent = text ?? `${percent}%`;
    },
  };
}

export function section(title, ...children) {
  return h('section', { class: 'card' }, h('h2', {}, title), children);
}

/** A key's source as a badge: default, profile:<name> or device. */
export function sourceBadge(origin) {
  if (!origin) return h('span', { class: 'badge' }, 'default');
  const kind =
    origin === 'device' ? 'device' : origin.startsWith('profile:') ? 'profile' : 'default';
  const text = origin === 'schema' ? 'default' : origin;
  return h('span', { class: `badge ${kind}` }, text);
}
