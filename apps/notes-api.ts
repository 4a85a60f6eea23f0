import { defineApp } from '../lib/app-spec';

// An API with its secrets in Infisical (/apps/notes-api): DATABASE_URL points at Neon, so the app
// may reach the internet on 5432; every key in that folder becomes an environment variable.
export default defineApp({
  image: 'ghcr.io/hobby-infra/notes-api:2.3.1',
  port: 3000,
  hosts: ['notes-api'],
  healthPath: '/health',
  env: { NODE_ENV: 'production', LOG_LEVEL: 'info' },
  secrets: true,
  egressPorts: [443, 5432],
  autoscaling: { minReplicas: 2, maxReplicas: 4, cpuTarget: 70 },
  resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
});
