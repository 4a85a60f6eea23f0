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

/**
 * The largest quantity Kubernetes' resource.Quantity holds as a whole value: an int64 of the base
 * unit (bytes for memory and storage; millicores for CPU, read with MilliValue).
 * k8s.io/apimachinery/pkg/api/resource/quantity.go: larger values lose their exactness.
 */
export const QUANTITY_MAX = 2n ** 63n - 1n;

const BINARY: Record<string, bigint> = { '': 1n, Ki: 1n << 10n, Mi: 1n << 20n, Gi: 1n << 30n, Ti: 1n << 40n, Pi: 1n << 50n, Ei: 1n << 60n };
const DECIMAL: Record<string, bigint> = { k: 10n ** 3n, M: 10n ** 6n, G: 10n ** 9n, T: 10n ** 12n, P: 10n ** 15n, E: 10n ** 18n };

/** `digits[.fraction]` times `unit`, exactly, rounded up to a whole (as Quantity.Value rounds up). */
function scaled(number: string, unit: bigint): bigint {
  const [whole, fraction = ''] = number.split('.');
  const denominator = 10n ** BigInt(fraction.length);
  const numerator = BigInt(whole! + fraction) * unit;
  return (numerator + denominator - 1n) / denominator;
}

// Apps repeat a handful of quantities (`256Mi`, `100m`); synth checks each of them several times
// per app, and the BigInt arithmetic costs more than a lookup. Bounded, so odd inputs cannot grow it.
const MEMORY_BYTES = new Map<string, bigint>();
const CPU_MILLI_VALUES = new Map<string, bigint>();
function remembered(known: Map<string, bigint>, quantity: string, parse: () => bigint): bigint {
  const hit = known.get(quantity);
  if (hit !== undefined) return hit;
  const value = parse();
  if (known.size < 4096) known.set(quantity, value);
  return value;
}

/** Memory or storage in bytes, exact at any size (`1.5Gi` -> 1610612736n). Throws on anything else. */
export function memoryBytes(quantity: string): bigint {
  return remembered(MEMORY_BYTES, quantity, () => {
    const m = /^([0-9]+(?:\.[0-9]+)?)(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$/.exec(quantity);
    if (!m) throw new Error(`not a memory quantity: ${quantity}`);
    return scaled(m[1]!, BINARY[m[2] ?? ''] ?? DECIMAL[m[2]!]!);
  });
}

/** CPU in millicores, exact at any size (`1.5` -> 1500n, `250m` -> 250n). Throws on anything else. */
export function cpuMilliValue(quantity: string): bigint {
  return remembered(CPU_MILLI_VALUES, quantity, () => {
    const m = /^([0-9]+(?:\.[0-9]+)?)(m?)$/.exec(quantity);
    if (!m) throw new Error(`not a CPU quantity: ${quantity}`);
    return scaled(m[1]!, m[2] ? 1n : 1000n);
  });
}

/** Every suffix resource.Quantity reads, in milli-units. */
const MILLI: Record<string, bigint> = { '': 1000n, m: 1n, ...Object.fromEntries(Object.entries({ ...BINARY, ...DECIMAL }).filter(([k]) => k).map(([k, v]) => [k, v * 1000n])) };
const ANY_QUANTITY = /^([0-9]+(?:\.[0-9]+)?)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/;

/**
 * Whether two quantities are the same amount, exactly: the API server writes a quantity back in
 * its canonical form (`0Mi` as `0`, `1000m` as `1`, `1024Mi` as `1Gi`), not as it was given.
 */
export function sameQuantity(a: string, b: string): boolean {
  const x = ANY_QUANTITY.exec(a);
  const y = ANY_QUANTITY.exec(b);
  if (!x || !y) return false;
  // Both as a fraction over 10^decimals, cross-multiplied: no rounding.
  const [xw, xf = ''] = x[1]!.split('.');
  const [yw, yf = ''] = y[1]!.split('.');
  return BigInt(xw! + xf) * MILLI[x[2] ?? '']! * 10n ** BigInt(yf.length) === BigInt(yw! + yf) * MILLI[y[2] ?? '']! * 10n ** BigInt(xf.length);
}

const whole = (n: number | bigint): bigint => (typeof n === 'bigint' ? n : BigInt(Math.round(n)));

/** `2` for 2000 millicores, `250m` otherwise: whole cores as people write them; exact for any whole amount (never `1e+21`). */
export const formatCpu = (millis: number | bigint): string => {
  const m = whole(millis);
  return m > 0n && m % 1000n === 0n ? `${m / 1000n}` : `${m}m`;
};
/** `1Gi` for 1024 MiB, `320Mi` otherwise: whole gibibytes as people write them; exact for any whole amount (never `1e+22Gi`). */
export const formatMemory = (mib: number | bigint): string => {
  const m = whole(mib);
  return m > 0n && m % 1024n === 0n ? `${m / 1024n}Gi` : `${m}Mi`;
};
