import { defineApp } from '../lib/app-spec';

// n8n in queue mode: the main process (editor, API, webhooks, triggers) enqueues executions in Redis,
// `n8n worker` processes run them. Upstream: https://docs.n8n.io/hosting/scaling/queue-mode/ ,
// https://docs.n8n.io/hosting/configuration/environment-variables/ , https://github.com/n8n-io/n8n/blob/master/docker/images/n8n/Dockerfile
// The image runs as `node` (UID 1000) and keeps its settings file in /home/node/.n8n (a volume on main,
// scratch on the workers, which only need the shared encryption key). Queue mode needs PostgreSQL and
// Redis (here the app's Valkey); the main process runs the migrations. Workers expose /healthz on 5678
// with QUEUE_HEALTH_CHECK_ACTIVE. Binary data in the filesystem is unsupported in queue mode: keep the default.
// Infisical /apps/n8n: N8N_ENCRYPTION_KEY (same for all), WEBHOOK_URL and N8N_EDITOR_BASE_URL (https://n8n.<domain>/).
const image = 'docker.io/n8nio/n8n:2.41.3';
const common = {
  image,
  user: { uid: 1000, gid: 1000 },
  secrets: true as const,
  databaseEnv: { DB_POSTGRESDB_HOST: 'host', DB_POSTGRESDB_PORT: 'port', DB_POSTGRESDB_DATABASE: 'dbname', DB_POSTGRESDB_USER: 'user', DB_POSTGRESDB_PASSWORD: 'password' } as const,
  cacheEnv: { QUEUE_BULL_REDIS_HOST: 'host', QUEUE_BULL_REDIS_PORT: 'port' } as const,
  egressPorts: [443], // workflow HTTP requests and credentials' APIs
};
const env = { DB_TYPE: 'postgresdb', EXECUTIONS_MODE: 'queue', N8N_PROXY_HOPS: '1', GENERIC_TIMEZONE: 'Europe/Berlin' };

export default defineApp({
  hosts: ['n8n'],
  components: {
    main: {
      ...common,
      port: 5678,
      healthPath: '/healthz',
      env: { ...env, OFFLOAD_MANUAL_EXECUTIONS_TO_WORKERS: 'true' },
      volume: { mountPath: '/home/node/.n8n', size: '1Gi' },
      resources: { requests: { cpu: '200m', memory: '512Mi' }, limits: { cpu: '1', memory: '1Gi' } },
    },
    worker: {
      ...common,
      args: ['worker', '--concurrency=5'],
      env: { ...env, QUEUE_HEALTH_CHECK_ACTIVE: 'true' },
      healthCommand: ['node', '-e', "fetch('http://127.0.0.1:5678/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"],
      scratch: { '/home/node/.n8n': '64Mi' },
      replicas: 2,
      resources: { requests: { cpu: '200m', memory: '512Mi' }, limits: { cpu: '1', memory: '1Gi' } },
    },
  },
  cache: { memory: '128Mi' },
  database: { size: '5Gi' },
});
