import { defineApp } from '../lib/app-spec';

// Miniflux: a minimalist feed reader (Go, PostgreSQL only). Upstream: https://miniflux.app/docs/docker.html ,
// https://miniflux.app/docs/configuration.html , https://miniflux.app/docs/cli.html
// Upstream's compose sets RUN_MIGRATIONS=1 so each start migrates; here `miniflux -migrate` is a one-off
// job that runs before the rollout, and the web pod only checks the schema is current (it refuses to
// start otherwise). CREATE_ADMIN=1 creates ADMIN_USERNAME once at start (skipped when it exists).
// The Alpine image already runs as UID 65534 and writes nothing but to the database: no volume.
// Infisical /apps/miniflux: ADMIN_USERNAME, ADMIN_PASSWORD, BASE_URL (https://miniflux.<domain>/).
const image = 'docker.io/miniflux/miniflux:2.3.3';

export default defineApp({
  hosts: ['miniflux'],
  jobs: {
    migrate: { image, command: ['/usr/bin/miniflux', '-migrate'], databaseEnv: { DATABASE_URL: 'uri' }, user: { uid: 65534 } },
  },
  image,
  port: 8080,
  healthPath: '/healthcheck',
  user: { uid: 65534 },
  databaseEnv: { DATABASE_URL: 'uri' },
  env: { CREATE_ADMIN: '1', POLLING_FREQUENCY: '60', CLEANUP_ARCHIVE_READ_DAYS: '60' },
  secrets: true,
  egressPorts: [80, 443], // fetching feeds, favicons and full articles
  resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
  database: { size: '2Gi' },
});
