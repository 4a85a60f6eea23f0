import { defineApp } from '../lib/app-spec';

// CommaFeed: a Google-Reader-style RSS reader (Quarkus). Upstream:
// https://github.com/Athou/commafeed/blob/master/commafeed-server/src/main/docker/README.md , https://athou.github.io/commafeed/documentation
// Image tags are <version>-<database>[-jvm]: the native PostgreSQL build, which upstream limits to 256M.
// Since 5.0 (Quarkus) the datasource is QUARKUS_DATASOURCE_JDBC_URL/USERNAME/PASSWORD (the old Dropwizard
// CF_DATASOURCE_URL is gone); jdbc-uri is CloudNativePG's ready-made JDBC URL. Liquibase migrates at start.
// With PostgreSQL nothing is written to /commafeed/data (only the H2 build keeps its database there).
// The image has no USER and needs none: it runs as the default non-root UID. No health endpoint: TCP probe.
// First login is admin/admin (change it at once). Infisical /apps/commafeed: QUARKUS_HTTP_AUTH_SESSION_ENCRYPTION_KEY
// (>= 16 chars, keeps sessions across restarts).
export default defineApp({
  image: 'docker.io/athou/commafeed:7.3.2-postgresql',
  port: 8082,
  hosts: ['commafeed'],
  databaseEnv: { QUARKUS_DATASOURCE_JDBC_URL: 'jdbc-uri', QUARKUS_DATASOURCE_USERNAME: 'user', QUARKUS_DATASOURCE_PASSWORD: 'password' },
  secrets: true,
  egressPorts: [80, 443], // fetching feeds
  resources: { requests: { cpu: '50m', memory: '128Mi' }, limits: { cpu: '1', memory: '256Mi' } },
  database: { size: '2Gi' },
});
