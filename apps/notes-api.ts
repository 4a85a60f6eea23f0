import { defineApp } from '../lib/app-spec';

// An API with its own PostgreSQL (CloudNativePG, backed up to R2: DATABASE_URL comes from the
// database's generated Secret) and its other secrets in Infisical (/apps/notes-api), every key of
// which becomes an environment variable.
export default defineApp({
  image: 'ghcr.io/hobby-infra/notes-api:2.3.1',
  port: 3000,
  hosts: ['notes-api'],
  healthPath: '/health',
  env: { NODE_ENV: 'production', LOG_LEVEL: 'info' },
  secrets: true,
  database: { size: '5Gi' },
  databaseEnv: { DATABASE_URL: 'uri' },
  egressPorts: [443],
  autoscaling: { minReplicas: 2, maxReplicas: 4, cpuTarget: 70 },
  resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
});
