import type { z } from 'zod';

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

/** One line per problem: the field path, the value found, and what was expected. */
export function describeIssues(input: unknown, issues: z.core.$ZodIssue[]): string[] {
  return issues.flatMap((issue) => {
    const path = issue.path.map(String).join('.') || '(root)';
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map(
        (key) => `${path === '(root)' ? key : `${path}.${key}`}: unknown field (check the spelling; allowed fields are listed in the type)`,
      );
    }
    if (issue.code === 'invalid_key') {
      // A bad record key: show the key, never the value (it may be a secret typed in the wrong place).
      const key = issue.path[issue.path.length - 1];
      return [`${path}: got the name ${show(key)}, expected ${issue.issues[0]?.message ?? issue.message}`];
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
  const result = schema.safeParse(input);
  if (!result.success) throw new SpecError(file, describeIssues(input, result.error.issues));
  return result.data;
}
