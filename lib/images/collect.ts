import type { Manifest } from '../render';
import { displayName } from '../delivery/manifests';
import { parseImage } from '../spec/fields';

/*
 * The images a set of objects runs: every string under an `image` key (containers, init and
 * ephemeral containers of any pod template) or an `imageName` key (CloudNativePG's Cluster), with
 * the objects that name each one.
 */

const IMAGE_KEYS = new Set(['image', 'imageName']);

function walk(value: unknown, found: (ref: string) => void): void {
  if (Array.isArray(value)) for (const v of value) walk(v, found);
  else if (value && typeof value === 'object') {
    for (const [key, v] of Object.entries(value)) {
      if (IMAGE_KEYS.has(key) && typeof v === 'string' && parseImage(v)) found(v);
      else walk(v, found);
    }
  }
}

/** `image -> the objects that use it` (display names, `suffix` appended), in first-seen order. */
export function imagesOf(objects: readonly Manifest[], suffix = '', into = new Map<string, string[]>()): Map<string, string[]> {
  for (const object of objects) {
    const name = `${displayName(object)}${suffix}`;
    walk(object, (ref) => {
      const users = into.get(ref) ?? [];
      if (!users.includes(name)) users.push(name);
      into.set(ref, users);
    });
  }
  return into;
}
