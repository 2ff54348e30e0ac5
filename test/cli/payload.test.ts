// Payloads larger than a command line can carry: `sitq enqueue TASK --payload-file FILE` and
// `sitq enqueue TASK -` (standard input), as processes, with a 3 MB payload read back intact.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { json, MAIN, sitq, tempProject } from './run.js';

const project = tempProject({ defaultProfile: 'local', profiles: { local: { type: 'sqlite', path: 'queue.db' } } });
after(project.remove);
const cwd = project.dir;

/** A JSON payload of about `bytes` bytes. */
function bigPayload(bytes: number, tag: string): { text: string; value: { tag: string; rows: string[] } } {
  const value = { tag, rows: Array.from({ length: Math.ceil(bytes / 100) }, (_, i) => `${tag}-${i}-${'x'.repeat(90)}`) };
  return { text: JSON.stringify(value), value };
}

async function storedPayload(id: string): Promise<unknown> {
  const r = await sitq(['inspect', '--id', id, '--json'], { cwd });
  assert.equal(r.code, 0, r.stderr);
  return json<{ payload: unknown }>(r).payload;
}

describe('sitq enqueue with a large payload', () => {
  it(
    'such a payload does not fit in a command-line argument (why the other ways exist)',
    { skip: process.platform !== 'linux' && "the per-argument limit checked is Linux's" },
    () => {
      const r = spawnSync(process.execPath, [MAIN, 'enqueue', 'sitq.echo', bigPayload(3_000_000, 'arg').text], { cwd });
      assert.equal((r.error as NodeJS.ErrnoException | undefined)?.code, 'E2BIG');
    },
  );

  it('--payload-file FILE: 3 MB enqueued and stored intact', async () => {
    const p = bigPayload(3_000_000, 'file');
    writeFileSync(join(cwd, 'payload.json'), p.text);
    const r = await sitq(['enqueue', 'sitq.echo', '--payload-file', 'payload.json', '--json'], { cwd });
    assert.equal(r.code, 0, r.stderr);
    const { ids } = json<{ ids: string[] }>(r);
    assert.deepEqual(await storedPayload(ids[0]), p.value);
  });

  it('- reads standard input (also --payload-file -), with --count', async () => {
    const p = bigPayload(3_000_000, 'stdin');
    const r = await sitq(['enqueue', 'sitq.echo', '-', '--count', '2', '--json'], { cwd, input: p.text });
    assert.equal(r.code, 0, r.stderr);
    const { ids } = json<{ ids: string[] }>(r);
    assert.equal(ids.length, 2);
    assert.deepEqual(await storedPayload(ids[1]), p.value);
    const small = await sitq(['enqueue', 'sitq.echo', '--payload-file', '-', '--json'], { cwd, input: '{"hello":"stdin"}\n' });
    assert.equal(small.code, 0, small.stderr);
    assert.deepEqual(await storedPayload(json<{ ids: string[] }>(small).ids[0]), { hello: 'stdin' });
  });

  it('malformed JSON on standard input: exit 2 naming the source, nothing written', async () => {
    const fresh = tempProject({ defaultProfile: 'local', profiles: { local: { type: 'sqlite', path: 'queue.db' } } });
    try {
      const r = await sitq(['enqueue', 'sitq.echo', '-'], { cwd: fresh.dir, input: '{"a":' });
      assert.equal(r.code, 2);
      assert.match(r.stderr, /the payload from standard input is not valid JSON/);
      assert.equal(existsSync(join(fresh.dir, 'queue.db')), false);
    } finally {
      fresh.remove();
    }
  });
});
