import { defineApp } from '../lib/app-spec';

// Immich: photo and video backup (server + machine learning). Upstream: https://docs.immich.app/install/docker-compose ,
// https://github.com/immich-app/immich/blob/main/docker/docker-compose.yml , https://docs.immich.app/install/environment-variables ,
// https://docs.immich.app/FAQ (run as non-root: `user` on each service, volumes writable by it).
// NOT DEPLOYABLE AS IS: Immich requires its own Postgres image (ghcr.io/immich-app/postgres:14-vectorchord0.4.3-
// pgvectors0.2.0, i.e. the vchord and vector extensions, created by a superuser); the platform's database is
// CloudNativePG's plain PostgreSQL 17 and the model can choose neither the image nor extensions, so the server
// stops at its startup migrations. Everything else is declared as upstream runs it: server on 2283 with the
// library in /data, the ML service on 3003 (internal) with its model cache in /cache, Valkey for the job queues.
// Uploads of large videos take longer than Traefik's 60 s on a slow line: `http.requestTimeoutSeconds`.
// Infisical /apps/immich: nothing required (the first user to sign up becomes the admin: do it right away).
const version = 'v2.2.2';
const user = { uid: 1000, gid: 1000 };

export default defineApp({
  hosts: ['immich'],
  http: { requestTimeoutSeconds: 1800 },
  components: {
    server: {
      image: `ghcr.io/immich-app/immich-server:${version}`,
      port: 2283,
      healthPath: '/api/server/ping',
      startupSeconds: 900,
      user,
      databaseEnv: { DB_URL: 'uri' },
      cacheEnv: { REDIS_HOSTNAME: 'host', REDIS_PORT: 'port' },
      env: { IMMICH_MACHINE_LEARNING_URL: 'http://immich-ml:3003', TZ: 'Europe/Berlin' },
      volume: { mountPath: '/data', size: '100Gi' },
      egressPorts: [443], // version check, map/geocoding data, OAuth
      resources: { requests: { cpu: '500m', memory: '1Gi' }, limits: { cpu: '2', memory: '3Gi' } },
    },
    ml: {
      image: `ghcr.io/immich-app/immich-machine-learning:${version}`,
      port: 3003,
      internal: true,
      healthPath: '/ping',
      user,
      volume: { mountPath: '/cache', size: '10Gi', noBackup: { reason: 'downloaded models, fetched again on demand' } },
      scratch: { '/.cache': '512Mi', '/.config': '16Mi' },
      egressPorts: [443], // model downloads from Hugging Face
      resources: { requests: { cpu: '500m', memory: '1.5Gi' }, limits: { cpu: '2', memory: '4Gi' } },
    },
  },
  cache: { memory: '256Mi' },
  database: { size: '10Gi' },
});
