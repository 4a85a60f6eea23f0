import { z } from 'zod';

/*
 * What text a declaration may hold at all, whatever the field: what UTF-8 (the encoding of every
 * manifest kubectl sends and the API server stores) can carry, and, for what becomes a process's
 * environment or argv, what the kernel can. Values are described, never shown: they may be secrets.
 */

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

const codePoint = (ch: string) => `U+${ch.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;

/** Where `text` has a lone surrogate, described, or undefined when it is well-formed. */
function loneSurrogate(text: string): string | undefined {
  const match = LONE_SURROGATE.exec(text);
  return match ? `text with a lone surrogate (${codePoint(match[0])} at character ${match.index + 1})` : undefined;
}

const WELL_FORMED = 'well-formed Unicode text: a lone surrogate (half of a pair, as left by cutting an emoji in two or by a \\uD800 escape) has no UTF-8 form, so kubectl and the API server would refuse or alter it';

/**
 * One problem line (`field: got ..., expected ...`) for every string of a declaration, key or
 * value, that holds a lone surrogate. Walks plain objects and arrays only (what a declaration is).
 */
export function malformedTextProblems(input: unknown): string[] {
  const problems: string[] = [];
  const seen = new Set<unknown>();
  const visit = (value: unknown, path: string[]) => {
    const field = path.join('.') || '(root)';
    if (typeof value === 'string') {
      const found = loneSurrogate(value);
      if (found) problems.push(`${field}: got ${found}, expected ${WELL_FORMED}`);
      return;
    }
    if (typeof value !== 'object' || value === null || seen.has(value)) return;
    const proto = Object.getPrototypeOf(value);
    if (!Array.isArray(value) && proto !== Object.prototype && proto !== null) return;
    seen.add(value);
    for (const [key, item] of Object.entries(value)) {
      const found = loneSurrogate(key);
      // The key itself, shown escaped: a name is no secret.
      if (found) problems.push(`${[...path, JSON.stringify(key)].join('.')}: got a name that is ${found}, expected ${WELL_FORMED}`);
      visit(item, [...path, key]);
    }
  };
  visit(input, []);
  return problems;
}

/** Text a process receives in its environment or argv: the kernel passes both as C strings, which end at a NUL. */
export function processText(what: 'env' | 'argv') {
  const expected =
    what === 'env'
      ? 'a value without NUL: no process can hold one in its environment (execve passes each variable as a C string, which ends at the first NUL)'
      : 'a word without NUL: no process can receive one in its arguments (execve passes each as a C string, which ends at the first NUL)';
  return (text: string, ctx: z.RefinementCtx) => {
    const at = text.indexOf('\0');
    if (at >= 0) ctx.addIssue({ code: 'custom', params: { got: `${what === 'env' ? 'a value' : 'a word'} with a NUL character (U+0000 at character ${at + 1})` }, message: expected });
  };
}
