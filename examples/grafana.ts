import { defineApp } from '../lib/app-spec';

// Grafana: dashboards for the data sources you point it at (this one is an app of its own, not the
// platform's monitoring stack). Upstream: https://grafana.com/docs/grafana/latest/setup-grafana/installation/docker/ ,
// https://grafana.com/docs/grafana/latest/setup-grafana/configure-docker/ , https://grafana.com/docs/grafana/latest/setup-grafana/configure-grafana/
// The image runs as grafana (UID 472) and keeps its SQLite database, plugins and sessions in /var/lib/grafana,
// the one path it writes (logs go to the console). Upstream's image uses GID 0; the model refuses GID 0, so
// 472:472 as the official Helm chart does (the volume is group-owned by the pod's fsGroup).
// Dashboards nobody outside needs: served only on the tailnet (docs/private-uis.md), at
// https://grafana.<tailnet>/, with no public name at all.
// Infisical /apps/grafana: GF_SECURITY_ADMIN_PASSWORD, GF_SERVER_ROOT_URL (https://grafana.<tailnet>/).
export default defineApp({
  image: 'docker.io/grafana/grafana:12.4.0',
  port: 3000,
  tailnet: true,
  healthPath: '/api/health',
  user: { uid: 472, gid: 472 },
  env: {
    GF_USERS_ALLOW_SIGN_UP: 'false',
    GF_ANALYTICS_REPORTING_ENABLED: 'false',
    GF_ANALYTICS_CHECK_FOR_UPDATES: 'false',
    GF_LOG_MODE: 'console',
  },
  secrets: true,
  volume: { mountPath: '/var/lib/grafana', size: '2Gi' },
  egressPorts: [443], // data sources on the internet, plugin downloads
  resources: { requests: { cpu: '50m', memory: '128Mi' }, limits: { cpu: '1', memory: '512Mi' } },
});
