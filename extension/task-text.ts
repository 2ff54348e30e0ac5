// The text of a task's read-only document (documents.ts): its whole record as Markdown. No vscode
// import, so the tests read it without an editor.
import type { TaskDetail } from '../shared/protocol/models.js';

/** Lines of the log the document shows (the newest); "Show Task Log" has all of them, live. */
export const DOCUMENT_LOG_LINES = 200;

export function formatAge(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 3_600_000) return `${Math.round(ms / 60_000)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}

/** The task as a Markdown document. */
export function taskText(profile: string, t: TaskDetail): string {
  const time = (ms: number | undefined) => (ms ? new Date(ms).toISOString() : '—');
  const out: string[] = [
    `# ${t.name}`,
    '',
    `- id: \`${t.id}\``,
    `- profile: ${profile} · queue: ${t.queue}`,
    `- state: **${t.state}** · attempt ${t.attempts} of ${t.maxAttempts} · priority ${t.priority}`,
    '',
    '## Timings',
    '',
    `- enqueued: ${time(t.enqueuedAt)}`,
    `- runs at: ${time(t.runAt)}`,
    `- started: ${time(t.startedAt)}`,
    `- finished: ${time(t.finishedAt)}${t.finishedAt && t.startedAt ? ` (ran ${formatAge(t.finishedAt - t.startedAt)})` : ''}`,
  ];
  if (t.leaseExpiresAt) out.push(`- lease: ${t.leaseOwner ?? 'a worker'} until ${time(t.leaseExpiresAt)}`);
  out.push('', '## Payload', '', '```json', t.payloadText, '```');
  if (t.decodeError) out.push('', `The payload could not be decoded: ${t.decodeError}`);
  if (t.resultText !== undefined) out.push('', '## Result', '', '```json', t.resultText, '```');
  if (t.errorName || t.errorMessage || t.errorStack) {
    out.push('', '## Error', '', '```text', t.errorStack ?? `${t.errorName ?? 'Error'}: ${t.errorMessage ?? ''}`, '```');
  }
  out.push(
    '',
    '## Options',
    '',
    `- serializer: ${t.serializer}`,
    `- backoff: ${t.backoff.type} from ${formatAge(t.backoff.baseMs)}, at most ${formatAge(t.backoff.maxMs)}, jitter ${Math.round(t.backoff.jitter * 100)} %`,
  );
  if (t.timeoutMs) out.push(`- timeout: ${formatAge(t.timeoutMs)}`);
  if (t.idempotencyKey) out.push(`- idempotency key: \`${t.idempotencyKey}\``);
  if (t.headers && Object.keys(t.headers).length > 0) {
    out.push('', '## Headers', '', ...Object.entries(t.headers).map(([k, v]) => `- ${k}: \`${v}\``));
  }
  if (t.progress !== undefined)
    out.push('', '## Progress', '', typeof t.progress === 'number' ? `${t.progress} %` : `\`${JSON.stringify(t.progress)}\``);
  if (t.log !== undefined || t.state === 'running') out.push('', ...logSection(t.log ?? [], t.logDropped ?? 0));
  return `${out.join('\n')}\n`;
}

function logSection(lines: readonly string[], dropped: number): string[] {
  const shown = lines.slice(-DOCUMENT_LOG_LINES);
  const earlier = lines.length - shown.length + dropped;
  const out = ['## Log', ''];
  if (lines.length === 0) out.push('Nothing logged yet.');
  else {
    if (earlier > 0) out.push(`${earlier} earlier line(s) not shown: Show Task Log has the whole log, live.`, '');
    out.push('```text', ...shown, '```');
  }
  return out;
}
