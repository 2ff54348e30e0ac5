// The extension-host integration suite for desktop VS Code (Electron), run by @vscode/test-electron:
// it downloads a VS Code build at run time, which only works on a machine with internet access.
// Here (npm and Debian registries only) it skips with that reason, and the code-server
// end-to-end test (e2e.test.ts) is the one that proves the extension in a real VS Code.
//   npm run test:vscode-desktop    (scripts/test-vscode-desktop.mjs: checks the download host first)
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

interface TestElectron {
  runTests(options: {
    extensionDevelopmentPath: string;
    extensionTestsPath: string;
    launchArgs?: string[];
    version?: string;
  }): Promise<number>;
}

function load(): TestElectron | undefined {
  try {
    return createRequire(import.meta.url)('@vscode/test-electron') as TestElectron;
  } catch {
    return undefined;
  }
}

const electron = process.env.SITQ_VSCODE_ELECTRON === '1' ? load() : undefined;
const skip =
  process.env.SITQ_VSCODE_ELECTRON !== '1'
    ? '@vscode/test-electron downloads VS Code at run time (needs internet); npm run test:vscode-desktop runs it where VS Code can be downloaded'
    : !electron
      ? '@vscode/test-electron is not installed (npm install -D @vscode/test-electron)'
      : !existsSync(join(ROOT, 'release/vscode/package.json'))
        ? 'the extension is not staged: run node scripts/package-extension.mjs first'
        : false;

test('extension-host suite in desktop VS Code (@vscode/test-electron)', { skip, timeout: 10 * 60_000 }, async () => {
  const code = await electron!.runTests({
    extensionDevelopmentPath: join(ROOT, 'release/vscode'),
    extensionTestsPath: join(ROOT, 'dist/test/vscode/suite/index.js'),
    launchArgs: ['--disable-extensions', '--disable-workspace-trust'],
  });
  if (code !== 0) throw new Error(`the extension-host suite failed (exit ${code})`);
});
