import { defineApp } from '../lib/app-spec';

// listmonk: a newsletter and mailing list manager (Go). Upstream: https://listmonk.app/docs/installation/ ,
// https://listmonk.app/docs/configuration/ , https://github.com/knadh/listmonk/blob/master/docker-compose.yml
// Upstream's compose runs `./listmonk --install --idempotent --yes --config ''` and `./listmonk --upgrade --yes
// --config ''` before `./listmonk --config ''` in one shell; here both setup steps are the one-off job that
// runs before the rollout (`--config ''`: configuration from LISTMONK_* env only, `__` for nesting).
// The image starts as root only to chown /listmonk and su-exec to PUID (default 0); run directly, it needs
// neither: the command bypasses the entrypoint. Media uploads go to /listmonk/uploads (set that path in
// Settings -> Media). /api/health needs a login, so the probe is TCP. SMTP servers are set in the UI.
// Infisical /apps/listmonk: LISTMONK_ADMIN_USER, LISTMONK_ADMIN_PASSWORD (create the super admin at install).
const image = 'docker.io/listmonk/listmonk:v6.2.0';
const databaseEnv = { LISTMONK_db__host: 'host', LISTMONK_db__port: 'port', LISTMONK_db__database: 'dbname', LISTMONK_db__user: 'user', LISTMONK_db__password: 'password' } as const;
const env = { LISTMONK_db__ssl_mode: 'require', LISTMONK_app__address: '0.0.0.0:9000', TZ: 'Etc/UTC' };

export default defineApp({
  hosts: ['listmonk'],
  jobs: {
    install: {
      image,
      command: ['sh', '-c', "./listmonk --install --idempotent --yes --config '' && ./listmonk --upgrade --yes --config ''"],
      databaseEnv,
      env,
      secrets: true,
    },
  },
  image,
  command: ['./listmonk', '--config', ''],
  port: 9000,
  databaseEnv,
  env,
  volume: { mountPath: '/listmonk/uploads', size: '2Gi' },
  egressPorts: [443, 465, 587], // SMTP relays (implicit TLS / submission), bounce webhooks, media
  resources: { requests: { cpu: '50m', memory: '128Mi' }, limits: { cpu: '1', memory: '512Mi' } },
  database: { size: '5Gi' },
});
