// `npm run alerts`: writes the backup alert rules for Grafana Cloud (docs/alerts/backups.rules.yaml)
// from lib/alerts.ts and config/cluster.ts; `-- --stdout` prints them instead.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { cluster } from '../config/cluster';
import { ALERTS_FILE, backupAlertsYaml } from '../lib/alerts';
import { parseCommandLine } from '../lib/cli';

const { values } = parseCommandLine('alerts', { usage: 'npm run alerts [-- --stdout]', about: `Writes the backup alert rules for Grafana Cloud (${ALERTS_FILE}) from config/cluster.ts; --stdout prints them instead.` }, { stdout: { type: 'boolean', default: false } });

const text = backupAlertsYaml(cluster);
if (values.stdout) process.stdout.write(text);
else {
  mkdirSync(dirname(ALERTS_FILE), { recursive: true });
  writeFileSync(ALERTS_FILE, text);
  console.log(`alerts: wrote ${ALERTS_FILE}`);
}
