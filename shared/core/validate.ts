// Turns a zod schema's complaints into ConfigurationError issues that name the option, the value
// given and what was expected. Used for backend options, task options and the config file.
import { distance } from 'fastest-levenshtein';
import { z } from 'zod';
import { ConfigurationError, type ConfigurationIssue } from './errors.js';

const SECRET_KEY = /pass(word)?|secret|token|credential|creds|nkey|seed/i;

export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

export function parseOptions<S extends z.ZodType>(schema: S, input: unknown, where: string): z.output<S> {
  const parsed = schema.safeParse(input, { reportInput: true });
  if (parsed.success) return parsed.data;
  throw new ConfigurationError(parsed.error.issues.flatMap((issue) => toIssues(issue, schema, where)));
}

function toIssues(issue: z.core.$ZodIssue, schema: z.ZodType, where: string): ConfigurationIssue[] {
  const path = [where, ...issue.path.map(String)].filter(Boolean).join('.');
  const secret = issue.path.some((p) => isSecretKey(String(p)));
  if (issue.code === 'unrecognized_keys') {
    // One issue per unknown key, each with the known option it most likely meant (a seed-style
    // `max_reconnect_attempts`, a typo): the fix is then in the message.
    const known = knownKeysAt(schema, issue.path);
    return issue.keys.map((key) => {
      const meant = closest(key, known);
      return {
        option: [path, key].filter(Boolean).join('.'),
        expected: meant ? `no such option; did you mean "${meant}"?` : 'no such option (check the spelling)',
      };
    });
  }
  const result: ConfigurationIssue = { option: path || '(value)', expected: expectedFrom(issue) };
  if ('input' in issue && issue.input !== undefined) result.given = secret ? '(hidden)' : issue.input;
  return [result];
}

/** The option names an object schema at `path` accepts (through optional, default, union and
 *  array wrappers); empty when the schema there is not an object. */
function knownKeysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  const keys = new Set<string>();
  const visit = (s: z.ZodType, rest: readonly PropertyKey[]): void => {
    if (s instanceof z.ZodOptional || s instanceof z.ZodNullable || s instanceof z.ZodDefault) return visit(s.unwrap() as z.ZodType, rest);
    if (s instanceof z.ZodPipe) return visit(s.in as z.ZodType, rest);
    if (s instanceof z.ZodUnion) return s.options.forEach((o) => visit(o as z.ZodType, rest));
    if (s instanceof z.ZodArray) return typeof rest[0] === 'number' ? visit(s.element as z.ZodType, rest.slice(1)) : undefined;
    if (s instanceof z.ZodRecord) return rest.length > 0 ? visit(s.valueType as z.ZodType, rest.slice(1)) : undefined;
    if (!(s instanceof z.ZodObject)) return;
    const shape = s.shape as Record<string, z.ZodType>;
    if (rest.length === 0) for (const k of Object.keys(shape)) keys.add(k);
    else if (shape[String(rest[0])]) visit(shape[String(rest[0])], rest.slice(1));
  };
  visit(schema, path);
  return [...keys];
}

/** The known name `given` most likely meant: the same words in another case style
 *  (`max_reconnect_attempts` → `maxReconnectAttempts`), or at most two edits off, where two
 *  swapped neighbours (`prot` → `port`) count as one and a half (so `hots` means `hosts` where both exist). */
function closest(given: string, known: readonly string[]): string | undefined {
  const words = (name: string) => name.replace(/[-_\s]+/g, '').toLowerCase();
  const same = known.find((k) => words(k) === words(given));
  if (same) return same;
  let best: { name: string; distance: number } | undefined;
  for (const k of known) {
    const a = given.toLowerCase();
    const b = k.toLowerCase();
    const d = swappedNeighbours(a, b) ? 1.5 : distance(a, b);
    if (d <= 2 && d < given.length / 2 && (!best || d < best.distance)) best = { name: k, distance: d };
  }
  return best?.name;
}

/** `a` is `b` with two adjacent letters swapped (Levenshtein counts that as two edits). */
function swappedNeighbours(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  return i < a.length - 1 && a[i] === b[i + 1] && a[i + 1] === b[i] && a.slice(i + 2) === b.slice(i + 2);
}

function expectedFrom(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'too_small':
      return `${issue.origin === 'string' ? 'a string of length' : issue.origin === 'array' ? 'a list of length' : 'a number'} ${issue.inclusive ? '>=' : '>'} ${String(issue.minimum)}`;
    case 'too_big':
      return `${issue.origin === 'string' ? 'a string of length' : issue.origin === 'array' ? 'a list of length' : 'a number'} ${issue.inclusive ? '<=' : '<'} ${String(issue.maximum)}`;
    case 'invalid_value':
      return `one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'invalid_type':
      return issue.expected === 'int' ? 'a whole number' : `a ${issue.expected}`;
    case 'invalid_key':
      // A record's key (a profile name): what the key's own rule expects.
      return issue.issues[0] ? expectedFrom(issue.issues[0]) : 'a valid key';
    case 'invalid_union': {
      // A schema's own message wins; zod's default ("Invalid input") is replaced by the branches.
      if (issue.message && issue.message !== 'Invalid input') return issue.message;
      const branches = [
        ...new Set(issue.errors.map((list) => (list[0] ? expectedFrom(list[0]) : undefined)).filter((e): e is string => !!e)),
      ];
      return branches.length ? branches.join(' or ') : 'another kind of value';
    }
    default:
      // Custom messages in our schemas are written as "what is expected".
      return issue.message.replace(/^Invalid input: expected /, '');
  }
}
