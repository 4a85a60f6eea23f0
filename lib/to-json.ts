import { ApiObject, App, ImplicitTokenResolver, JsonPatch, Lazy, LazyResolver, NumberStringUnionResolver } from 'cdk8s';

/*
 * cdk8s' ApiObject.toJson() resolves the object through the app's resolver list, allocating a
 * context and a key path per value and looking the App up from every leaf, then copies it again
 * to drop empty values and sort keys. With the three built-in resolvers (all of synth's objects),
 * the same result comes from one walk that applies those resolvers' rules inline, followed by cdk8s'
 * own JsonPatch.apply for the object's patches, as its toJson does. Anything else (a custom resolver,
 * a value neither rule nor a plain object explains, an error) is left to cdk8s' own toJson, so the
 * result and the errors are cdk8s' own.
 * test/to-json.test.ts compares both, key order included, on every object synth renders.
 */

const GIVE_UP = Symbol('give up');

const hasBuiltInResolversOnly = (app: App) =>
  app.resolvers.length === 3 && app.resolvers[0] instanceof LazyResolver && app.resolvers[1] instanceof ImplicitTokenResolver && app.resolvers[2] instanceof NumberStringUnionResolver;

/** The built-in resolvers, in their order, until none replaces the value (cdk8s/lib/resolve.js). */
function resolveTokens(value: any): any {
  for (;;) {
    // Strings, numbers and booleans are never tokens: none of the three resolvers touches them.
    if (value == null || (typeof value !== 'object' && typeof value !== 'function')) return value;
    if (value instanceof Lazy) value = value.produce();
    else if (typeof value.resolve === 'function') value = value.resolve();
    else if (value.constructor !== Object && (typeof value.value === 'number' || typeof value.value === 'string')) value = { value: value.value };
    else return value;
  }
}

interface SanitizeOptions {
  readonly sortKeys: boolean;
  /** Metadata drops empty lists and maps (cdk8s/lib/metadata.js). */
  readonly filterEmpty: boolean;
}

/** sanitizeValue(resolve(value), options), for a value whose every object is plain after resolution. */
function plain(value: unknown, options: SanitizeOptions): unknown {
  const v = resolveTokens(value);
  if (v == null) return undefined;
  if (typeof v !== 'object') return v;
  if (Array.isArray(v)) return options.filterEmpty && v.length === 0 ? undefined : v.map((item) => plain(item, options));
  if (v.constructor !== Object) throw GIVE_UP; // cdk8s refuses it (or treats an odd one specially): let it
  const out: Record<string, unknown> = {};
  const keys = Object.keys(v);
  if (options.sortKeys) keys.sort();
  let empty = true;
  for (const key of keys) {
    const item = plain(v[key], options);
    if (item != null) {
      out[key] = item;
      empty = false;
    }
  }
  return options.filterEmpty && empty ? undefined : out;
}

/** ApiObjectMetadataDefinition.toJson(), from the same fields, when they are where cdk8s keeps them. */
function metadataJson(metadata: ApiObject['metadata']): unknown {
  const m = metadata as unknown as Record<string, any>;
  if (typeof m._additionalAttributes !== 'object' || m._additionalAttributes === null) return metadata.toJson();
  const { name, namespace, annotations, finalizers, ownerReferences, labels } = m;
  return plain({ ...m._additionalAttributes, name, namespace, annotations, finalizers, ownerReferences, labels }, { sortKeys: true, filterEmpty: true });
}

function fastToJson(this: ApiObject, app: App, original: () => any): any {
  const self = this as unknown as { props: Record<string, unknown>; patches?: JsonPatch[] };
  if (!Array.isArray(self.patches) || this.node.root !== app) return original.call(this);
  try {
    const json = plain({ ...self.props, metadata: metadataJson(this.metadata) }, { sortKeys: !process.env.CDK8S_DISABLE_SORT, filterEmpty: false }) as Record<string, unknown>;
    // As cdk8s does: its JSON patches on the resolved object, then apiVersion, kind and metadata first.
    const patched = self.patches.length ? (JsonPatch.apply(json, ...self.patches) as Record<string, unknown>) : json;
    const result: Record<string, unknown> = {};
    for (const key of ['apiVersion', 'kind', 'metadata', ...Object.keys(patched)]) if (key in patched) result[key] = patched[key];
    return result;
  } catch {
    return original.call(this);
  }
}

/** Runs `render` with the toJson() of `app`'s ApiObjects taking the direct walk above where it applies. */
export function withDirectToJson<T>(app: App, render: () => T): T {
  if (!hasBuiltInResolversOnly(app)) return render();
  const original = ApiObject.prototype.toJson;
  ApiObject.prototype.toJson = function toJson(this: ApiObject) {
    return fastToJson.call(this, app, original);
  };
  try {
    return render();
  } finally {
    ApiObject.prototype.toJson = original;
  }
}
