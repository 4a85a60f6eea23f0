/** Kubernetes resource quantities as numbers: CPU in millicores, memory and storage in MiB. */

const MEMORY_UNITS: Record<string, number> = { '': 1 / (1024 * 1024), k: 1000 / 1048576, M: 1e6 / 1048576, G: 1e9 / 1048576, Ki: 1 / 1024, Mi: 1, Gi: 1024, Ti: 1024 * 1024 };

/** What app specs accept: whole or up to 3-decimal cores (`1`, `0.25`) or whole millicores (`250m`). */
export const CPU_QUANTITY = /^(?:[0-9]+m|[0-9]+(?:\.[0-9]{1,3})?)$/;
/** What app specs accept for memory and storage: a binary unit, rendered in whole MiB. */
export const MEMORY_QUANTITY = /^[0-9]+(?:\.[0-9]+)?(?:Ki|Mi|Gi|Ti)$/;

export function cpuMillis(quantity: string | number): number {
  const text = String(quantity);
  const m = /^([0-9]+(?:\.[0-9]+)?)(m?)$/.exec(text);
  if (!m) throw new Error(`not a CPU quantity: ${text}`);
  return m[2] ? Number(m[1]) : Math.round(Number(m[1]) * 1000);
}

export function memoryMiB(quantity: string | number): number {
  const text = String(quantity);
  const m = /^([0-9]+(?:\.[0-9]+)?)(k|M|G|Ki|Mi|Gi|Ti)?$/.exec(text);
  if (!m) throw new Error(`not a memory quantity: ${text}`);
  return Number(m[1]) * MEMORY_UNITS[m[2] ?? '']!;
}

/** `2` for 2000 millicores, `250m` otherwise: whole cores as people write them. */
export const formatCpu = (millis: number): string => (Math.round(millis) % 1000 === 0 && millis > 0 ? `${Math.round(millis) / 1000}` : `${Math.round(millis)}m`);
/** `1Gi` for 1024 MiB, `320Mi` otherwise: whole gibibytes as people write them. */
export const formatMemory = (mib: number): string => (Math.round(mib) % 1024 === 0 && mib > 0 ? `${Math.round(mib) / 1024}Gi` : `${Math.round(mib)}Mi`);
