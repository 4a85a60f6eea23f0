import ts from 'typescript';

/*
 * The config files stay TypeScript (README: one typed config), so configure edits them in place:
 * it finds one object literal (the argument of `defineCluster(...)`, or the initializer of
 * `STATE_BACKEND`), reads its literal values, and replaces the text of exactly the values it sets.
 * Comments, order and formatting around them are kept byte for byte (a removed key takes only its
 * own comments along), so a re-run with the same answers writes the same file and synth renders
 * the same dist/.
 */

export type Literal = string | number | boolean | Literal[] | { [key: string]: Literal } | undefined;

/** What marks the object literal configure edits: `defineCluster({...})` (call) or `const STATE_BACKEND = {...}` (variable). */
export type Anchor = { call: string } | { variable: string };

/** Where a config object literal is in its file. */
export interface ObjectSite {
  readonly file: string;
  readonly anchor: Anchor;
  readonly text: string;
  readonly root: ts.ObjectLiteralExpression;
  readonly sourceFile: ts.SourceFile;
}

/** Finds `defineCluster({...})` (call) or `const STATE_BACKEND = {...}` (variable) in `text`. */
export function findObject(file: string, text: string, anchor: Anchor): ObjectSite {
  const sourceFile = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  let root: ts.ObjectLiteralExpression | undefined;
  const visit = (node: ts.Node): void => {
    if (root) return;
    if ('call' in anchor && ts.isCallExpression(node) && node.expression.getText(sourceFile) === anchor.call && node.arguments[0] && ts.isObjectLiteralExpression(node.arguments[0])) root = node.arguments[0];
    if ('variable' in anchor && ts.isVariableDeclaration(node) && node.name.getText(sourceFile) === anchor.variable && node.initializer && ts.isObjectLiteralExpression(node.initializer)) root = node.initializer;
    ts.forEachChild(node, visit);
  };
  visit(sourceFile);
  if (!root) {
    const what = 'call' in anchor ? `a ${anchor.call}({...}) call with an object literal` : `const ${anchor.variable} = {...}`;
    throw new Error(`${file}: (file): got no ${what}, expected one (configure edits its literal values)`);
  }
  return { file, anchor, text, root, sourceFile };
}

const propertyName = (p: ts.ObjectLiteralElementLike, sf: ts.SourceFile): string | undefined =>
  ts.isPropertyAssignment(p) && p.name ? (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name) ? p.name.text : p.name.getText(sf)) : undefined;

function property(obj: ts.ObjectLiteralExpression, key: string, sf: ts.SourceFile): ts.PropertyAssignment | undefined {
  return obj.properties.find((p) => propertyName(p, sf) === key) as ts.PropertyAssignment | undefined;
}

/** The value of a literal expression; `undefined` for anything configure cannot read (a call, a name). */
export function evaluate(node: ts.Expression, sf: ts.SourceFile): Literal {
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return node.text;
  if (ts.isNumericLiteral(node)) return Number(node.text);
  if (node.kind === ts.SyntaxKind.TrueKeyword) return true;
  if (node.kind === ts.SyntaxKind.FalseKeyword) return false;
  if (ts.isParenthesizedExpression(node) || ts.isAsExpression(node) || ts.isSatisfiesExpression(node)) return evaluate(node.expression, sf);
  if (ts.isArrayLiteralExpression(node)) return node.elements.map((e) => evaluate(e, sf));
  if (ts.isObjectLiteralExpression(node)) {
    const out: Record<string, Literal> = {};
    for (const p of node.properties) {
      const key = propertyName(p, sf);
      if (key !== undefined) out[key] = evaluate((p as ts.PropertyAssignment).initializer, sf);
    }
    return out;
  }
  return undefined;
}

/** The literal values of the whole object. */
export const readObject = (site: ObjectSite) => evaluate(site.root, site.sourceFile) as Record<string, Literal>;

/** A value as TypeScript source, in the files' style (single quotes, one line). */
export function printLiteral(value: Literal): string {
  if (Array.isArray(value)) return `[${value.map(printLiteral).join(', ')}]`;
  if (typeof value === 'string') return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  if (value && typeof value === 'object') return `{ ${Object.entries(value).map(([k, v]) => `${k}: ${printLiteral(v)}`).join(', ')} }`;
  return String(value);
}

/**
 * The file's text with each `path` set to its value: an existing value's text is replaced; a
 * missing key is added at the end of its object (its parents must exist); undefined removes the
 * key, with its comma (and leaves a missing one missing). Values are set in one pass (their edits
 * never overlap); each removal then edits the text the previous step left, read again.
 */
export function setValues(site: ObjectSite, values: ReadonlyArray<{ path: readonly string[]; value: Literal }>): string {
  let text = applyEdits(site, values.filter((v) => v.value !== undefined));
  for (const removal of values.filter((v) => v.value === undefined)) text = applyEdits(findObject(site.file, text, site.anchor), [removal]);
  return text;
}

/** The object literal holding `full`'s last key; where a key on the way is missing, undefined if `optional`, else an error. */
function parentOf(site: ObjectSite, full: readonly string[], optional: boolean): ts.ObjectLiteralExpression | undefined {
  let obj = site.root;
  for (const key of full.slice(0, -1)) {
    const next = property(obj, key, site.sourceFile)?.initializer;
    if (!next && optional) return undefined;
    if (!next || !ts.isObjectLiteralExpression(next)) throw new Error(`${site.file}: ${full.join('.')}: got no object literal at ${key}, expected one that configure can edit`);
    obj = next;
  }
  return obj;
}

function applyEdits(site: ObjectSite, values: ReadonlyArray<{ path: readonly string[]; value: Literal }>): string {
  const edits: Array<{ start: number; end: number; text: string }> = [];
  for (const { path, value } of values) {
    // A missing key, or a missing parent, is already left out.
    const obj = parentOf(site, path, value === undefined);
    if (!obj) continue;
    const key = path[path.length - 1]!;
    const existing = property(obj, key, site.sourceFile);
    if (value === undefined) {
      if (existing) edits.push(removal(site, obj, existing));
    } else if (existing) {
      edits.push({ start: existing.initializer.getStart(site.sourceFile), end: existing.initializer.getEnd(), text: printLiteral(value) });
    } else {
      const last = obj.properties[obj.properties.length - 1];
      const at = last ? last.getEnd() : obj.getStart(site.sourceFile) + 1;
      const trailingComma = obj.properties.hasTrailingComma;
      const text = last ? `${trailingComma ? '' : ','} ${key}: ${printLiteral(value)}${trailingComma ? ',' : ''}` : ` ${key}: ${printLiteral(value)} `;
      // After the trailing comma when there is one, so the object stays well formed.
      const start = trailingComma ? commaAfter(site.text, at)! + 1 : at;
      edits.push({ start, end: start, text });
    }
  }
  let text = site.text;
  for (const edit of edits.sort((a, b) => b.start - a.start)) text = text.slice(0, edit.start) + edit.text + text.slice(edit.end);
  return text;
}

/** Where the comma after `pos` is, skipping whitespace and comments (which may hold commas), or undefined. */
function commaAfter(text: string, pos: number): number | undefined {
  const scanner = ts.createScanner(ts.ScriptTarget.Latest, true, ts.LanguageVariant.Standard, text);
  scanner.resetTokenState(pos);
  return scanner.scan() === ts.SyntaxKind.CommaToken ? scanner.getTokenStart() : undefined;
}

/** The end of the comments on the same line right after `pos` (a property's trailing comment), or `pos`. */
const trailingCommentsEnd = (text: string, pos: number) => ts.getTrailingCommentRanges(text, pos)?.at(-1)?.end ?? pos;

/**
 * The edit that takes `prop` out of `obj` with what belongs to it: the comments above it, its
 * comma and the comment after that on its line (whole lines when it has its own); the previous
 * property keeps its own comment. The last property, without a trailing comma, also takes the
 * previous comma when no comment follows it.
 */
function removal(site: ObjectSite, obj: ts.ObjectLiteralExpression, prop: ts.ObjectLiteralElementLike): { start: number; end: number; text: string } {
  const text = site.text;
  const comma = commaAfter(text, prop.getEnd());
  let end = trailingCommentsEnd(text, comma === undefined ? prop.getEnd() : comma + 1);
  const previous = obj.properties[obj.properties.indexOf(prop) - 1];
  const previousComma = previous && commaAfter(text, previous.getEnd());
  if (comma === undefined && previousComma !== undefined && trailingCommentsEnd(text, previousComma + 1) === previousComma + 1) return { start: previousComma, end, text: '' };
  // Its own comments: the ones right above it, not a block a blank line sets apart.
  let start = prop.getStart(site.sourceFile);
  for (const comment of (ts.getLeadingCommentRanges(text, trailingCommentsEnd(text, prop.getFullStart())) ?? []).reverse()) {
    if ((text.slice(comment.end, start).match(/\n/g) ?? []).length > 1) break;
    start = comment.pos;
  }
  const lineStart = text.lastIndexOf('\n', start - 1) + 1;
  const lineEnd = text.indexOf('\n', end);
  if (/^[ \t]*$/.test(text.slice(lineStart, start)) && lineEnd >= 0 && /^[ \t]*\r?$/.test(text.slice(end, lineEnd))) [start, end] = [lineStart, lineEnd + 1];
  else end += /^[ \t]*/.exec(text.slice(end))![0].length;
  return { start, end, text: '' };
}
