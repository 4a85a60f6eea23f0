import { defineApp } from '../lib/app-spec';

// nightly-report: the project's own example of scheduled work: every night at 03:00 Berlin time (CET/CEST
// handled by the CronJob's timeZone) a job pulls yesterday's traffic (Cloudflare GraphQL analytics) and the
// month's bill so far (Civo API), writes an HTML page per day plus index.html, and posts a summary to a
// Discord webhook. A small private nginx serves the pages to the admin CIDRs only. The job mounts the web's
// volume, so both run as nginx-unprivileged's UID 101 (the pods share a node). Forbid: a slow run is never
// doubled; a missed run is simply skipped. Not an upstream app.
// Infisical /apps/nightly-report: CLOUDFLARE_API_TOKEN (Analytics:Read), CLOUDFLARE_ZONE_ID, CIVO_API_KEY, DISCORD_WEBHOOK_URL.
const nginx = { uid: 101, gid: 101 };

export default defineApp({
  hosts: ['nightly-report'],
  private: true,
  components: {
    web: {
      image: 'docker.io/nginxinc/nginx-unprivileged:1.28.0-alpine',
      port: 8080,
      user: nginx,
      volume: { mountPath: '/usr/share/nginx/html', size: '1Gi' },
      resources: { requests: { cpu: '5m', memory: '16Mi' }, limits: { cpu: '100m', memory: '64Mi' } },
    },
  },
  cronJobs: {
    report: {
      image: 'ghcr.io/hobby-infra/nightly-report:1.2.0',
      args: ['--out', '/reports', '--day', 'yesterday', '--keep-days', '400'],
      schedule: '0 3 * * *',
      timeZone: 'Europe/Berlin',
      concurrency: 'Forbid',
      timeoutSeconds: 900,
      retries: 2,
      user: nginx,
      volumes: { data: { mountPath: '/reports', from: 'web' } },
      secrets: true,
      egressPorts: [443],
      resources: { requests: { cpu: '50m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
    },
  },
});
