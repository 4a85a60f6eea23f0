import type { z } from 'zod';
import { malformedTextProblems } from './spec/text';

/*
 * Schema problems in the project's words: `file: field: got X, expected Y`, never the library's own
 * phrasing ("Invalid input: expected string, received number"), and a "did you mean" for a
 * misspelled field, found by edit distance against the fields the object allows.
 */

/** A declaration (cluster config or app spec) that does not fit its schema. Synth stops on it. */
export class SpecError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`${file}: invalid declaration\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'SpecError';
  }
}

function valueAt(input: unknown, path: PropertyKey[]): unknown {
  let cur: unknown = input;
  for (const key of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[key];
  }
  return cur;
}

function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** Levenshtein distance: how many one-character edits turn `a` into `b`. */
export function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) next[j] = Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    row = next;
  }
  return row[b.length]!;
}

/** The allowed name closest to `name`, when it is close enough to be a misspelling of it (case aside, at most 2 edits). */
export function closestName(name: string, allowed: readonly string[]): string | undefined {
  const sameButCase = allowed.find((a) => a.toLowerCase() === name.toLowerCase());
  if (sameButCase) return sameButCase;
  let best: { name: string; distance: number } | undefined;
  for (const candidate of allowed) {
    const distance = editDistance(name.toLowerCase(), candidate.toLowerCase());
    if (!best || distance < best.distance) best = { name: candidate, distance };
  }
  return best && best.distance <= Math.min(2, Math.floor(Math.max(name.length, best.name.length) / 3)) ? best.name : undefined;
}

const TYPE_WORDS: Record<string, string> = {
  string: 'text (a string)',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  object: 'an object ({ ... })',
  array: 'a list ([ ... ])',
  record: 'an object ({ ... })',
  bigint: 'a whole number',
  date: 'a date',
  undefined: 'nothing (leave the field out)',
  null: 'null',
};

const listOf = (values: readonly unknown[]) => {
  const words = values.map((v) => (typeof v === 'string' ? v : JSON.stringify(v)));
  return words.length === 1 ? JSON.stringify(values[0]) : `one of ${words.join(', ')}`;
};

function bound(origin: string, limit: number | bigint, inclusive: boolean, side: 'least' | 'most'): string {
  const op = side === 'least' ? (inclusive ? 'at least' : 'more than') : inclusive ? 'at most' : 'less than';
  if (origin === 'string') return side === 'least' && Number(limit) === 1 && inclusive ? 'text that is not empty' : `text of ${op} ${limit} characters`;
  if (origin === 'array' || origin === 'set') return side === 'least' && Number(limit) === 1 && inclusive ? 'a list that is not empty' : `a list of ${op} ${limit} entries`;
  return `a number ${op} ${limit}`;
}

/**
 * The project's wording for the checks a schema does not word itself (a schema's own messages,
 * such as 'an image reference such as ghcr.io/me/app:1.2.3', take precedence over this).
 */
function expectation(issue: z.core.$ZodRawIssue): string | undefined {
  switch (issue.code) {
    case 'invalid_type': {
      const what = TYPE_WORDS[issue.expected] ?? `a ${issue.expected}`;
      return issue.input === undefined ? `${what} (this field is required)` : what;
    }
    case 'invalid_value':
      return listOf(issue.values);
    case 'too_small':
      return bound(issue.origin, issue.minimum as number, issue.inclusive ?? true, 'least');
    case 'too_big':
      return bound(issue.origin, issue.maximum as number, issue.inclusive ?? true, 'most');
    case 'invalid_format':
      return issue.format === 'regex' && 'pattern' in issue ? `text matching ${String(issue.pattern)}` : `a valid ${issue.format}`;
    case 'not_multiple_of':
      return `a multiple of ${issue.divisor}`;
    case 'invalid_union': {
      const options = [...new Set(issue.errors.map((branch) => branch[0]?.message).filter((m): m is string => !!m))];
      return options.length ? options.join(', or ') : 'one of the allowed forms';
    }
    case 'invalid_key':
      return `a valid ${issue.origin === 'map' ? 'key' : 'name'}`;
    case 'invalid_element':
      return `valid entries`;
    default:
      return 'a valid value';
  }
}

/** The fields an object schema allows, by the path of its unrecognized-keys issue. */
type AllowedFields = Map<string, string[]>;

function allowedOf(issue: z.core.$ZodRawIssue): string[] {
  const shape = (issue.inst as { _zod?: { def?: { shape?: object } } } | undefined)?._zod?.def?.shape;
  return shape ? Object.keys(shape) : [];
}

function unknownField(field: string, key: string, allowed: readonly string[]): string {
  const guess = closestName(key, allowed);
  if (guess) return `${field}: unknown field, did you mean \`${guess}\`?`;
  return `${field}: unknown field, expected ${allowed.length ? `one of ${allowed.join(', ')}` : 'none here'}`;
}

/** One line per problem: the field path, the value found, and what was expected. */
export function describeIssues(input: unknown, issues: z.core.$ZodIssue[], allowedFields: AllowedFields = new Map()): string[] {
  return issues.flatMap((issue) => {
    const path = issue.path.map(String).join('.') || '(root)';
    if (issue.code === 'unrecognized_keys') {
      const allowed = allowedFields.get(issue.path.map(String).join('.')) ?? [];
      return issue.keys.map((key) => unknownField(path === '(root)' ? key : `${path}.${key}`, key, allowed));
    }
    if (issue.code === 'invalid_key') {
      // A bad record key: show the key, never the value (it may be a secret typed in the wrong place).
      const key = issue.path[issue.path.length - 1];
      return [`${path}: got the name ${show(key)}, expected ${issue.issues[0]?.message ?? issue.message}`];
    }
    if (issue.code === 'custom' && typeof issue.params?.got === 'string') {
      // A check that describes the value itself, rather than show it (it may be a secret).
      return [`${path}: got ${issue.params.got}, expected ${issue.message}`];
    }
    if (issue.code === 'custom' && typeof issue.params?.name === 'string') {
      // A check on a name whose value must not be printed (it may be a secret typed in the wrong place).
      return [`${path}: got the name ${show(issue.params.name)}, expected ${issue.message}`];
    }
    return [`${path}: got ${show(valueAt(input, issue.path))}, expected ${issue.message}`];
  });
}

/** Parses `input` with `schema`, or throws a SpecError naming `file`, each field, value and expectation. */
export function parseSpec<S extends z.ZodType>(schema: S, input: unknown, file: string): z.output<S> {
  const allowedFields: AllowedFields = new Map();
  const result = schema.safeParse(input, {
    error: (issue) => {
      if (issue.code === 'unrecognized_keys') allowedFields.set((issue.path ?? []).map(String).join('.'), allowedOf(issue));
      return expectation(issue);
    },
  });
  // Text UTF-8 cannot hold is refused in any field, before (and beside) what the schema says.
  const malformed = malformedTextProblems(input);
  if (!result.success || malformed.length) throw new SpecError(file, [...malformed, ...(result.success ? [] : describeIssues(input, result.error.issues, allowedFields))]);
  return result.data;
}
