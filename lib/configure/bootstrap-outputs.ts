import { CONFIG_FIELDS } from './fields';
import type { Change } from './files';

/*
 * `terraform output -json` of the bootstrap: `{ "<name>": { "value": ..., "sensitive": ... } }`.
 * Only the outputs a config field names (CONFIG_FIELDS `output`) are read; the sensitive ones
 * (kubeconfig, backup_credentials) are never looked at nor printed.
 */

export function changesFromOutputs(file: string, text: string): Change[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(`${file}: (file): got text that is not JSON, expected the output of \`terraform output -json\``);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error(`${file}: (file): got ${Array.isArray(parsed) ? 'an array' : typeof parsed}, expected the object \`terraform output -json\` prints`);
  const outputs = parsed as Record<string, { value?: unknown } | undefined>;
  const changes: Change[] = [];
  for (const field of CONFIG_FIELDS.filter((f) => f.output)) {
    const output = outputs[field.output!];
    if (!output) throw new Error(`${file}: ${field.output}: got nothing, expected the bootstrap's output ${field.output} (run terraform apply first)`);
    if (typeof output.value !== 'string') throw new Error(`${file}: ${field.output}.value: got ${JSON.stringify(output.value)}, expected a string`);
    changes.push({ field, value: output.value });
  }
  return changes;
}
