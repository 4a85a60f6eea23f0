/*
 * Credentials secretlint's recommended preset does not catch, as one secretlint rule that synth's
 * scanner (lib/secret-scan.ts) runs beside the preset over everything it is about to write:
 *   - vendor token formats the preset lacks (AWS key ids, Stripe, OpenAI project keys, SendGrid,
 *     Twilio, Google, Discord, Telegram, DigitalOcean, PyPI, JWTs) and private key blocks;
 *   - passwords in any URL's user info (redis://:pw@, amqps://u:pw@, mongodb+srv://, a password
 *     with punctuation or percent-encoding), unless it is a `$(VAR)` reference;
 *   - a base64 value (a whole env value, config value or list item) that decodes to any of the
 *     above, to a private key or to a `user:password` pair;
 *   - env values of high entropy: long random-looking text under any name, shorter under a name
 *     that hints at a credential.
 * Each finding names a format (its message id); the value is never shown.
 */

interface Finding {
  readonly id: string;
  readonly start: number;
  readonly end: number;
}

/** Vendor formats, from each vendor's documentation of its key and token prefixes. */
const TOKEN_FORMATS: readonly [string, RegExp][] = [
  ['AWS_ACCESS_KEY_ID', /\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\b/g],
  ['STRIPE_SECRET_KEY', /\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{20,}\b/g],
  ['OPENAI_API_KEY', /\bsk-(?:proj|svcacct|admin)-[A-Za-z0-9_-]{20,}/g],
  ['SENDGRID_API_KEY', /\bSG\.[A-Za-z0-9_-]{16,32}\.[A-Za-z0-9_-]{16,64}\b/g],
  ['TWILIO_API_KEY', /\bSK[0-9a-fA-F]{32}\b/g],
  ['GOOGLE_API_KEY', /\bAIza[0-9A-Za-z_-]{35}\b/g],
  ['DISCORD_BOT_TOKEN', /\b[MNO][A-Za-z0-9_-]{23,27}\.[A-Za-z0-9_-]{6}\.[A-Za-z0-9_-]{27,40}\b/g],
  ['TELEGRAM_BOT_TOKEN', /\b[0-9]{5,16}:AA[0-9A-Za-z_-]{30,40}\b/g],
  ['DIGITALOCEAN_TOKEN', /\bdo[opr]_v1_[a-f0-9]{64}\b/g],
  ['PYPI_TOKEN', /\bpypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{40,}/g],
  ['JSON_WEB_TOKEN', /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}/g],
  ['PRIVATE_KEY', /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----/g],
];

/** Formats the preset finds in plain text, looked for here only inside decoded base64 (where the preset cannot see). */
const PRESET_FORMATS: readonly [string, RegExp][] = [
  ['GITHUB_TOKEN', /\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{40,})/g],
  ['GITLAB_TOKEN', /\bglpat-[A-Za-z0-9_-]{20,}/g],
  ['SLACK_TOKEN', /\bxox[abprs]-[A-Za-z0-9-]{10,}/g],
  ['NPM_TOKEN', /\bnpm_[A-Za-z0-9]{36}\b/g],
  ['HUGGINGFACE_TOKEN', /\bhf_[A-Za-z]{34}\b/g],
  ['ANTHROPIC_API_KEY', /\bsk-ant-[A-Za-z0-9_-]{32,}/g],
  ['SHOPIFY_TOKEN', /\bshp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}\b/g],
];

/** `scheme://user:password@host`: the user part has no `/`; the password runs to the last `@` before the host. */
export const URL_USER_INFO = /\b[A-Za-z][A-Za-z0-9+.-]*:\/\/([^\s/?#@:"']*):([^\s"']+?)@(?=[A-Za-z0-9[])/g;
/** A password that is a reference Kubernetes or a shell expands, or a port mistaken for one. */
const NOT_A_PASSWORD = /^(?:\$\([A-Za-z_][A-Za-z0-9_]*\)|\$\{[A-Za-z_][A-Za-z0-9_]*\}|\{\{[^}]*\}\}|[0-9]*(?:[/?#].*)?)$/;

/** Base64 (standard or URL-safe) long enough to hold a credential. */
// A whole YAML value (after `key: ` or `- `, quoted or not), so the scan stays cheap on large
// outputs; only runs with upper case, lower case and a digit are decoded (base64 of text nearly
// always has all three; names, paths and hex digests do not). Decoded text is scanned within itself.
const BASE64_VALUE = /(?:: |- )"?([A-Za-z0-9+/_-]{16,}={0,2})"?$/gm;
const BASE64_RUN = /[A-Za-z0-9+/_-]{16,}={0,2}/g;
const MIXED = /(?=.*[a-z])(?=.*[A-Z])(?=.*[0-9])/;
/** A decoded `user:password` (what HTTP Basic and many connection settings carry). */
const BASIC_PAIR = /^[^\s:]{1,64}:[^\s]{4,}$/;

function tokenFindings(text: string, decodedText = false): Finding[] {
  const out: Finding[] = [];
  for (const [id, pattern] of decodedText ? [...TOKEN_FORMATS, ...PRESET_FORMATS] : TOKEN_FORMATS) {
    for (const m of text.matchAll(pattern)) out.push({ id, start: m.index, end: m.index + m[0].length });
  }
  for (const { end, password } of urlPasswords(text)) {
    if (NOT_A_PASSWORD.test(password)) continue;
    const start = end - password.length - 1;
    out.push({ id: 'URL_PASSWORD', start, end: start + password.length });
  }
  return out;
}

const SCHEME_CHAR = /[A-Za-z0-9+.-]/;
const LETTER = /[A-Za-z]/;
const WORD_CHAR = /[A-Za-z0-9_]/;

/**
 * What URL_USER_INFO matches (the password and where its match ends), found from each `://`: the
 * regex alone tries every letter of the text as a scheme's start, which cost synth tens of
 * milliseconds over dist/ at 1000 apps. A `://` counts when a scheme ends there (`\b[A-Za-z]
 * [A-Za-z0-9+.-]*`); the user info is then matched in place, as the regex would.
 */
export function* urlPasswords(text: string): Generator<{ end: number; password: string }> {
  const userInfo = new RegExp(URL_USER_INFO.source.slice(URL_USER_INFO.source.indexOf(':\\/\\/')), 'y');
  let from = 0;
  for (let at = text.indexOf('://', from); at !== -1; at = text.indexOf('://', from)) {
    let schemeStart = -1;
    for (let i = at - 1; i >= 0 && SCHEME_CHAR.test(text[i]!); i--) {
      if (LETTER.test(text[i]!) && (i === 0 || !WORD_CHAR.test(text[i - 1]!))) schemeStart = i;
    }
    userInfo.lastIndex = at;
    const m = schemeStart === -1 ? null : userInfo.exec(text);
    if (!m) {
      from = at + 1;
      continue;
    }
    yield { end: m.index + m[0].length, password: m[2]! };
    from = m.index + m[0].length;
  }
}

/** Text that base64 `run` decodes to, when it is mostly printable (so could be read as a credential). */
function decoded(run: string): string | undefined {
  const bytes = Buffer.from(run.replace(/[-_]/g, (c) => (c === '-' ? '+' : '/')), 'base64');
  if (bytes.length < 8) return undefined;
  const text = bytes.toString('utf8');
  if (text.includes('\ufffd')) return undefined;
  const printable = text.replace(/[^\x20-\x7e\t\n\r]/g, '').length;
  return printable >= text.length * 0.95 ? text : undefined;
}

function base64Findings(text: string, depth = 0): Finding[] {
  const out: Finding[] = [];
  for (const m of text.matchAll(depth === 0 ? BASE64_VALUE : BASE64_RUN)) {
    const run = m[1] ?? m[0];
    if (!MIXED.test(run)) continue;
    const plain = decoded(run);
    if (plain === undefined) continue;
    const inner = [...tokenFindings(plain, true), ...(depth < 1 ? base64Findings(plain, depth + 1) : [])];
    const start = m.index + m[0].indexOf(run);
    if (inner.length || BASIC_PAIR.test(plain.trim())) out.push({ id: inner.length ? `BASE64_ENCODED_${inner[0]!.id}` : 'BASE64_ENCODED_CREDENTIALS', start, end: start + run.length });
  }
  return out;
}

/** Bits of information per character (Shannon entropy of the character frequencies). */
export function entropy(value: string): number {
  const counts = new Map<string, number>();
  for (const ch of value) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let bits = 0;
  for (const n of counts.values()) bits -= (n / value.length) * Math.log2(n / value.length);
  return bits;
}

/** Names that hint at a credential, as a part of the name (`STRIPE_KEY`, `SIGNING_SALT`, `HOOK_AUTH`). */
const CREDENTIAL_HINT = /(?:^|_)(?:KEY|KEYS|TOKEN|TOKENS|SECRET|SECRETS|PASS|PASSWD|PASSWORD|PWD|AUTH|CRED|CREDS|CREDENTIALS?|PRIVATE|SIGNING|SIGNATURE|SALT|HMAC|JWT|BEARER|SESSION|COOKIE|WEBHOOK|ACCESS|API)(?:$|_)/i;
/** A token alphabet, without spaces, dots or colons: not a sentence, a host, a URL, a path or a version. */
const TOKEN_TEXT = /^[A-Za-z0-9+/=_-]+$/;
const classes = (v: string) => [/[a-z]/, /[A-Z]/, /[0-9]/].filter((c) => c.test(v)).length;

/** Why an env value looks like a credential by its randomness, or undefined. Thresholds measured against examples/ and the fixtures (no finding there). */
export function highEntropyProblem(name: string, value: string): string | undefined {
  if (!TOKEN_TEXT.test(value) || value.startsWith('/')) return undefined;
  const bits = entropy(value);
  if (value.length >= 32 && classes(value) === 3 && bits >= 4) return 'HIGH_ENTROPY_VALUE';
  if (CREDENTIAL_HINT.test(name) && value.length >= 16 && classes(value) >= 2 && bits >= 3.3) return 'HIGH_ENTROPY_VALUE_UNDER_A_CREDENTIAL_NAME';
  return undefined;
}

/** An env entry as the writer renders it: `- name: X` then `value: ...` on the next line, one level in. */
const ENV_ENTRY = /^( *)- name: ([A-Za-z_][A-Za-z0-9_]*)\n\1 {2}value: (.*)$/gm;

function entropyFindings(text: string, readScalar: (yaml: string) => unknown): Finding[] {
  const out: Finding[] = [];
  for (const m of text.matchAll(ENV_ENTRY)) {
    const raw = m[3]!;
    const value = /^["']/.test(raw) ? readScalar(raw) : raw;
    if (typeof value !== 'string') continue;
    const id = highEntropyProblem(m[2]!, value);
    if (id) {
      const start = m.index + m[0].length - raw.length;
      out.push({ id, start, end: start + raw.length });
    }
  }
  return out;
}

/** Every finding in `text`, by position. */
export function credentialFindings(text: string, readScalar: (yaml: string) => unknown): Finding[] {
  return [...tokenFindings(text), ...base64Findings(text), ...entropyFindings(text, readScalar)].sort((a, b) => a.start - b.start);
}

/** The rule in secretlint's form (what its config's `rules` hold): reports each finding with its id as message id. */
export async function credentialsRule(): Promise<unknown> {
  const { parse } = await import('yaml');
  const readScalar = (yaml: string) => {
    try {
      // A JSON string is a YAML double-quoted scalar of the same text, and JSON.parse is far cheaper.
      if (yaml.startsWith('"')) {
        try {
          return JSON.parse(yaml);
        } catch {
          /* a YAML-only escape: the yaml library reads it */
        }
      }
      return parse(yaml, { version: '1.1' });
    } catch {
      return undefined;
    }
  };
  // One message per finding id, built on demand: the id is what synth's refusal shows.
  const messages = new Proxy({}, { get: (_, id) => () => `a credential (${String(id)})` });
  return {
    messages,
    meta: { id: 'hobby-infra/credentials', recommended: true, type: 'scanner', supportedContentTypes: ['text'], docs: { url: 'lib/secret-rules.ts' } },
    create(context: { report: (d: { message: unknown; range: [number, number] }) => void; createTranslator: (m: unknown) => (id: string) => unknown }) {
      const t = context.createTranslator(messages);
      return {
        file(source: { content: string }) {
          for (const f of credentialFindings(source.content, readScalar)) context.report({ message: t(f.id), range: [f.start, f.end] });
        },
      };
    },
  };
}
