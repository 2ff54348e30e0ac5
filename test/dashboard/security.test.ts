// The browser host lets nothing in without this run's token, answers on loopback only, refuses
// foreign Host headers (DNS rebinding) and foreign WebSocket origins, and serves a strict CSP.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { after, before, describe, it } from 'node:test';
import { NodeWsTransport, connectClient, tempDashboard, wsTarget, type TempDashboard } from './helpers.js';
import { ensureUiBuilt } from '../ui/build.js';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function get(port: number, path: string, options: { host?: string; method?: string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path, method: options.method ?? 'GET', headers: { Host: options.host ?? `127.0.0.1:${port}` } },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('browser dashboard: token, loopback, origin', () => {
  let t: TempDashboard;
  before(async () => {
    ensureUiBuilt();
    t = await tempDashboard();
  });
  after(() => t.close());

  it('prints a loopback URL with a long random token, different on every run', async () => {
    const { dashboard } = t;
    assert.match(dashboard.url, new RegExp(`^http://127\\.0\\.0\\.1:${dashboard.port}/[A-Za-z0-9_-]{32,}/$`));
    const other = await tempDashboard();
    try {
      assert.notEqual(other.dashboard.token, dashboard.token);
    } finally {
      await other.close();
    }
  });

  it('refuses every path without the right token', async () => {
    const { port, token } = t.dashboard;
    for (const path of [
      '/',
      '/index.html',
      '/app.js',
      '/ws',
      `/${token.slice(0, -1)}${token.endsWith('x') ? 'y' : 'x'}/`,
      `/${token.toUpperCase()}/`,
      '/favicon.ico',
    ]) {
      const r = await get(port, path);
      assert.equal(r.status, 403, `${path} should be refused`);
      assert.doesNotMatch(r.body, /<html|<script/i);
    }
  });

  it('serves the UI with the token, under a strict CSP', async () => {
    const { port, token } = t.dashboard;
    const r = await get(port, `/${token}/`);
    assert.equal(r.status, 200);
    assert.match(r.body, /<script type="module" src="app.js"><\/script>/);
    assert.doesNotMatch(
      r.body,
      /<script>|<script [^>]*>[^<]|<style|\sstyle=|\son[a-z]+=/i,
      'no inline script, style or handlers in the page',
    );
    const csp = String(r.headers['content-security-policy']);
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'self'(;|$)/);
    assert.match(csp, /style-src 'self'(;|$)/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    assert.equal(r.headers['referrer-policy'], 'no-referrer');
    assert.equal((await get(port, `/${token}/app.js`)).status, 200);
    const redirect = await get(port, `/${token}`);
    assert.equal(redirect.status, 302);
    assert.equal(redirect.headers.location, `/${token}/`);
  });

  it('never serves files outside the UI folder', async () => {
    const { port, token } = t.dashboard;
    for (const path of [
      `/${token}/../../package.json`,
      `/${token}/%2e%2e/%2e%2e/package.json`,
      `/${token}/..%2f..%2fpackage.json`,
      `/${token}/nope.js`,
    ]) {
      const r = await get(port, path);
      assert.ok(r.status === 404 || r.status === 403, `${path} gave ${r.status}`);
      assert.doesNotMatch(r.body, /"name": "sitq"/);
    }
  });

  it('refuses a foreign Host header (DNS rebinding) and methods other than GET/HEAD', async () => {
    const { port, token } = t.dashboard;
    assert.equal((await get(port, `/${token}/`, { host: `evil.example:${port}` })).status, 403);
    assert.equal((await get(port, `/${token}/`, { host: `localhost:${port}` })).status, 200);
    assert.equal((await get(port, `/${token}/`, { method: 'POST' })).status, 405);
  });

  it('accepts a WebSocket only with the token and the dashboard origin', async () => {
    const { dashboard } = t;
    const { url, origin } = wsTarget(dashboard);
    const refused = async (u: string, headers: Record<string, string>) => {
      const tr = new NodeWsTransport(u, headers);
      await assert.rejects(tr.opened, /403|refused|Unexpected server response/);
    };
    await refused(`ws://127.0.0.1:${dashboard.port}/ws`, { Origin: origin });
    await refused(url.replace(dashboard.token, 'x'.repeat(dashboard.token.length)), { Origin: origin });
    await refused(url, { Origin: 'http://evil.example' });
    await refused(url, {});
    const client = await connectClient(dashboard);
    try {
      const hello = await client.request('hello', {});
      assert.equal(hello.host, 'browser');
    } finally {
      client.close();
    }
  });

  it('listens on 127.0.0.1 only', async () => {
    const { port } = t.dashboard;
    const external = Object.values(networkInterfaces())
      .flat()
      .filter((i) => i && i.family === 'IPv4' && !i.internal)
      .map((i) => i!.address);
    for (const address of external) {
      const reached = await new Promise<boolean>((resolve) => {
        const s = connect({ host: address, port });
        s.once('connect', () => {
          s.destroy();
          resolve(true);
        });
        s.once('error', () => resolve(false));
      });
      assert.equal(reached, false, `the dashboard answered on ${address}:${port}`);
    }
  });
});
