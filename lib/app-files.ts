import { appNameProblem as appNameSpecProblem, parseImage } from './app-spec';
import { DNS_LABEL } from './names';

/*
 * Source edits behind `npm run new-app` and `npm run set-image`. Pure functions on file text, so
 * the CLIs stay thin and the tests need no file system.
 */

export interface NewAppOptions {
  /** Required: a placeholder image would pass review and then fail to pull in the cluster. */
  readonly image: string;
  readonly host?: string;
  readonly port?: number;
}

/** Checks an image reference the way the app schema does; returns an error message or undefined. */
export function imageProblem(ref: string): string | undefined {
  const parsed = parseImage(ref);
  if (!parsed) return `got ${JSON.stringify(ref)}, expected an image reference such as ghcr.io/me/app:1.2.3`;
  if (!parsed.tag && !parsed.digest) return `got ${JSON.stringify(ref)}, expected a pinned tag or digest, e.g. ${ref}:1.0.0`;
  if (parsed.tag === 'latest') return `got ${JSON.stringify(ref)}, expected a pinned tag or digest; \`latest\` cannot be reviewed or rolled back`;
  return undefined;
}

/** Why `name` cannot be a new app (the same rule synth applies to file names), or undefined. */
export function appNameProblem(name: string, existing: readonly string[]): string | undefined {
  const problem = appNameSpecProblem(name);
  if (problem) return `<name>: got ${JSON.stringify(name)}, expected ${problem}`;
  if (existing.includes(name)) return `<name>: got ${name}, expected a name not taken (apps/${name}.ts already exists)`;
  return undefined;
}

/** Why `text` (from --port) is not a container port, or undefined. */
export function portProblem(text: string): string | undefined {
  const port = Number(text);
  return /^[0-9]+$/.test(text) && port >= 1 && port <= 65535 ? undefined : `--port: got ${JSON.stringify(text)}, expected a whole port number from 1 to 65535`;
}

/** The declaration new-app writes, as data: the script validates it with the app schema before writing. */
export function newAppSpec(name: string, options: NewAppOptions): { image: string; port: number; hosts: string[] } {
  const problem = imageProblem(options.image);
  if (problem) throw new Error(`--image: ${problem}`);
  const host = options.host ?? name;
  if (!(host === '@' || DNS_LABEL.test(host))) throw new Error(`--host: got ${JSON.stringify(host)}, expected a subdomain label such as ${name}, or @ for the apex`);
  return { image: options.image, port: options.port ?? 8080, hosts: [host] };
}

/** The text of a new apps/<name>.ts: the smallest declaration that renders a hardened app. */
export function newAppSource(name: string, options: NewAppOptions): string {
  const { image, port, hosts } = newAppSpec(name, options);
  const host = hosts[0]!;
  return [
    "import { defineApp } from '../lib/app-spec';",
    '',
    `// ${name}: deployed from its image in ghcr.io; \`npm run set-image -- ${name} <image:tag>\` rolls out a new version.`,
    'export default defineApp({',
    `  image: '${image}',`,
    `  port: ${port},`,
    `  hosts: ['${host}'],`,
    '});',
    '',
  ].join('\n');
}

/**
 * Replaces the tag or digest of the `image:` lines whose repository matches `ref`'s (one, or a
 * component and its jobs at the same version), so that the change is one line per process.
 */
export function setImageInSource(source: string, ref: string, file: string): string {
  const problem = imageProblem(ref);
  if (problem) throw new Error(`<image>: ${problem}`);
  const repository = parseImage(ref)!.repository;
  // `image: '...'` anywhere on a line, so `web: { image: '...', port: 80 }` is found too.
  const images = [...source.matchAll(/\bimage:\s*(['"])([^'"\n]+)\1/g)].map((m) => ({ value: m[2]!, start: m.index + m[0].indexOf(m[2]!) }));
  const matches = images.filter((i) => parseImage(i.value)?.repository === repository);
  if (matches.length === 0) {
    throw new Error(`${file}: image: got no image of repository ${repository}, expected one (found: ${images.map((i) => i.value).join(', ') || 'no image fields'})`);
  }
  // A component and the jobs that run its image (migrations) move to a new version together.
  if (new Set(matches.map((m) => m.value)).size > 1) {
    throw new Error(`${file}: image: got ${repository} at ${matches.length} different versions (${matches.map((m) => m.value).join(', ')}), expected one; edit the file by hand`);
  }
  return [...matches].reverse().reduce((text, { value, start }) => text.slice(0, start) + ref + text.slice(start + value.length), source);
}
