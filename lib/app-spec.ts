/*
 * What an apps/<name>.ts file imports: `defineApp` and the types of a declaration. The model lives
 * in lib/spec/ (fields, processes, database, the app and its cross-checks).
 */
export { appNameProblem, appSchema, defineApp, loadApps, parseApp, RESERVED_APP_NAMES, type AppSource, type AppSpecInput } from './spec/app';
export { DATABASE_NAME_MAX, DEFAULT_DATABASE_RESOURCES, restoreSuffix, type DatabaseSpec } from './spec/database';
export { DEFAULT_RESOURCES, parseImage, SCRATCH_MOUNT_PATH } from './spec/fields';
export type { AnyProcess, AppSpec, CacheSpec, ComponentSpec, CronJobSpec, JobSpec, MountSpec, ProcessSpec, VolumeSpec } from './spec/types';
