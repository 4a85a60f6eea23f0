import type { AppSpec } from './app-spec';

/*
 * Who has backups, declared once: every app with a database or a backed-up volume, and the platform
 * namespaces whose volumes are backed up like an app's. The bootstrap creates one bucket and one
 * token for each (bootstrap/backups.ts); the charts write to that bucket with that token's keys
 * (lib/constructs/backups.ts). test/bootstrap.test.ts checks that every bucket the rendered objects
 * name is one the bootstrap creates.
 */

/**
 * Platform namespaces whose volume is backed up like an app's: their own bucket, their own
 * Infisical folder /backups/<namespace>. Their names are reserved app names, so they never clash.
 */
export const PLATFORM_BACKUP_OWNERS: readonly string[] = ['uptime-kuma'];

/** The app's volumes that are backed up: every one without `noBackup`. */
export const backedUpVolumes = (app: AppSpec) => app.components.flatMap((c) => c.volumes).filter((v) => !v.noBackup);

/** True when the app renders backups (and so gets a bucket): a database, or a backed-up volume. */
export function hasBackups(app: AppSpec): boolean {
  return app.database !== undefined || backedUpVolumes(app).length > 0;
}

/** Every backup owner (the platform's and each app with backups), sorted by name. */
export function backupOwners(apps: readonly AppSpec[]): string[] {
  return [...PLATFORM_BACKUP_OWNERS, ...apps.filter(hasBackups).map((a) => a.name)].sort();
}
