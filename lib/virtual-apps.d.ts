// Type of the module scripts/apps-module.mjs generates from the files in apps/.
declare module 'virtual:apps' {
  import type { AppSource } from './app-spec';
  export const appSources: readonly AppSource[];
}
