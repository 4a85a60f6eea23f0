import { Document, stringify, type CreateNodeOptions, type DocumentOptions, type ParseOptions, type ScalarTag, type SchemaOptions, type ToStringOptions } from 'yaml';
import { stringTag } from 'yaml/util';
import { createEmitter } from './yaml-emitter';
import { doubleQuoted, goYamlV2ResolvesPlain, needsEscapes } from './yaml-go';

/*
 * The one YAML writer for everything Kubernetes or Helm reads (dist/ and HelmChart valuesContent).
 *
 * kubectl, the API server and Helm decode YAML with go-yaml v2 (through sigs.k8s.io/yaml), a YAML
 * 1.1 reader: a plain `on`, `yes`, `y`, `off`, `1_000`, `017`, `0b101`, `190:20:30` or
 * `2001-12-14` is a bool, number or timestamp there, not the string we meant. So a string is
 * written plain only when every reader we care about reads it back as that same string:
 *   - the YAML 1.1 schema (the document's own schema), which knows every 1.1 form above;
 *   - the YAML 1.2 core schema (`compat`), for forms 1.2 readers and go-yaml v2 share (`0o17`);
 *   - GO_YAML_V2_EXTRAS: what go-yaml v2's resolver accepts beyond both schemas (lib/yaml-go.ts:
 *     `-0o17`, `0X10`, `1e1_0`, `0b-1`, `2024-1-2`, ...), and `<<`, which it resolves to a merge key.
 * test/yaml.test.ts pins this against real YAML 1.1 and 1.2 parsers over all of dist/.
 *
 * A string go-yaml v2 cannot read raw, or would read differently as a block scalar, is written as
 * an escaped double-quoted scalar (SAFE_STRING_TAG). test/cluster/yaml-oracle.test.ts reads a
 * generated corpus of strings back through kubectl's own reader, built from its Go modules.
 */

/** yaml's string tag, but a string go-yaml v2 would not read back from its output is written by doubleQuoted; any other as before. */
const SAFE_STRING_TAG: ScalarTag = {
  ...(stringTag as ScalarTag),
  stringify(item, ctx, onComment, onChompKeep) {
    const value = (item as { value: unknown }).value;
    if (typeof value === 'string' && needsEscapes(value)) return doubleQuoted(value);
    return stringTag.stringify!(item, ctx, onComment, onChompKeep);
  },
};

/** A RegExp whose test is a function: the yaml library and the emitter call `tag.test.test(text)`. */
class PredicateTest extends RegExp {
  constructor(private readonly predicate: (text: string) => boolean) {
    super('(go-yaml v2 resolve.go)');
  }
  override test(text: string): boolean {
    return this.predicate(text);
  }
}

/** Plain scalars go-yaml v2 resolves to a non-string although neither YAML schema does. */
const GO_YAML_V2_EXTRAS: ScalarTag = {
  tag: 'tag:yaml.org,2002:int',
  default: true,
  test: new PredicateTest(goYamlV2ResolvesPlain),
  resolve: (text) => text,
};

export const WRITER_OPTIONS: DocumentOptions & SchemaOptions & ParseOptions & CreateNodeOptions & ToStringOptions = {
  version: '1.1',
  // yaml's 1.1 schema would write the string `<<` plain through its merge tag; 1.1 readers take
  // that as a merge key. Without the tag, `<<` is quoted by GO_YAML_V2_EXTRAS like any other.
  // The string tag is SAFE_STRING_TAG, which escapes what go-yaml cannot read raw.
  customTags: (tags) => tags.filter((tag) => typeof tag === 'string' || tag.tag !== 'tag:yaml.org,2002:merge').map((tag) => (tag === stringTag ? SAFE_STRING_TAG : tag)),
  // The YAML 1.2 core schema's scalar tags (by their names in the yaml package), plus go-yaml v2's extras.
  compat: ['bool', 'null', 'int', 'intHex', 'intOct', 'float', 'floatExp', 'floatNaN', GO_YAML_V2_EXTRAS],
  // No line folding: a long value stays on one line, so a diff shows exactly the change.
  lineWidth: 0,
  aliasDuplicateObjects: false,
  // Our documents never carry %YAML/%TAG directives or a `---` start marker.
  directives: false,
};

const emitter = createEmitter(WRITER_OPTIONS);

/** One YAML document that go-yaml v2, YAML 1.1 and YAML 1.2 readers all decode to `value`. */
export function toYaml(value: unknown): string {
  // The dedicated emitter writes what the yaml library would, byte for byte, for what it covers.
  return emitter.emit(value) ?? stringify(value, WRITER_OPTIONS);
}

/** toYaml through the yaml library only: the reference the emitter is tested and benchmarked against. */
export function toYamlWithLibrary(value: unknown): string {
  return stringify(value, WRITER_OPTIONS);
}

/** The writer's Document, for callers that shape it before writing (HelmChart values name repeated objects as anchors). */
export function yamlDocument(value: unknown, options: { aliasDuplicateObjects?: boolean } = {}): Document {
  return new Document(value, { ...WRITER_OPTIONS, ...options });
}

/** Writes a yamlDocument() with the writer's options. */
export function writeYamlDocument(doc: Document): string {
  return doc.toString(WRITER_OPTIONS);
}
