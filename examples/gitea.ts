import { defineApp } from '../lib/app-spec';

// Gitea: a self-hosted Git forge. Upstream: https://docs.gitea.com/installation/install-with-docker-rootless ,
// https://docs.gitea.com/administration/config-cheat-sheet , https://docs.gitea.com/installation/database-prep
// The rootless image runs as git (1000:1000) and needs two writable volumes: /var/lib/gitea (repositories,
// LFS, attachments) and /etc/gitea (app.ini, written at first start from GITEA__section__KEY variables).
// The database host is HOST:PORT in one value, hence the $(…) expansion of CloudNativePG's host and port.
// Its built-in SSH server (2222) is off: only HTTPS is routed, so clone over HTTPS. INSTALL_LOCK skips the
// web installer (otherwise the first visitor configures the instance); create the admin once afterwards:
// `kubectl -n gitea exec deploy/gitea -- gitea admin user create --admin --username … --email … --random-password`.
// Infisical /apps/gitea: GITEA__server__ROOT_URL (https://gitea.<domain>/), GITEA__security__SECRET_KEY,
// GITEA__security__INTERNAL_TOKEN (`gitea generate secret SECRET_KEY` / `INTERNAL_TOKEN`), GITEA__mailer__* if wanted.
export default defineApp({
  image: 'docker.gitea.com/gitea:1.25.4-rootless',
  port: 3000,
  hosts: ['gitea'],
  healthPath: '/api/healthz',
  user: { uid: 1000, gid: 1000 },
  databaseEnv: { DB_HOST: 'host', DB_PORT: 'port', GITEA__database__NAME: 'dbname', GITEA__database__USER: 'user', GITEA__database__PASSWD: 'password' },
  env: {
    GITEA__database__DB_TYPE: 'postgres',
    GITEA__database__HOST: '$(DB_HOST):$(DB_PORT)',
    GITEA__database__SSL_MODE: 'require',
    GITEA__server__DISABLE_SSH: 'true',
    GITEA__server__START_SSH_SERVER: 'false',
    GITEA__security__INSTALL_LOCK: 'true',
    GITEA__service__DISABLE_REGISTRATION: 'true',
  },
  secrets: true,
  volumes: {
    data: { mountPath: '/var/lib/gitea', size: '10Gi' },
    config: { mountPath: '/etc/gitea', size: '1Gi' },
  },
  egressPorts: [443, 587], // repository mirrors and migrations, mail
  resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '1', memory: '1Gi' } },
  database: { size: '2Gi' },
});
