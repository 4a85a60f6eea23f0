import { defineApp } from '../lib/app-spec';

// linkding: a bookmark manager (Django). Upstream: https://linkding.link/installation/ ,
// https://linkding.link/options/ , https://github.com/sissbruecker/linkding/blob/master/bootstrap.sh (+ supervisord-tasks.conf)
// The image's bootstrap.sh prepares the data folder and migrates, then starts the huey task processor as a
// supervisord daemon (supervisord-tasks.conf, which wants root) beside uwsgi on 9090. Here the web runs the same
// steps minus the daemon, and a worker runs what supervisord would: `python manage.py run_huey -f`.
// (LD_DISABLE_BACKGROUND_TASKS is no way out: it also stops the web from scheduling tasks.) Huey's queue is a
// SQLite file in the data folder (data/tasks.sqlite3), so the worker mounts the web's volume (same node).
// UID 33 (www-data) as upstream; the data folder also holds secretkey.txt, favicons and previews.
// Infisical /apps/linkding: LD_SUPERUSER_NAME, LD_SUPERUSER_PASSWORD, LD_CSRF_TRUSTED_ORIGINS (https://linkding.<domain>).
const image = 'docker.io/sissbruecker/linkding:1.46.2';
const databaseEnv = { LD_DB_HOST: 'host', LD_DB_PORT: 'port', LD_DB_DATABASE: 'dbname', LD_DB_USER: 'user', LD_DB_PASSWORD: 'password' } as const;
const user = { uid: 33, gid: 33 };

export default defineApp({
  hosts: ['linkding'],
  components: {
    web: {
      image,
      port: 9090,
      healthPath: '/health',
      command: ['/bin/bash', '-ec', [
        'mkdir -p data/favicons data/previews data/assets',
        'for step in generate_secret_key migrate enable_wal create_initial_superuser migrate_tasks; do python manage.py $step; done',
        'exec uwsgi --http "[::]:9090" uwsgi.ini',
      ].join('\n')],
      user,
      databaseEnv,
      env: { LD_DB_ENGINE: 'postgres' },
      secrets: true,
      volume: { mountPath: '/etc/linkding/data', size: '2Gi' },
      egressPorts: [80, 443], // favicons, previews, web archive snapshots
      resources: { requests: { cpu: '50m', memory: '192Mi' }, limits: { cpu: '1', memory: '512Mi' } },
    },
    tasks: {
      image,
      command: ['python', 'manage.py', 'run_huey', '-f'],
      user,
      databaseEnv,
      env: { LD_DB_ENGINE: 'postgres' },
      volumes: { data: { mountPath: '/etc/linkding/data', from: 'web' } },
      egressPorts: [80, 443],
      resources: { requests: { cpu: '20m', memory: '128Mi' }, limits: { cpu: '500m', memory: '384Mi' } },
    },
  },
  database: { size: '2Gi' },
});
