/*
 * What go-yaml v2 (kubectl and the API server read YAML with it, through sigs.k8s.io/yaml) reads
 * differently from the yaml library that writes dist/, for lib/yaml.ts: the plain scalars its
 * resolver turns into numbers, booleans, null or timestamps (resolve.go), the characters its reader
 * refuses or takes as line breaks (readerc.go, scannerc.go), and the block scalars whose
 * indentation it detects otherwise. test/cluster/yaml-oracle.test.ts checks all of it against the
 * real go-yaml v2, at the version Kubernetes uses.
 */

/**
 * Characters go-yaml v2 refuses raw ("control characters are not allowed": C0 but tab and newline,
 * DEL, C1, U+FFFE, U+FFFF) or reads as something else: CR (a line break: CRLF becomes LF), NEL
 * U+0085, LS U+2028 and PS U+2029 (line breaks in YAML 1.1: a plain `a\u2028b` is two lines, and a
 * lone one reads as null), and the BOM U+FEFF (skipped at the start of a line). The yaml library
 * writes them raw in plain, block and double-quoted scalars alike. Lone surrogates too: UTF-8
 * cannot hold them.
 */
const NOT_RAW = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * A multi-line string with a space or a tab before its first other character. The yaml library
 * writes it as a block scalar, without an indentation indicator when that whitespace is on lines of
 * its own, and go-yaml v2 then detects the indentation from those lines: it drops their spaces
 * (` \n` reads back as `\n`) or refuses the tab ("found a tab character where an indentation space
 * is expected").
 */
const LEADING_WHITESPACE = /^[ \t\n]*/;

/** Whether `value` must be written by doubleQuoted rather than as the yaml library would. */
export function needsEscapes(value: string): boolean {
  return NOT_RAW.test(value) || (value.includes('\n') && /[ \t]/.test(LEADING_WHITESPACE.exec(value)![0]));
}

const LONE_SURROGATE = /^[\ud800-\udfff]$/;
const NAMED_ESCAPES: Record<string, string> = { '"': '\\"', '\\': '\\\\', '\0': '\\0', '\x07': '\\a', '\b': '\\b', '\t': '\\t', '\n': '\\n', '\v': '\\v', '\f': '\\f', '\r': '\\r', '\x1b': '\\e' };

/** A string as one YAML double-quoted scalar on one line (go-yaml v2 and the yaml library both read it), every character NOT_RAW escaped. */
export function doubleQuoted(value: string): string {
  let out = '"';
  // By code point: a surrogate pair is one character, written raw (UTF-8 holds it, go-yaml reads it).
  for (const ch of value) {
    if (LONE_SURROGATE.test(ch)) {
      // Synth refuses these in declarations first (lib/spec/text.ts); this is the writer's last word.
      throw new Error(`yaml: a string with a lone surrogate (U+${ch.charCodeAt(0).toString(16).toUpperCase()}) cannot be written: UTF-8 cannot hold it`);
    }
    const named = NAMED_ESCAPES[ch];
    if (named) out += named;
    else if (NOT_RAW.test(ch)) {
      const code = ch.charCodeAt(0);
      out += code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
    } else out += ch;
  }
  return `${out}"`;
}

// resolve.go's map of plain scalars it resolves outright: booleans, nulls, infinities, NaN, merge.
const RESOLVE_MAP = new Set(
  'y Y yes Yes YES true True TRUE on On ON n N no No NO false False FALSE off Off OFF ~ null Null NULL .nan .NaN .NAN .inf .Inf .INF +.inf +.Inf +.INF -.inf -.Inf -.INF <<'.split(' ').concat(''),
);
// strconv.ParseInt/ParseUint with base 0, on the text with every `_` removed (sign, 0x/0o/0b/0 prefixes, any case).
const GO_INT = /^[-+]?(?:0[xX][0-9a-fA-F]+|0[bB][01]+|0[oO][0-7]+|0[0-7]*|[1-9][0-9]*)$/;
// resolve.go's yamlStyleFloat, also on the text without `_`.
const YAML_STYLE_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;
// resolve.go's own binary forms: `0b` then strconv.ParseInt(rest, 2), which takes a sign.
const GO_BINARY = /^(?:0b[-+]?|-0b)[01]+$/;
// parseTimestamp: four digits and `-`, then time.Parse with 2006-1-2[Tt ]15:4:5..., or a date alone (a superset).
const GO_TIMESTAMP = /^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:$|[Tt ])/;
// strconv.ParseFloat on text starting with `.`: decimal digits, `_` between them, an exponent (a superset).
const GO_DOT_FLOAT = /^\.[0-9][0-9_]*(?:[eE][-+]?[0-9_]+)?$/;

/** Whether go-yaml v2's resolver (resolve.go) reads `text`, written plain, as anything but that string. */
export function goYamlV2ResolvesPlain(text: string): boolean {
  if (RESOLVE_MAP.has(text)) return true;
  const first = text[0];
  if (first === '.') return GO_DOT_FLOAT.test(text);
  if (first === undefined || !/[-+0-9]/.test(first)) return false;
  if (GO_TIMESTAMP.test(text)) return true;
  const plain = text.replaceAll('_', '');
  return GO_INT.test(plain) || YAML_STYLE_FLOAT.test(plain) || GO_BINARY.test(plain);
}
