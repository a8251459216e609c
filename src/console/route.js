// The hash route: #/devices?q=00:21 is the devices screen with its search.

/** The hash as a path and its query. */
export function currentRoute() {
  const hash = location.hash.replace(/^#/, '') || '/';
  const [path, search] = hash.split('?');
  return { path, params: new URLSearchParams(search ?? '') };
}

/** Changes the query of the current screen without a new history entry. */
export function replaceQuery(params) {
  const { path } = currentRoute();
  const text = params.toString();
  history.replaceState(null, '', `#${path}${text ? `?${text}` : ''}`);
}
