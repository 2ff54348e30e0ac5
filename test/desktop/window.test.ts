// The window's security settings and limits, and what app:// serves: Electron's checklist as
// plain functions (no Electron binary needed).
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { appResponse } from '../../desktop/app-protocol.js';
import { APP_ENTRY, CONTENT_SECURITY_POLICY, hardenWebContents, isAppUrl, windowOptions } from '../../desktop/window.js';
import { FakeWebContents } from './fakes.js';

describe('desktop window', () => {
  it('isolates the renderer: context isolation, sandbox, no Node, no webviews', () => {
    const o = windowOptions('/app/preload.cjs', '/app/icon.png');
    assert.deepEqual(
      { ...o.webPreferences },
      {
        preload: '/app/preload.cjs',
        contextIsolation: true,
        sandbox: true,
        nodeIntegration: false,
        nodeIntegrationInWorker: false,
        nodeIntegrationInSubFrames: false,
        webSecurity: true,
        allowRunningInsecureContent: false,
        webviewTag: false,
        experimentalFeatures: false,
        navigateOnDragDrop: false,
        spellcheck: false,
      },
    );
    assert.equal(o.show, false, 'shown once ready, never blank');
  });

  it('denies new windows, hands https links to the system browser, blocks navigation away', () => {
    const wc = new FakeWebContents();
    const opened: string[] = [];
    hardenWebContents(wc, (url) => opened.push(url));
    assert.deepEqual(wc.openHandler!({ url: 'https://example.com/docs' }), { action: 'deny' });
    assert.deepEqual(wc.openHandler!({ url: 'file:///etc/passwd' }), { action: 'deny' });
    assert.deepEqual(wc.openHandler!({ url: 'javascript:alert(1)' }), { action: 'deny' });
    assert.deepEqual(opened, ['https://example.com/docs']);
    for (const event of ['will-navigate', 'will-redirect', 'will-frame-navigate'] as const) {
      assert.equal(wc.navigate(event, 'https://evil.example/'), true, `${event} to the web`);
      assert.equal(wc.navigate(event, 'file:///etc/passwd'), true, `${event} to a file`);
      assert.equal(wc.navigate(event, 'app://sitq.evil.example/'), true, `${event} to a look-alike host`);
      assert.equal(wc.navigate(event, `${APP_ENTRY}#/queues`), false, `${event} inside the app`);
    }
    assert.equal(wc.navigate('will-attach-webview'), true);
  });

  it('grants no permission', () => {
    const wc = new FakeWebContents();
    hardenWebContents(wc);
    let granted: boolean | undefined;
    wc.permissionRequest!(wc, 'media', (g) => (granted = g));
    assert.equal(granted, false);
    assert.equal(wc.permissionCheck!(wc, 'notifications'), false);
  });

  it('recognises only its own origin', () => {
    assert.equal(isAppUrl('app://sitq/index.html'), true);
    assert.equal(isAppUrl('app://sitq/'), true);
    for (const url of ['app://other/index.html', 'https://sitq/', 'app://sitq.evil/', 'file:///app/index.html', 'not a url'])
      assert.equal(isAppUrl(url), false, url);
  });

  it('serves the built UI on app:// with a strict CSP, and nothing outside it', () => {
    const ui = mkdtempSync(join(tmpdir(), 'sitq-ui-'));
    writeFileSync(join(ui, 'index.html'), '<!doctype html>');
    writeFileSync(join(ui, 'app.js'), 'export {}');
    const index = appResponse(ui, 'app://sitq/');
    assert.equal(index.status, 200);
    assert.equal(index.headers['Content-Type'], 'text/html; charset=utf-8');
    assert.equal(index.headers['Content-Security-Policy'], CONTENT_SECURITY_POLICY);
    assert.doesNotMatch(CONTENT_SECURITY_POLICY, /unsafe-inline|unsafe-eval|\*/);
    assert.equal(appResponse(ui, 'app://sitq/app.js').headers['Content-Type'], 'text/javascript; charset=utf-8');
    for (const url of [
      'app://sitq/../../etc/passwd',
      'app://sitq/%2e%2e/%2e%2e/etc/passwd',
      'app://other/index.html',
      'app://sitq/missing.js',
    ]) {
      assert.equal(appResponse(ui, url).status, 404, url);
    }
  });
});
