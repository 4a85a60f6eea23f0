import { z } from 'zod';
import { CPU_QUANTITY, cpuMillis, MEMORY_QUANTITY, memoryMiB } from '../quantity';
import { processText } from './text';

/*
 * The field types app declarations are made of: images, quantities, ports, env, paths, reasons.
 * Each says what it expects in the words synth prints (`file: field: got X, expected Y`).
 */

const IMAGE = /^(?<repository>[a-z0-9]+(?:[._-][a-z0-9]+)*(?::[0-9]+)?(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*)(?::(?<tag>[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}))?(?:@(?<digest>sha256:[a-f0-9]{64}))?$/;

/** Splits an image reference; undefined when it is not one. */
export function parseImage(ref: string): { repository: string; tag?: string; digest?: string } | undefined {
  const m = IMAGE.exec(ref);
  if (!m?.groups) return undefined;
  return { repository: m.groups.repository!, tag: m.groups.tag, digest: m.groups.digest };
}

export const image = z.string('an image reference such as ghcr.io/me/app:1.2.3').superRefine((ref, ctx) => {
  const parsed = parseImage(ref);
  if (!parsed) ctx.addIssue({ code: 'custom', message: 'an image reference such as ghcr.io/me/app:1.2.3' });
  else if (!parsed.tag && !parsed.digest) ctx.addIssue({ code: 'custom', message: 'an image with a pinned tag or digest (ghcr.io/me/app:1.2.3), not an untagged one' });
  else if (parsed.tag === 'latest') ctx.addIssue({ code: 'custom', message: 'a pinned tag or digest; `latest` cannot be reviewed or rolled back' });
});

/** What a process gets when its spec says nothing: small, and always bounded. Also the LimitRange defaults. */
export const DEFAULT_RESOURCES = { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '500m', memory: '256Mi' } } as const;

export const cpu = z
  .string('a CPU quantity such as 100m, 1 or 1.5')
  .regex(CPU_QUANTITY, 'a CPU quantity such as 100m, 1 or 1.5 (cores, or whole millicores)')
  .refine((q) => !CPU_QUANTITY.test(q) || cpuMillis(q) > 0, 'a CPU quantity above zero');
export const memory = z
  .string('a memory quantity such as 128Mi, 512Mi or 1.5Gi')
  .regex(MEMORY_QUANTITY, 'a memory quantity such as 128Mi, 512Mi or 1.5Gi')
  .refine((q) => !MEMORY_QUANTITY.test(q) || memoryMiB(q) > 0, 'a quantity above zero, such as 512Mi')
  .refine((q) => !MEMORY_QUANTITY.test(q) || Number.isInteger(memoryMiB(q)), 'a whole number of MiB, such as 128Mi or 1.5Gi');
export const port = z.int('a whole port number').min(1, 'a port from 1 to 65535').max(65535, 'a port from 1 to 65535');
export const reason = z.string('a sentence saying why').min(10, 'a sentence saying why').max(500, 'a sentence of at most 500 characters');

export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Env names that hold credentials (a secret word as one `_`-separated part); their values must come from Infisical. */
const SECRET_LIKE = /(^|_)(PASS|PASSWORD|PASSWD|PWD|PASSPHRASE|SECRETS?|TOKENS?|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|SECRET_?KEY|CREDENTIALS?|DATABASE_URL|DSN|CONNECTION_STRING)($|_)/i;
/**
 * A value that cannot be a credential, whatever its name: a switch or a number
 * (`OAUTH2_PROXY_PASS_USER_HEADERS: 'true'`), or text made only of `$(VAR)` references to other
 * variables, which Kubernetes expands from the Secret-backed ones.
 */
const PLAINLY_NOT_SECRET = /^(true|false|yes|no|on|off|[0-9]{1,10}|)$|^(\$\([A-Za-z_][A-Za-z0-9_]*\)[-:/@.?&=_a-z0-9]*)+$/i;

export const envName = z.string().regex(ENV_NAME, 'an environment variable name such as API_URL');

/** Plain environment variables. Secrets belong in Infisical, never here. */
export const env = z.record(envName, z.string('a string (quote numbers and booleans)').superRefine(processText('env'))).superRefine((vars, ctx) => {
  for (const [name, value] of Object.entries(vars)) {
    if (SECRET_LIKE.test(name) && !PLAINLY_NOT_SECRET.test(value)) {
      // Named, never shown: the value may be the secret itself.
      ctx.addIssue({
        code: 'custom',
        path: [name],
        params: { name },
        message: 'a non-secret name: values named like secrets belong in Infisical (`secrets: true`) or come from `databaseEnv`, never from git (a switch, a number or `$(VAR)` references are fine)',
      });
    }
  }
});

/** A command or its arguments: what the container runs instead of the image's entrypoint or command. */
export const argv = z.array(z.string('a string').superRefine(processText('argv'))).min(1, 'at least one word, such as ["node", "worker.js"]').max(64, 'at most 64 words');

/**
 * An absolute path with no empty, `.` or `..` part and no trailing slash, so one place has one
 * spelling: Kubernetes compares mount paths and Ingress paths as text. Dot files and folders
 * (`/home/node/.n8n`) are ordinary parts.
 */
const CLEAN_PATH = /^(\/[A-Za-z0-9_.~-]+)+$/;
const DOT_SEGMENT = /\/\.\.?(\/|$)/;
export const isCleanPath = (p: string) => CLEAN_PATH.test(p) && !DOT_SEGMENT.test(p) && p.length <= 1024;
export const absolutePath = z.string('an absolute path such as /data').refine(isCleanPath, 'an absolute path such as /data (no trailing slash, no empty, `.` or `..` part)');

/** The emptyDir every process gets, since its root filesystem is read-only. */
export const SCRATCH_MOUNT_PATH = '/tmp';
/** What `/tmp` may hold. */
export const SCRATCH_SIZE = '256Mi';

/** A restore target time, as the Go operators read it (lib/spec/time-fields.ts). */
export { pointInTime } from './time-fields';

/** Requests and limits, each side optional (defaults fill the rest). */
export const resources = z
  .strictObject({
    requests: z.strictObject({ cpu: cpu.optional(), memory: memory.optional() }).optional(),
    limits: z.strictObject({ cpu: cpu.optional(), memory: memory.optional() }).optional(),
  })
  .optional();

export type Resources = { requests: { cpu: string; memory: string }; limits: { cpu: string; memory: string } };

/** Requests and limits with the defaults filled in. */
export function filledResources(r: z.output<typeof resources>, defaults: Resources = DEFAULT_RESOURCES): Resources {
  return { requests: { ...defaults.requests, ...r?.requests }, limits: { ...defaults.limits, ...r?.limits } };
}

/**
 * Requests above limits are refused by the API server. A side left out gets the default, so
 * `requests.cpu: 1` alone is above the default 500m limit and is refused here, naming the default.
 */
export function resourceProblems(r: z.output<typeof resources>, at: (field: string) => string, defaults: Resources = DEFAULT_RESOURCES): string[] {
  const measures = { cpu: cpuMillis, memory: memoryMiB } as const;
  return (['cpu', 'memory'] as const).flatMap((kind) => {
    const request = r?.requests?.[kind];
    const limit = r?.limits?.[kind];
    const effectiveRequest = request ?? defaults.requests[kind];
    const effectiveLimit = limit ?? defaults.limits[kind];
    if (measures[kind](effectiveRequest) <= measures[kind](effectiveLimit)) return [];
    const field = request === undefined ? `resources.limits.${kind}` : `resources.requests.${kind}`;
    const got = request === undefined ? limit : request;
    const expected =
      request === undefined
        ? `at least the default ${kind} request ${effectiveRequest} (or set resources.requests.${kind} too)`
        : limit === undefined
          ? `at most the default ${kind} limit ${effectiveLimit} (or set resources.limits.${kind} too)`
          : `at most resources.limits.${kind} (${limit})`;
    return [`${at(field)}: got ${JSON.stringify(got)}, expected ${expected}`];
  });
}
