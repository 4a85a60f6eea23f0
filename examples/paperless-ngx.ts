import { defineApp } from '../lib/app-spec';

// Paperless-ngx: scans and PDFs in, OCR'd and searchable documents out. Upstream: https://docs.paperless-ngx.com/setup/
// (Rootless), https://docs.paperless-ngx.com/configuration/ , https://github.com/paperless-ngx/paperless-ngx/blob/dev/docker/compose/docker-compose.postgres.yml
// One container as upstream runs it: s6-overlay starts granian (8000), the celery worker, celery beat and the
// consumer after its init steps (migrations with a lock, superuser). It starts as root and drops to `paperless`
// (1000) unless started as a user: upstream's rootless mode (`user: 1000:1000`, no USERMAP_UID/GID) needs no
// privilege at all, and S6_READ_ONLY_ROOT is upstream's answer for a read-only root (s6 then lives in /run).
// Rootless cannot install OCR languages at start (PAPERLESS_OCR_LANGUAGES): the image has eng deu fra ita spa.
// Infisical /apps/paperless-ngx: PAPERLESS_SECRET_KEY, PAPERLESS_URL (https://paperless-ngx.<domain>),
// PAPERLESS_ADMIN_USER, PAPERLESS_ADMIN_PASSWORD.
const root = '/usr/src/paperless';
export default defineApp({
  image: 'ghcr.io/paperless-ngx/paperless-ngx:3.0.5',
  port: 8000,
  hosts: ['paperless-ngx'],
  healthPath: '/',
  startupSeconds: 900, // first start: migrations, search index, classifier
  user: { uid: 1000, gid: 1000 },
  databaseEnv: { PAPERLESS_DBHOST: 'host', PAPERLESS_DBPORT: 'port', PAPERLESS_DBNAME: 'dbname', PAPERLESS_DBUSER: 'user', PAPERLESS_DBPASS: 'password' },
  cacheEnv: { PAPERLESS_REDIS: 'url' },
  env: {
    PAPERLESS_DBENGINE: 'postgresql',
    PAPERLESS_OCR_LANGUAGE: 'deu+eng',
    PAPERLESS_TIME_ZONE: 'Europe/Berlin',
    PAPERLESS_WEBSERVER_WORKERS: '1',
    PAPERLESS_TASK_WORKERS: '1',
    PAPERLESS_SCRATCH_DIR: '/scratch',
    S6_READ_ONLY_ROOT: '1',
  },
  secrets: true,
  volumes: {
    data: { mountPath: `${root}/data`, size: '2Gi' },
    media: { mountPath: `${root}/media`, size: '20Gi' },
    consume: { mountPath: `${root}/consume`, size: '2Gi', noBackup: { reason: 'an inbox: files are imported into media and deleted' } },
    export: { mountPath: `${root}/export`, size: '10Gi', noBackup: { reason: 'document_exporter output, made from data and media, which are backed up' } },
  },
  scratch: { '/run': '64Mi', '/scratch': '2Gi', '/var/cache/fontconfig': '32Mi' },
  egressPorts: [443, 587, 993], // mail rules (IMAP), notification mail
  resources: { requests: { cpu: '250m', memory: '1Gi' }, limits: { cpu: '2', memory: '2Gi' } },
  cache: { memory: '128Mi' },
  database: { size: '5Gi' },
});
