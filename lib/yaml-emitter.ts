import { Document, type DocumentOptions, type SchemaOptions, type ToStringOptions } from 'yaml';

/*
 * A dedicated emitter for the documents synth writes, byte-identical to `yaml.stringify` with the
 * writer's options (lib/yaml.ts), about ten times faster: no node tree, one string per document.
 *
 * It covers what rendered manifests are made of (plain objects, arrays, safe integers, booleans,
 * null, and single-line strings of printable ASCII) and gives up on anything else (a multi-line
 * string, a float, a control character, a very long key, ...), for which the caller uses the yaml
 * library itself. Whether a string is written plain or quoted is decided by the yaml library's own
 * rules (stringifyString.js: plainString, quotedString), with the very tag tests of the writer's
 * schema (YAML 1.1, the 1.2 core tags and go-yaml v2's extras), taken from a Document built with
 * the writer's options, so the strictness cannot drift. test/yaml.test.ts proves the byte-identity
 * on all of dist/, the unusual corpus, generated apps and random documents.
 */

/** Thrown inside the emitter when a value is outside what it covers. */
const GIVE_UP = Symbol('give up');

type WriterOptions = DocumentOptions & SchemaOptions & ToStringOptions;

export interface Emitter {
  /** The document text `yaml.stringify(value, options)` would write, or undefined when the value is not covered. */
  emit(value: unknown): string | undefined;
}

// plainString's test for strings that cannot be plain: indicator characters at the start, `: ` or
// ` #` inside, a trailing space or colon, a lone `-` or `?`.
const NOT_PLAIN = /^[\n\t ,[\]{}#&*!|>'"%@`]|^[?-]$|^[?-][ \t]|[\n:][ \t]|[ \t]\n|[\n\t ]#|[\n\t :]$/;
// What this emitter handles at all: one line of printable ASCII, not starting like a document marker
// (where yaml's choice depends on the indentation) and short enough to be an implicit key.
const COVERED_STRING = /^(?!---|\.\.\.)[\x20-\x7e]{0,1000}$/;

export function createEmitter(options: WriterOptions): Emitter {
  if (options.lineWidth !== 0 || options.singleQuote || options.indent !== undefined || options.indentSeq === false || options.defaultStringType || options.defaultKeyType) {
    throw new Error('yaml-emitter: written for lineWidth 0 and the yaml defaults otherwise');
  }
  const { schema } = new Document(null, options);
  // plainString quotes a string that any default, non-string tag of the schema or its compat tags would resolve.
  const typeTests = [...schema.tags, ...(schema.compat ?? [])]
    .filter((tag) => typeof tag === 'object' && tag.default && tag.tag !== 'tag:yaml.org,2002:str' && tag.test)
    .map((tag) => (tag as { test: RegExp }).test);
  const strings = new Map<string, string>();

  function scalarString(value: string): string {
    let text = strings.get(value);
    if (text !== undefined) return text;
    if (!COVERED_STRING.test(value)) throw GIVE_UP;
    if (NOT_PLAIN.test(value) || typeTests.some((test) => test.test(value))) {
      // quotedString: single quotes only when the value has double quotes and no single ones.
      text = value.includes('"') && !value.includes("'") ? `'${value}'` : `"${value.replace(/[\\"]/g, '\\$&')}"`;
    } else text = value;
    if (strings.size > 100_000) strings.clear();
    strings.set(value, text);
    return text;
  }

  function scalar(value: unknown): string {
    if (typeof value === 'string') return scalarString(value);
    if (typeof value === 'number') {
      if (!Number.isSafeInteger(value) || Object.is(value, -0)) throw GIVE_UP;
      return String(value);
    }
    if (typeof value === 'boolean') return value ? 'true' : 'false';
    if (value === null) return 'null';
    throw GIVE_UP;
  }

  const isPlainObject = (v: unknown): v is Record<string, unknown> => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
    const proto = Object.getPrototypeOf(v);
    return proto === Object.prototype || proto === null;
  };

  /** A block collection's text: its first line unindented, the others at `indent` (stringifyBlockCollection). */
  function collection(value: unknown, indent: string): string | undefined {
    if (Array.isArray(value)) {
      if (value.length === 0) return '[]';
      const itemIndent = `${indent}  `;
      let out = '';
      for (let i = 0; i < value.length; i++) {
        // A sparse array's hole is undefined to yaml too, but it writes those differently: leave them to it.
        if (!(i in value)) throw GIVE_UP;
        const item = value[i];
        const nested = typeof item === 'object' && item !== null ? collection(item, itemIndent) : undefined;
        out += `${i === 0 ? '' : `\n${indent}`}- ${nested ?? scalar(item)}`;
      }
      return out;
    }
    // yaml calls toJSON() on such objects first; leave them to it.
    if (!isPlainObject(value) || typeof value.toJSON === 'function') throw GIVE_UP;
    const keys = Object.keys(value);
    if (keys.length === 0) return '{}';
    const valueIndent = `${indent}  `;
    let out = '';
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      const item = value[key];
      let line = `${scalarString(key)}:`;
      if (typeof item === 'object' && item !== null) {
        const nested = collection(item, valueIndent)!;
        // An empty collection stays on the key's line as `{}` or `[]`; a block one starts below it.
        line += nested === '{}' || nested === '[]' ? ` ${nested}` : `\n${valueIndent}${nested}`;
      } else line += ` ${scalar(item)}`;
      out += i === 0 ? line : `\n${indent}${line}`;
    }
    return out;
  }

  return {
    emit(value) {
      if (typeof value !== 'object' || value === null) return undefined;
      try {
        return `${collection(value, '')}\n`;
      } catch (error) {
        if (error === GIVE_UP) return undefined;
        throw error;
      }
    },
  };
}
