import { defineApp } from '../lib/app-spec';

// A static site: one small container, public at the apex and at www.<domain>.
export default defineApp({
  image: 'ghcr.io/hobby-infra/site:1.4.2',
  port: 8080,
  hosts: ['@', 'www'],
  replicas: 2,
  healthPath: '/healthz',
  resources: { requests: { cpu: '10m', memory: '32Mi' }, limits: { memory: '64Mi' } },
});
