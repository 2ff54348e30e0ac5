// Turns a core error into a sentence that says what happened and what to do, for notifications
// and tree rows: "Redis at 127.0.0.1:6380 refused the connection. Is it running?" The full
// original text still goes to the log.
import { BACKEND_DESCRIPTORS, backendLabel } from '../shared/backends/descriptors.js';
import type { BackendKind } from '../shared/protocol/models.js';

export function explain(message: string, kind?: BackendKind): string {
  const k = kind ?? BACKEND_DESCRIPTORS.find((d) => d.messagePrefix.test(message))?.kind;
  const label = k ? backendLabel(k) : 'The backend';
  const refused = /ECONNREFUSED\s+([^\s,;)]+)/.exec(message);
  if (refused) return `${label} at ${refused[1]} refused the connection. Is it running?`;
  // The NATS client's own words for the same (CONNECTION_REFUSED), after "<backend> at <address>:".
  if (/\bCONNECTION_REFUSED\b/.test(message))
    return `${label} at ${/\bat (\S+?):\s/.exec(message)?.[1] ?? address(message) ?? 'its address'} refused the connection. Is it running?`;
  const notFound = /(ENOTFOUND|EAI_AGAIN)\s+([^\s,;)]+)/.exec(message);
  if (notFound) return `${label}: the host ${notFound[2]} was not found. Check the profile's host name.`;
  if (/ETIMEDOUT|timed? ?out|within \d+ ?ms/i.test(message)) {
    return `${label} did not answer in time (${address(message) ?? 'its address'}). Is the address right and the server reachable from here? ${tail(message)}`.trim();
  }
  if (/password authentication failed|WRONGPASS|NOAUTH|Authorization Violation|authentication/i.test(message)) {
    return `${label} rejected the credentials. Edit the profile and enter the right user and password.`;
  }
  const sqlite = /SQLite is unavailable:.*$/s.exec(message);
  if (sqlite) return sqlite[0].replace(/ \(\/.*$/s, '');
  if (/SQLITE_CANTOPEN|unable to open database/i.test(message)) {
    return `SQLite could not open the database file. Check that its folder exists and is writable. (${tail(message)})`;
  }
  return message;
}

function address(message: string): string | undefined {
  return /\b(\d{1,3}(?:\.\d{1,3}){3}:\d+|[\w.-]+:\d{2,5})\b/.exec(message)?.[1];
}

function tail(message: string): string {
  const parts = message.split(': ');
  return parts[parts.length - 1] ?? '';
}

/** The short form of why the core is not running, for its row in the views (the row's tooltip
 *  and the log have the whole text). */
export function explainCore(reason: string): string {
  const first = reason.split(' | ')[0];
  return first.length > 160 ? `${first.slice(0, 159)}…` : first;
}
