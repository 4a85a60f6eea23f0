import { defineApp } from '../lib/app-spec';

// wallabag: a read-it-later app (Symfony). Upstream: https://github.com/wallabag/docker (README, root/entrypoint.sh),
// https://doc.wallabag.org/admin/asynchronous/ (Redis import workers), https://doc.wallabag.org/admin/console_commands/
// The image starts as root: its entrypoint renders app/config/parameters.yml from SYMFONY__ENV__* with envsubst,
// runs composer as nobody via `su`, then s6 runs nginx (80, drops to nginx) and php-fpm (drops to nobody).
// That web process keeps upstream's entrypoint, hence the opt-out below. Its Postgres provisioning needs a
// superuser and would skip install on CloudNativePG's existing database, so the one-off job does the setup
// as nobody (65534): render the parameters, then install on an empty schema (+ set the admin password) or
// migrate an existing one (upstream's `migrate`). The import worker (upstream: `import <type>`) also runs as nobody.
// Enable "Redis" under Internal settings > Import. Infisical /apps/wallabag: SYMFONY__ENV__SECRET,
// SYMFONY__ENV__DOMAIN_NAME (https://wallabag.<domain>), SYMFONY__ENV__MAILER_DSN, WALLABAG_ADMIN_PASSWORD.
const image = 'docker.io/wallabag/wallabag:2.6.14';
const render = 'envsubst < /etc/wallabag/parameters.template.yml > app/config/parameters.yml';
const nobody = { uid: 65534, gid: 65534 };
const writesParameters = { writableRootFilesystem: true, reason: 'wallabag reads its settings only from app/config/parameters.yml, rendered at start from env' } as const;
const app = {
  image, secrets: true as const, egressPorts: [80, 443, 587],
  databaseEnv: { SYMFONY__ENV__DATABASE_HOST: 'host', SYMFONY__ENV__DATABASE_PORT: 'port', SYMFONY__ENV__DATABASE_NAME: 'dbname', SYMFONY__ENV__DATABASE_USER: 'user', SYMFONY__ENV__DATABASE_PASSWORD: 'password', DB_URI: 'uri' } as const,
  cacheEnv: { SYMFONY__ENV__REDIS_HOST: 'host', SYMFONY__ENV__REDIS_PORT: 'port' } as const,
  env: { SYMFONY__ENV__DATABASE_DRIVER: 'pdo_pgsql', SYMFONY__ENV__FOSUSER_REGISTRATION: 'false', SYMFONY__ENV__SERVER_NAME: 'wallabag', POPULATE_DATABASE: 'False' },
};

export default defineApp({
  hosts: ['wallabag'],
  jobs: {
    setup: { ...app, user: nobody, insecure: writesParameters, timeoutSeconds: 900, command: ['/bin/sh', '-ec', `${render}
if [ "$(psql "$DB_URI" -tAc "SELECT to_regclass('public.wallabag_user')")" = wallabag_user ]; then
  bin/console doctrine:migrations:migrate --env=prod --no-interaction
else
  bin/console wallabag:install --env=prod --no-interaction
  bin/console fos:user:change-password --env=prod wallabag "$WALLABAG_ADMIN_PASSWORD"
fi`] },
  },
  components: {
    web: {
      ...app, port: 80, healthPath: '/api/info', startupSeconds: 600,
      volume: { mountPath: '/var/www/wallabag/web/assets/images', size: '5Gi' },
      insecure: { runAsRoot: true, writableRootFilesystem: true, capabilities: ['CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'SETUID', 'SETGID', 'NET_BIND_SERVICE'],
        reason: 'upstream image: the entrypoint writes parameters.yml and var/cache as root, su to nobody, nginx and php-fpm start as root and drop privileges' },
      resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '1', memory: '768Mi' } },
    },
    import: {
      ...app, user: nobody, insecure: writesParameters,
      volumes: { data: { mountPath: '/var/www/wallabag/web/assets/images', from: 'web' } }, // imported articles' images
      command: ['/bin/sh', '-ec', `${render}\nexec bin/console wallabag:import:redis-worker --env=prod wallabag_v2 -vv`],
      resources: { requests: { cpu: '20m', memory: '128Mi' }, limits: { cpu: '500m', memory: '384Mi' } },
    },
  },
  cache: { memory: '64Mi' },
  database: { size: '2Gi' },
});
