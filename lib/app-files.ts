import { parseImage, RESERVED_APP_NAMES } from './app-spec';
import { DNS_LABEL } from './names';

/*
 * Source edits behind `npm run new-app` and `npm run set-image`. Pure functions on file text, so
 * the CLIs stay thin and the tests need no file system.
 */

export interface NewAppOptions {
  readonly image?: string;
  readonly host?: string;
  readonly port?: number;
}

/** Checks an image reference the way the app schema does; returns an error message or undefined. */
export function imageProblem(ref: string): string | undefined {
  const parsed = parseImage(ref);
  if (!parsed) return `${JSON.stringify(ref)} is not an image reference such as ghcr.io/me/app:1.2.3`;
  if (!parsed.tag && !parsed.digest) return `${ref} has no tag or digest; pin one, e.g. ${ref}:1.0.0`;
  if (parsed.tag === 'latest') return `${ref} uses \`latest\`; pin a tag or digest that can be reviewed and rolled back`;
  return undefined;
}

export function appNameProblem(name: string, existing: readonly string[]): string | undefined {
  if (!DNS_LABEL.test(name) || name.length > 40) return `${JSON.stringify(name)} is not a valid app name: use a DNS label of at most 40 characters (lowercase letters, digits, dashes)`;
  if (RESERVED_APP_NAMES.has(name)) return `${name} is reserved for a platform namespace`;
  if (existing.includes(name)) return `apps/${name}.ts already exists`;
  return undefined;
}

/** The text of a new apps/<name>.ts: the smallest declaration that renders a hardened app. */
export function newAppSource(name: string, options: NewAppOptions = {}): string {
  const image = options.image ?? `ghcr.io/CHANGE-ME/${name}:0.1.0`;
  const problem = imageProblem(image);
  if (problem) throw new Error(problem);
  const host = options.host ?? name;
  if (!(host === '@' || DNS_LABEL.test(host))) throw new Error(`host ${JSON.stringify(host)} must be a subdomain label such as ${name}, or @ for the apex`);
  return [
    "import { defineApp } from '../lib/app-spec';",
    '',
    `// ${name}: deployed from its image in ghcr.io; \`npm run set-image -- ${name} <image:tag>\` rolls out a new version.`,
    'export default defineApp({',
    `  image: '${image}',`,
    `  port: ${options.port ?? 8080},`,
    `  hosts: ['${host}'],`,
    '});',
    '',
  ].join('\n');
}

/**
 * Replaces the tag or digest of the one `image:` line whose repository matches `ref`'s, so that
 * the change is one line in source and one line in dist/.
 */
export function setImageInSource(source: string, ref: string, file: string): string {
  const problem = imageProblem(ref);
  if (problem) throw new Error(problem);
  const repository = parseImage(ref)!.repository;
  const line = /^(\s*image:\s*)(['"])([^'"]+)\2(.*)$/;
  const lines = source.split('\n');
  const matches = lines
    .map((text, index) => ({ index, m: line.exec(text) }))
    .filter(({ m }) => m && parseImage(m[3]!)?.repository === repository);
  if (matches.length === 0) {
    const found = lines.map((t) => line.exec(t)?.[3]).filter(Boolean);
    throw new Error(`${file}: no image of repository ${repository} (found: ${found.join(', ') || 'no image lines'})`);
  }
  if (matches.length > 1) throw new Error(`${file}: ${matches.length} components use ${repository}; edit the file by hand`);
  const { index, m } = matches[0]!;
  lines[index] = `${m![1]}${m![2]}${ref}${m![2]}${m![4]}`;
  return lines.join('\n');
}
