import { defineApp } from '../lib/app-spec';

// spa-stack: the project's own reference design for a typical web app, not an upstream one: a static
// single-page app at /, its API at /api on the same host (no CORS), PostgreSQL and a Valkey cache.
// web: the built SPA on nginx-unprivileged (UID 101, port 8080, pid and temp files in /tmp), history
// fallback to index.html (its server block: examples/spa-stack/nginx.conf, mounted as a config file).
// api: Node, stateless (sessions and rate limits in Valkey), so it autoscales;
// its schema migrations are a one-off job that runs before either rolls out, with the API's own image.
// Infisical /apps/spa-stack: SESSION_SECRET, SMTP_URL (both read by the api and the migrate job).
const api = 'ghcr.io/hobby-infra/spa-stack-api:1.4.0';

export default defineApp({
  hosts: ['spa-stack'],
  jobs: {
    migrate: { image: api, command: ['node', 'dist/migrate.js'], databaseEnv: { DATABASE_URL: 'uri' }, secrets: true, timeoutSeconds: 300 },
  },
  components: {
    web: {
      image: 'ghcr.io/hobby-infra/spa-stack-web:1.4.0',
      port: 8080,
      path: '/',
      healthPath: '/healthz',
      files: { '/etc/nginx/conf.d/default.conf': { file: 'nginx.conf' } }, // examples/spa-stack/nginx.conf
      user: { uid: 101 },
      replicas: 2,
      resources: { requests: { cpu: '10m', memory: '32Mi' }, limits: { cpu: '200m', memory: '64Mi' } },
    },
    api: {
      image: api,
      port: 3000,
      path: '/api',
      healthPath: '/api/health',
      databaseEnv: { DATABASE_URL: 'uri' },
      cacheEnv: { REDIS_URL: 'url' },
      env: { NODE_ENV: 'production', LOG_LEVEL: 'info', TRUST_PROXY: '1' },
      secrets: true,
      egressPorts: [443, 587], // third-party APIs, SMTP submission
      autoscaling: { minReplicas: 2, maxReplicas: 4, cpuTarget: 70 },
      resources: { requests: { cpu: '100m', memory: '192Mi' }, limits: { cpu: '1', memory: '384Mi' } },
    },
  },
  cache: { memory: '128Mi' },
  database: { size: '5Gi', instances: 2 },
});
