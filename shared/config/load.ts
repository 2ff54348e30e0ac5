// Finding and reading sitq.config.json: walk up from the working folder (like git does), parse,
// check the structure, and collect warnings that stop nothing (a password written in plain text).
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { ConfigurationError } from '../core/errors.js';
import { parseOptions } from '../core/validate.js';
import { plainSecretFields } from './secrets.js';
import { CONFIG_FILE_NAME, configFileSchema, type SitqConfig } from './schema.js';

export interface LoadedConfig {
  /** Absolute path of the file read. */
  path: string;
  /** Its folder: relative SQLite paths are taken from here. */
  dir: string;
  config: SitqConfig;
  /** Worth telling the user; stops nothing. */
  warnings: string[];
}

/** No config file was given and none was found. A ConfigurationError, so tools treat it as a usage problem. */
export class ConfigNotFoundError extends ConfigurationError {
  constructor(readonly searchedFrom: string) {
    super({
      option: CONFIG_FILE_NAME,
      expected: `a config file in ${searchedFrom} or a folder above it (run \`sitq init\` to write one, or pass --config FILE)`,
    });
  }
}

/** The nearest sitq.config.json in `startDir` or a folder above it. */
export function findConfigFile(startDir: string = process.cwd()): string | undefined {
  let dir = resolve(startDir);
  for (;;) {
    const candidate = join(dir, CONFIG_FILE_NAME);
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

export interface LoadConfigOptions {
  /** An explicit file (the CLI's --config); otherwise the nearest one from `cwd` up. */
  path?: string;
  cwd?: string;
}

export function loadConfig(options: LoadConfigOptions = {}): LoadedConfig {
  const cwd = options.cwd ?? process.cwd();
  let path: string;
  if (options.path !== undefined) {
    path = resolve(cwd, options.path);
    if (!existsSync(path)) throw new ConfigurationError({ option: 'config', expected: 'an existing config file', given: options.path });
  } else {
    const found = findConfigFile(cwd);
    if (!found) throw new ConfigNotFoundError(resolve(cwd));
    path = found;
  }
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigurationError({
      option: path,
      expected: `a readable file (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
    });
  }
  const { config, warnings } = parseConfig(text, path);
  return { path, dir: dirname(path), config, warnings };
}

/** Parses and checks the text of a config file; `source` names it in messages. */
export function parseConfig(text: string, source: string = CONFIG_FILE_NAME): { config: SitqConfig; warnings: string[] } {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ConfigurationError({ option: source, expected: `valid JSON (${describeJsonError(err as Error, text)})` });
  }
  const config = checkConfig(raw);
  const warnings: string[] = [];
  for (const [name, entry] of Object.entries(config.profiles)) {
    for (const field of plainSecretFields(entry)) {
      warnings.push(`profiles.${name}.${field} holds a secret written in plain text in ${source}; write a \${ENV_VAR} reference instead`);
    }
  }
  return { config, warnings };
}

/** Checks a config object's structure (not yet each backend's options: see resolveProfile). */
export function checkConfig(raw: unknown): SitqConfig {
  const config = parseOptions(configFileSchema, raw, '') as SitqConfig;
  if (config.defaultProfile !== undefined && !config.profiles[config.defaultProfile]) {
    throw new ConfigurationError({
      option: 'defaultProfile',
      expected: `the name of a profile in "profiles" (${Object.keys(config.profiles).join(', ') || 'none defined'})`,
      given: config.defaultProfile,
    });
  }
  return config;
}

/**
 * Says what is wrong with the JSON and where, never quoting the file: V8's own message quotes up to
 * 20 characters around the error ("Unexpected token 'F', ..."password": F..."), and a config file
 * holds secrets.
 */
function describeJsonError(err: Error, text: string): string {
  const quoted = /^(Unexpected token '.+?'), (?:\.\.\.)?"([\s\S]*?)"(?:\.\.\.)? is not valid JSON$/.exec(err.message);
  if (quoted) {
    // Locate the quoted excerpt to say where, then drop it.
    const excerptAt = text.indexOf(quoted[2]);
    const token = quoted[1].slice("Unexpected token '".length, -1);
    const at = excerptAt < 0 ? -1 : text.indexOf(token, excerptAt);
    return at < 0 ? quoted[1] : `${quoted[1]} at ${lineAndColumn(text, at)}`;
  }
  if (/is not valid JSON$/.test(err.message)) return 'not valid JSON';
  const at = /at position (\d+)/.exec(err.message);
  const message = err.message.replace(/ in JSON at position \d+.*$/, '').replace(/^JSON\.parse: /, '');
  if (!at) return message;
  return `${message} at ${lineAndColumn(text, Number(at[1]))}`;
}

function lineAndColumn(text: string, position: number): string {
  const before = text.slice(0, position);
  const line = before.split('\n').length;
  const column = before.length - before.lastIndexOf('\n');
  return `line ${line}, column ${column}`;
}
