// Turns a zod schema's complaints into ConfigurationError issues that name the option, the value
// given and what was expected. Used for backend options, task options and the config file.
import type { z } from 'zod';
import { ConfigurationError, type ConfigurationIssue } from './errors.js';

const SECRET_KEY = /pass(word)?|secret|token|credential|creds|nkey|seed/i;

export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

export function parseOptions<S extends z.ZodType>(schema: S, input: unknown, where: string): z.output<S> {
  const parsed = schema.safeParse(input, { reportInput: true });
  if (parsed.success) return parsed.data;
  throw new ConfigurationError(parsed.error.issues.map((issue) => toIssue(issue, where)));
}

function toIssue(issue: z.core.$ZodIssue, where: string): ConfigurationIssue {
  const path = [where, ...issue.path.map(String)].filter(Boolean).join('.');
  const secret = issue.path.some((p) => isSecretKey(String(p)));
  if (issue.code === 'unrecognized_keys') {
    return { option: [path, issue.keys.join(', ')].filter(Boolean).join('.'), expected: 'no such option (check the spelling)' };
  }
  const result: ConfigurationIssue = { option: path || '(value)', expected: expectedFrom(issue) };
  if ('input' in issue && issue.input !== undefined) result.given = secret ? '(hidden)' : issue.input;
  return result;
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
    default:
      // Custom messages in our schemas are written as "what is expected".
      return issue.message.replace(/^Invalid input: expected /, '');
  }
}
