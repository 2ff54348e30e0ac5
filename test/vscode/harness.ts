// What every code-server test file shares: when to skip, and subtests that keep a screenshot of
// the workbench when they fail.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import type { Browser } from 'playwright-core';
import { IN_CI } from '../helpers/servers.js';
import { codeServerInstalled, extensionLog, type CodeServer } from './code-server.js';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Why a code-server test cannot run here (false: it can). Under CI a missing Chromium fails. */
export function codeServerSkipReason(): string | false {
  if (!existsSync(CHROMIUM)) {
    if (IN_CI) throw new Error(`Chromium is missing at ${CHROMIUM} (apt-get install chromium)`);
    return `Chromium is not installed at ${CHROMIUM} (apt-get install chromium)`;
  }
  // The first install takes about 8 minutes: CI does it, a developer is told how.
  if (!codeServerInstalled() && !IN_CI)
    return 'code-server is not installed: run `bash scripts/install-code-server.sh` once (about 8 minutes; cached under ~/.cache)';
  return false;
}

/** `step(name, body)`: a subtest that keeps a screenshot (`failed-<name>`) when it fails. */
export function screenshotSteps(
  t: TestContext,
  shot: (name: string) => Promise<void>,
): (name: string, body: () => Promise<void>) => Promise<void> {
  return (name, body) =>
    t.test(name, async () => {
      try {
        await body();
      } catch (err) {
        await shot(`failed-${name.replace(/[^a-z0-9]+/gi, '-').slice(0, 60)}`).catch(() => undefined);
        throw err;
      }
    });
}

/** Closes the browser and code-server, keeping the extension's log and code-server's output. */
export async function closeWorkbench(
  browser: Browser | undefined,
  server: CodeServer | undefined,
  artifacts: string,
  codeLog: readonly string[],
): Promise<void> {
  await browser?.close().catch(() => undefined);
  // A teardown goes on whatever stop() says; what it says (processes left behind) stays in the log.
  const stopped = await (server?.stop() ?? Promise.resolve()).then(
    () => '',
    (err: unknown) => `\n[test] stopping code-server: ${err instanceof Error ? err.message : String(err)}\n`,
  );
  if (server) writeFileSync(join(artifacts, 'sitq.log'), extensionLog(server.userDataDir));
  writeFileSync(join(artifacts, 'code-server.log'), codeLog.join('') + stopped);
}

/** Settings for a quiet, test-friendly workbench (no start page, trust prompt, AI side bar or updates). */
export const QUIET_WORKBENCH_SETTINGS: Readonly<Record<string, unknown>> = {
  'workbench.startupEditor': 'none',
  'security.workspace.trust.enabled': false,
  'chat.disableAIFeatures': true,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'workbench.editor.useModal': 'off',
};
