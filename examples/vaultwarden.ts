import { defineApp } from '../lib/app-spec';

// Vaultwarden: a Bitwarden-compatible password manager server (Rust). Upstream:
// https://github.com/dani-garcia/vaultwarden/wiki/Using-the-PostgreSQL-Backend ,
// https://github.com/dani-garcia/vaultwarden/wiki/Using-Docker-Compose , https://github.com/dani-garcia/vaultwarden/blob/main/.env.template
// The image listens on 80 as root by default; the wiki's non-root setup sets ROCKET_PORT above 1024 and
// runs as any UID that owns /data. /data still matters with PostgreSQL: rsa_key.pem (signs every login
// token), attachments, sends, icon cache and config.json from the admin page, so it is a backed-up volume.
// DATABASE_URL is CloudNativePG's postgresql:// URI. Health: /alive (also checks the database connection).
// Infisical /apps/vaultwarden: DOMAIN (https://vaultwarden.<domain>, needed for WebAuthn and attachments),
// ADMIN_TOKEN (an Argon2 PHC hash from `vaultwarden hash`), SMTP_HOST/SMTP_FROM/SMTP_USERNAME/SMTP_PASSWORD.
export default defineApp({
  image: 'docker.io/vaultwarden/server:1.37.2',
  port: 8080,
  hosts: ['vaultwarden'],
  healthPath: '/alive',
  env: { ROCKET_PORT: '8080', SIGNUPS_ALLOWED: 'false', INVITATIONS_ALLOWED: 'true', SMTP_SECURITY: 'starttls', SMTP_PORT: '587' },
  databaseEnv: { DATABASE_URL: 'uri' },
  secrets: true,
  volume: { mountPath: '/data', size: '2Gi' },
  egressPorts: [443, 587], // website icons, push relay, SMTP submission
  resources: { requests: { cpu: '20m', memory: '64Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
  database: { size: '1Gi' },
});
