// electron-builder.yml checked against electron-builder's own configuration schema (the
// scheme.json that app-builder-lib ships), plus what this app needs from it.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { it } from 'node:test';
import { z } from 'zod';
import { ROOT } from '../ui/build.js';
import { packageFile, toolSkip } from './tooling.js';

const schemaFile = packageFile('app-builder-lib', 'scheme.json');
const yamlFile = packageFile('js-yaml', 'index.js');
const skip = toolSkip(schemaFile) || toolSkip(yamlFile);

function loadConfig(): Record<string, unknown> {
  const yaml = createRequire(import.meta.url)((yamlFile as { path: string }).path) as { load(text: string): unknown };
  return yaml.load(readFileSync(join(ROOT, 'electron-builder.yml'), 'utf8')) as Record<string, unknown>;
}

it('electron-builder.yml is valid against electron-builder\'s schema', { skip }, () => {
  const schema = JSON.parse(readFileSync((schemaFile as { path: string }).path, 'utf8')) as Parameters<typeof z.fromJSONSchema>[0];
  const validator = z.fromJSONSchema(schema);
  const config = loadConfig();
  const result = validator.safeParse(config);
  assert.equal(result.success, true, result.success ? '' : JSON.stringify(result.error.issues, null, 2));
  // The validator really checks: a misspelt option and a bad fuse value are refused.
  assert.equal(validator.safeParse({ ...config, appID: 'x' }).success, false);
  assert.equal(validator.safeParse({ ...config, electronFuses: { runAsNode: 'no' } }).success, false);
});

it('packages what the app needs, with the fuses and targets of the issue', { skip }, () => {
  const c = loadConfig() as {
    appId: string;
    icon: string;
    extraMetadata: { main: string };
    electronFuses: Record<string, boolean>;
    linux: { target: string[] };
    mac: { target: string };
    win: { target: string };
    files: string[];
    asar: boolean;
  };
  assert.match(c.appId, /^[a-z]+(\.[a-z0-9-]+)+$/);
  assert.deepEqual(c.linux.target, ['AppImage', 'deb']);
  assert.equal(c.mac.target, 'dmg');
  assert.equal(c.win.target, 'nsis');
  assert.equal(c.electronFuses.runAsNode, false);
  assert.equal(c.electronFuses.onlyLoadAppFromAsar, true);
  assert.equal(c.asar, true);
  assert.ok(existsSync(join(ROOT, c.icon)), `${c.icon} exists`);
  assert.match(readFileSync(join(ROOT, c.icon)).subarray(0, 8).toString('latin1'), /PNG/);
  assert.equal(c.extraMetadata.main, 'dist/desktop/app/main.mjs');
  assert.ok(c.files.includes('dist/**/*') && c.files.includes('!dist/test/**'));
});
