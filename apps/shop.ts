import { defineApp } from '../lib/app-spec';

// A frontend and its backend on one host: shop.<domain>/ is the web app, /api goes to the API.
export default defineApp({
  hosts: ['shop'],
  components: {
    web: { image: 'ghcr.io/hobby-infra/shop-web:0.9.0', port: 8080, path: '/', healthPath: '/' },
    api: {
      image: 'ghcr.io/hobby-infra/shop-api:0.9.0',
      port: 8081,
      path: '/api',
      healthPath: '/api/health',
      secrets: true,
      egressPorts: [5432],
      volume: { mountPath: '/data', size: '1Gi' },
    },
  },
});
