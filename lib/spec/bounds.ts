import { NODE_SIZES, type NodeSizeName } from '../civo';
import { BACKUP_SIDECAR_RESOURCES } from '../constructs/database';
import { CACHE_CPU } from '../constructs/cache';
import { POD_SECURITY_REASON } from '../constructs/namespace';
import { LABEL_VALUE_MAX } from '../names';
import { cpuMilliValue, formatCpu, formatMemory, memoryBytes, QUANTITY_MAX } from '../quantity';
import { podFitProblems } from './node-fit';
import { processesOf, type AppSpec, type ProcessSpec } from './types';

/*
 * Upper bounds of an app's declaration: quantities Kubernetes can hold and one node can give, and
 * free text no larger than the object, the kernel or the API server it ends up in accepts. Each
 * bound names the limit it comes from.
 */

/** The API server's limit on one object's annotations, keys and values together (apimachinery ValidateAnnotationsSize). */
export const ANNOTATIONS_MAX_BYTES = 256 * 1024;
/** Linux's limit on one environment string `NAME=value` with its NUL (MAX_ARG_STRLEN, 32 pages): execve fails with E2BIG above it. */
export const ENV_STRING_MAX_BYTES = 128 * 1024;
/**
 * A process's environment, command and arguments in all: execve takes at most a quarter of the
 * stack limit (2 MiB by default), and they are written into the Deployment, which etcd stores up
 * to 1.5 MiB; 1 MiB leaves room for the rest of the object.
 */
export const PROCESS_TEXT_MAX_BYTES = 1024 * 1024;
/** A ConfigMap holds at most 1 MiB of data (core validation, MaxSecretSize); a process's files are one ConfigMap. */
export const CONFIG_MAP_MAX_BYTES = 1024 * 1024;

const bytes = (s: string) => Buffer.byteLength(s, 'utf8');
const MIB = 1n << 20n;
const at = (p: ProcessSpec, field: string) => [p.field, field].filter(Boolean).join('.');

/** The text of the namespace's POD_SECURITY_REASON annotation: each opted-out process's reason. */
export function podSecurityReason(app: AppSpec): string | undefined {
  const insecure = processesOf(app).filter((p) => p.insecure);
  const reasons = insecure.map((p) => (insecure.length > 1 ? `${p.field || app.name}: ${p.insecure!.reason}` : p.insecure!.reason));
  return reasons.length ? reasons.join('; ') : undefined;
}

/** Memory, storage and CPU quantities within what resource.Quantity holds (2^63-1 bytes or millicores). */
function quantityProblems(app: AppSpec): string[] {
  const memory: [string, string][] = [];
  const cpu: [string, string][] = [];
  for (const p of processesOf(app)) {
    for (const side of ['requests', 'limits'] as const) {
      memory.push([at(p, `resources.${side}.memory`), p.resources[side].memory]);
      cpu.push([at(p, `resources.${side}.cpu`), p.resources[side].cpu]);
    }
    for (const [path, size] of Object.entries(p.scratch)) memory.push([at(p, `scratch.${path}`), size]);
    for (const v of p.volumes) memory.push([at(p, `volumes.${v.claim.slice(p.name.length + 1)}.size`), v.size]);
  }
  if (app.cache) memory.push(['cache.memory', app.cache.memory], ...(app.cache.persistence ? [['cache.persistence.size', app.cache.persistence.size] as [string, string]] : []));
  if (app.database) {
    memory.push(['database.size', app.database.size]);
    for (const side of ['requests', 'limits'] as const) {
      memory.push([`database.resources.${side}.memory`, app.database.resources[side].memory]);
      cpu.push([`database.resources.${side}.cpu`, app.database.resources[side].cpu]);
    }
  }
  const max = `${QUANTITY_MAX / (1n << 40n)}Ti`;
  // Written as a number of bytes into Traefik's Buffering middleware: whole and exact up to 2^53-1.
  const body = app.http?.maxBodyBytes;
  const bodyProblem = body !== undefined && body > Number.MAX_SAFE_INTEGER ? [`http.maxBodySize: got ${BigInt(Math.round(body))} bytes, expected at most 8191Ti (2^53-1 bytes: Traefik reads a whole number of bytes, and a larger one is no longer exact)`] : [];
  return [
    ...bodyProblem,
    ...memory.filter(([, q]) => memoryBytes(q) > QUANTITY_MAX).map(([field, q]) => `${field}: got ${JSON.stringify(q)}, expected at most ${max} (2^63-1 bytes, the most Kubernetes' resource.Quantity holds)`),
    ...cpu.filter(([, q]) => cpuMilliValue(q) > QUANTITY_MAX).map(([field, q]) => `${field}: got ${JSON.stringify(q)}, expected at most ${QUANTITY_MAX}m (2^63-1 millicores, the most Kubernetes' resource.Quantity holds)`),
  ];
}

/** A limit above all a node has is never reached, and makes the namespace's quota meaningless. */
function limitProblems(field: string, limits: { cpu: string; memory: string }, size: NodeSizeName): string[] {
  const node = NODE_SIZES[size];
  const problems: string[] = [];
  const beyond = `all one ${size} node has (config nodePool.size): a limit above it is never reached`;
  if (cpuMilliValue(limits.cpu) > BigInt(node.cpuMillis)) problems.push(`${field}.limits.cpu: got ${JSON.stringify(limits.cpu)}, expected at most ${formatCpu(node.cpuMillis)}, ${beyond}`);
  if (memoryBytes(limits.memory) > BigInt(node.memoryMiB) * MIB) problems.push(`${field}.limits.memory: got ${JSON.stringify(limits.memory)}, expected at most ${formatMemory(node.memoryMiB)}, ${beyond}`);
  return problems;
}

const mib = (q: string) => Number(memoryBytes(q) / MIB);
const millis = (q: string) => Number(cpuMilliValue(q));

/** Every pod the app makes, against one node: its processes, its cache, and each database instance with its backup sidecar. */
function nodeProblems(app: AppSpec, size: NodeSizeName): string[] {
  const problems: string[] = [];
  for (const p of processesOf(app)) {
    const r = p.resources.requests;
    const field = at(p, 'resources');
    problems.push(...limitProblems(field, p.resources.limits, size));
    problems.push(...podFitProblems({ cpuMillis: millis(r.cpu), memoryMiB: mib(r.memory) }, size, { cpu: `${field}.requests.cpu`, memory: `${field}.requests.memory` }, r));
  }
  if (app.cache) {
    // Its memory is both its request and its limit; its CPU is the platform's own, small.
    const fields = { cpu: 'cache', memory: 'cache.memory' };
    problems.push(...podFitProblems({ cpuMillis: millis(CACHE_CPU.request), memoryMiB: mib(app.cache.memory) }, size, fields, { cpu: CACHE_CPU.request, memory: app.cache.memory }));
  }
  if (app.database) {
    const r = app.database.resources.requests;
    const s = BACKUP_SIDECAR_RESOURCES.requests;
    const field = 'database.resources';
    problems.push(...limitProblems(field, app.database.resources.limits, size));
    const pod = { cpuMillis: millis(r.cpu) + millis(s.cpu), memoryMiB: mib(r.memory) + mib(s.memory) };
    problems.push(...podFitProblems(pod, size, { cpu: `${field}.requests.cpu`, memory: `${field}.requests.memory` }, r, ` (with the backup sidecar's ${s.cpu} CPU and ${s.memory})`));
  }
  return problems;
}

/** Free text within what the kernel, the API server and etcd take (the values are never shown: they may be secrets). */
function textProblems(app: AppSpec): string[] {
  const problems: string[] = [];
  const reason = podSecurityReason(app);
  if (reason !== undefined && bytes(POD_SECURITY_REASON) + bytes(reason) > ANNOTATIONS_MAX_BYTES) {
    problems.push(`insecure.reason: got ${bytes(reason)} bytes of reasons across the app's processes, expected at most ${ANNOTATIONS_MAX_BYTES - bytes(POD_SECURITY_REASON)} in all (they are the namespace's ${POD_SECURITY_REASON} annotation, and the API server holds 256 KiB of annotations per object)`);
  }
  for (const p of processesOf(app)) {
    let total = [...(p.command ?? []), ...(p.args ?? [])].reduce((n, word) => n + bytes(word) + 1, 0);
    for (const [name, value] of Object.entries(p.env)) {
      const size = bytes(`${name}=${value}`) + 1;
      total += size;
      if (size > ENV_STRING_MAX_BYTES) {
        problems.push(`${at(p, `env.${name}`)}: got a value of ${bytes(value)} bytes, expected at most ${ENV_STRING_MAX_BYTES - bytes(name) - 2} (Linux passes at most 128 KiB per variable, NAME=value, to a process: MAX_ARG_STRLEN; a file belongs in \`files\`)`);
      }
    }
    if (total > PROCESS_TEXT_MAX_BYTES) {
      problems.push(`${at(p, 'env')}: got ${total} bytes of environment, command and arguments, expected at most ${PROCESS_TEXT_MAX_BYTES} in all (1 MiB: execve takes 2 MiB at most, and the Deployment must fit etcd's 1.5 MiB; large text belongs in \`files\`)`);
    }
    const files = Object.values(p.files).reduce((n, text) => n + bytes(text), 0);
    if (files > CONFIG_MAP_MAX_BYTES) {
      problems.push(`${at(p, 'files')}: got ${files} bytes of files, expected at most ${CONFIG_MAP_MAX_BYTES} in all (1 MiB: a process's files are one ConfigMap, and the API server holds 1 MiB per ConfigMap)`);
    }
    for (const v of p.volumes) {
      if (v.backupName.length > LABEL_VALUE_MAX) {
        problems.push(`${at(p, `volumes.${v.claim.slice(p.name.length + 1)}`)}: got ${JSON.stringify(v.backupName)} as the name of its backups (${v.backupName.length} characters), expected at most ${LABEL_VALUE_MAX} (a shorter component or volume name: it is the label value of VolSync's mover pods and their NetworkPolicy)`);
      }
    }
  }
  return problems;
}

/** Every upper bound of an app, for the config's node size. */
export function appBoundProblems(app: AppSpec, size: NodeSizeName): string[] {
  const quantities = quantityProblems(app);
  // A quantity beyond what Kubernetes holds is beyond any node too: one message per field.
  return [...quantities, ...(quantities.length ? [] : nodeProblems(app, size)), ...textProblems(app)];
}
