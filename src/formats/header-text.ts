/**
 * Spaces and tabs off both ends of a header value, in one pass whatever the run's length.
 * SIP (RFC 3261 §25.1) and HTTP (RFC 9110 OWS) share this: only SP and HTAB are blanks there,
 * and whatever else a value starts or ends with is the sender's text.
 */
export function trimBlanks(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && (text[start] === ' ' || text[start] === '\t')) start++;
  while (end > start && (text[end - 1] === ' ' || text[end - 1] === '\t')) end--;
  return text.slice(start, end);
}
