// Server-sent events from /events/stream. One EventSource per screen that listens; the
// browser reconnects by itself after a dropped connection.

/**
 * Calls onEvent(kind, event) for each event recorded from now on, and onEvent('skipped',
 * {kind, afterId, beforeId}) when more came in one poll than the stream sends (GET /events
 * has those between the two ids); answers a stop function.
 */
export function liveEvents(filter, onEvent, onState = () => {}) {
  const params = new URLSearchParams();
  if (filter.mac) params.set('mac', filter.mac);
  const source = new EventSource(`/api/v1/events/stream${params.size ? `?${params}` : ''}`);
  const take = (kind) => (message) => {
    try {
      onEvent(kind, JSON.parse(message.data));
    } catch {
      // A malformed message is skipped; the next one is read.
    }
  };
  source.addEventListener('provisioning', take('provisioning'));
  source.addEventListener('security', take('security'));
  source.addEventListener('skipped', take('skipped'));
  source.addEventListener('open', () => onState('open'));
  source.addEventListener('error', () =>
    onState(source.readyState === EventSource.CLOSED ? 'closed' : 'reconnecting'),
  );
  source.addEventListener('end', () => {
    source.close();
    onState('closed');
  });
  return () => source.close();
}
