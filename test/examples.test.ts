import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { podSpecOf } from '../lib/render';
import { exampleSources } from './fixtures/examples';
import { find, renderAlone, type RenderedObject } from './helpers';

/*
 * The catalogue of real applications in examples/: each renders as an app, with what its upstream
 * documentation requires (cited at the top of each file) visible in the objects it renders.
 */

const rendered = (name: string) => {
  const source = exampleSources.find((s) => s.file === `examples/${name}.ts`);
  if (!source) throw new Error(`no examples/${name}.ts`);
  return renderAlone(source).objects.filter((o) => o.metadata.namespace === name || (o.kind === 'Namespace' && o.metadata.name === name));
};
const containerOf = (o: RenderedObject) => podSpecOf(o)!.containers[0];
const envOf = (o: RenderedObject) => Object.fromEntries((containerOf(o).env ?? []).map((e: any) => [e.name, e.value ?? e.valueFrom]));

describe('the catalogue of real apps (examples/)', () => {
  test('holds at least the twelve the issue names, each citing its upstream documents (or saying it is a design of this project)', () => {
    const names = exampleSources.map((s) => s.file.replace(/^examples\/|\.ts$/g, ''));
    for (const name of ['linkding', 'commafeed', 'wallabag', 'n8n', 'listmonk', 'spa-stack', 'vaultwarden', 'miniflux', 'paperless-ngx', 'gitea', 'discord-bot', 'nightly-report']) {
      expect(names).toContain(name);
    }
    for (const s of exampleSources) expect(readFileSync(s.file, 'utf8'), s.file).toMatch(/Upstream:\s*\S+|the project's own (example|reference design)/);
  });

  test.each(exampleSources.map((s) => [s.file, s] as const))('%s renders hardened: no service links, non-root or a stated reason, bounded', (_file, source) => {
    const objects = renderAlone(source).objects.filter((o) => o.file.includes('/app-'));
    const pods = objects.filter((o) => podSpecOf(o));
    expect(pods.length).toBeGreaterThan(0);
    const ns = objects.find((o) => o.kind === 'Namespace') as any;
    for (const o of pods) {
      const pod = podSpecOf(o)!;
      expect(pod.enableServiceLinks, `${o.kind} ${o.metadata.name}`).toBe(false);
      expect(pod.automountServiceAccountToken).toBe(false);
      for (const c of pod.containers) {
        expect(c.resources.limits.memory).toBeDefined();
        expect(c.securityContext.capabilities.drop).toEqual(['ALL']);
        if (c.securityContext.runAsNonRoot !== true || c.securityContext.readOnlyRootFilesystem !== true || c.securityContext.capabilities.add) {
          expect(ns.metadata.annotations['hobby-infra.dev/pod-security-reason'], `${o.metadata.name} opts out without a reason`).toMatch(/\w{10}/);
        }
      }
    }
  });

  test('linkding: its huey task worker runs beside the web, on the web\'s data volume, without a Service', () => {
    const objects = rendered('linkding');
    const tasks = find(objects, 'Deployment', 'linkding-tasks');
    expect(containerOf(tasks).command).toEqual(['python', 'manage.py', 'run_huey', '-f']);
    expect(objects.some((o) => o.kind === 'Service' && o.metadata.name === 'linkding-tasks')).toBe(false);
    expect(podSpecOf(tasks)!.volumes.find((v: any) => v.persistentVolumeClaim)?.persistentVolumeClaim.claimName).toBe('linkding-web-data');
    expect(podSpecOf(tasks)!.affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey).toBe('kubernetes.io/hostname');
    expect(envOf(tasks).LD_DB_PASSWORD).toEqual({ secretKeyRef: { name: 'linkding-db-app', key: 'password' } });
  });

  test('grafana: served only on the tailnet, by the Tailscale operator, as the machine grafana; no public host', () => {
    const objects = rendered('grafana');
    const ingresses = objects.filter((o) => o.kind === 'Ingress') as any[];
    expect(ingresses.map((i) => [i.spec.ingressClassName, i.spec.tls, i.spec.rules])).toEqual([['tailscale', [{ hosts: ['grafana'] }], undefined]]);
    expect(ingresses[0].spec.defaultBackend.service).toEqual({ name: 'grafana', port: { number: 3000 } });
  });

  test('listmonk: `--install --idempotent` is a one-off Job that runs before the web rolls out', () => {
    const source = exampleSources.find((s) => s.file === 'examples/listmonk.ts')!;
    const objects = renderAlone(source).objects.filter((o) => o.metadata.namespace === 'listmonk');
    const job = objects.find((o) => o.kind === 'Job')!;
    expect(job.file).toBe('04-apps/app-listmonk.yaml');
    expect((job.metadata.labels as Record<string, string>)['hobby-infra.dev/run']).toBe('before-rollout');
    expect(containerOf(job).command.join(' ')).toMatch(/--install --idempotent --yes/);
    expect(find(objects, 'Deployment', 'listmonk').file).toBe('05-rollouts/app-listmonk.yaml');
    expect(find(objects, 'Service', 'listmonk').file).toBe('04-apps/app-listmonk.yaml');
  });

  test('n8n in queue mode: main and worker share the Valkey queue and PostgreSQL; no N8N_PORT from service links', () => {
    const objects = rendered('n8n');
    const worker = find(objects, 'Deployment', 'n8n-worker');
    expect([...(containerOf(worker).command ?? []), ...(containerOf(worker).args ?? [])]).toContain('worker');
    expect(find(objects, 'Service', 'n8n-cache')).toBeDefined();
    for (const d of [find(objects, 'Deployment', 'n8n-main'), worker]) {
      expect(envOf(d).QUEUE_BULL_REDIS_HOST).toBe('n8n-cache');
      expect(envOf(d).EXECUTIONS_MODE).toBe('queue');
      expect(podSpecOf(d)!.enableServiceLinks).toBe(false);
    }
    // A job queue must not lose jobs to eviction.
    expect(containerOf(find(objects, 'Deployment', 'n8n-cache')).args.join(' ')).toContain('--maxmemory-policy noeviction');
  });

  test('a Discord-style bot is a worker: no port, no Service, no network probe', () => {
    const objects = rendered('discord-bot');
    const bot = find(objects, 'Deployment', 'discord-bot');
    expect(containerOf(bot).ports).toBeUndefined();
    expect(containerOf(bot).readinessProbe?.tcpSocket).toBeUndefined();
    expect(objects.some((o) => o.kind === 'Service' || o.kind === 'Ingress')).toBe(false);
  });

  test('a nightly cron job runs at 03:00 Berlin time, never twice at once, with a deadline', () => {
    const cron = rendered('nightly-report').find((o) => o.kind === 'CronJob') as any;
    expect(cron.spec).toMatchObject({ schedule: '0 3 * * *', timeZone: 'Europe/Berlin', concurrencyPolicy: 'Forbid' });
    expect(cron.spec.jobTemplate.spec.activeDeadlineSeconds).toBeGreaterThan(0);
    // No one-off Job in this app: nothing to wait for, so it stays with the rest of the app.
    expect(cron.file).toBe('04-apps/app-nightly-report.yaml');
  });

  test('paperless-ngx: its broker is internal and only its clients reach it', () => {
    const objects = rendered('paperless-ngx');
    expect(objects.some((o) => o.kind === 'Ingress' && JSON.stringify(o).includes('paperless-ngx-cache'))).toBe(false);
    const policy = find(objects, 'NetworkPolicy', 'paperless-ngx-cache') as any;
    expect(policy.spec.ingress[0].from[0].podSelector.matchLabels['hobby-infra.dev/cache-client']).toBe('true');
  });
});
