// One real VS Code for a test file: the .vsix packaged from this checkout, installed into a fresh
// code-server with its own user data, a workspace, Chromium driving the workbench, and the
// artifacts (screenshots, the extension's log, code-server's output) kept under
// test-artifacts/vscode/<name>/ (harness.ts has the pieces every code-server test shares).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { codeServerInstalled, extensionLog, installCodeServer, startCodeServer, type CodeServer } from './code-server.js';
import { closeWorkbench, QUIET_WORKBENCH_SETTINGS, screenshotSteps } from './harness.js';
import { launchBrowser, Workbench } from './workbench.js';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export interface VscodeSession {
  server: CodeServer;
  wb: Workbench;
  home: string;
  workspace: string;
  artifacts: string;
  /** The file the extension appends one line to per tree change event (SITQ_TREE_EVENTS). */
  treeEvents: string;
  shot(name: string): Promise<void>;
  /** A subtest that keeps a screenshot of the workbench when it fails. */
  step(name: string, body: () => Promise<void>): Promise<void>;
  log(): string;
}

export interface SessionOptions {
  /** Folder name under test-artifacts/vscode/ ('' for the folder itself). */
  name: string;
  settings?: Record<string, unknown>;
  /** Files written into the workspace before VS Code opens it (path → text). */
  files?: Record<string, string>;
  /** Runs when the test ends, before the scratch folder is removed. */
  cleanup?: () => Promise<void>;
}

export async function openVscode(t: TestContext, options: SessionOptions): Promise<VscodeSession> {
  if (!codeServerInstalled()) installCodeServer(ROOT);
  const artifacts = join(ROOT, 'test-artifacts', 'vscode', options.name);
  mkdirSync(artifacts, { recursive: true });
  const home = mkdtempSync(join(tmpdir(), 'sitq-vscode-'));
  const workspace = join(home, 'workspace');
  mkdirSync(workspace);
  for (const [path, text] of Object.entries(options.files ?? {})) {
    mkdirSync(dirname(join(workspace, path)), { recursive: true });
    writeFileSync(join(workspace, path), text);
  }
  const treeEvents = join(home, 'tree-events.log');
  writeFileSync(treeEvents, '');
  const codeLog: string[] = [];
  let server: CodeServer | undefined;
  let browser: Browser | undefined;
  t.after(async () => {
    await closeWorkbench(browser, server, artifacts, codeLog);
    if (existsSync(treeEvents)) writeFileSync(join(artifacts, 'tree-events.log'), readFileSync(treeEvents));
    await options.cleanup?.().catch(() => undefined);
    rmSync(home, { recursive: true, force: true });
  });

  // The artifact users install, built from this checkout.
  const vsix = join(home, 'sitq.vsix');
  execFileSync(process.execPath, [join(ROOT, 'scripts/package-extension.mjs'), '--out', vsix], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  server = await startCodeServer({
    home,
    workspace,
    vsix,
    settings: { ...QUIET_WORKBENCH_SETTINGS, ...options.settings },
    env: { SITQ_TREE_EVENTS: treeEvents },
    log: (line) => codeLog.push(line),
  });
  browser = await launchBrowser();
  const wb = await Workbench.open(browser, server.url, workspace);
  const shot = (name: string) => wb.screenshot(join(artifacts, `${name}.png`));
  const running = server;
  return {
    server: running,
    wb,
    home,
    workspace,
    artifacts,
    treeEvents,
    shot,
    step: screenshotSteps(t, shot),
    log: () => extensionLog(running.userDataDir),
  };
}

/** The tree change events recorded so far (one line each: time, view, row id). */
export function treeEvents(session: VscodeSession): string[] {
  return readFileSync(session.treeEvents, 'utf8').split('\n').filter(Boolean);
}
