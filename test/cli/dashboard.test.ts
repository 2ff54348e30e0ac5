// `sitq dashboard` as a user runs it: prints a tokened URL on loopback, serves the UI only with
// the token, and stops cleanly on Ctrl-C.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SitqProcess, tempProject } from './run.js';

test('sitq dashboard serves the UI on 127.0.0.1 behind its token and stops on SIGINT', async () => {
  const project = tempProject({ defaultProfile: 'local', profiles: { local: { type: 'sqlite', path: '.sitq/queue.db' } } });
  const p = new SitqProcess(['dashboard'], { cwd: project.dir, env: { HOME: project.dir } });
  try {
    await p.waitFor(/sitq dashboard: http:\/\/\S+/);
    const url = new URL(/sitq dashboard: (http:\/\/\S+)/.exec(p.stdout)![1]);
    assert.equal(url.hostname, '127.0.0.1');
    const withToken = await fetch(url);
    assert.equal(withToken.status, 200);
    assert.match(await withToken.text(), /<html/i);
    const refused = await fetch(`${url.origin}/`);
    assert.ok(refused.status === 401 || refused.status === 403 || refused.status === 404, `served without the token: ${refused.status}`);
    p.child.kill('SIGINT');
    const r = await p.done;
    assert.equal(r.code, 0, r.stderr);
  } finally {
    p.child.kill('SIGKILL');
    project.remove();
  }
});
