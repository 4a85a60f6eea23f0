// `npm run configure`: the values only the user knows, written once where they belong
// (config/cluster.ts, bootstrap/state.ts), validated as synth validates them. Safe to re-run.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline/promises';
import { exitWith, parseCommandLine } from '../lib/cli';
import { changesFromOutputs } from '../lib/configure/bootstrap-outputs';
import { CONFIG_FIELDS, fieldName, parseFlagValue } from '../lib/configure/fields';
import { currentValues, planChanges, readConfigFiles, writeFiles, type Change } from '../lib/configure/files';
import { printLiteral, type Literal } from '../lib/configure/source';

const usage = 'npm run configure [-- --domain example.org --acme-email me@example.org ... | --from-bootstrap <terraform output -json file, or - for stdin>]';
const about = `Without flags on a terminal, asks for each value (Enter keeps the one shown). With flags, sets
only those. Nothing is written unless every value of both files is valid.

${CONFIG_FIELDS.map((f) => `  --${f.flag.padEnd(22)} ${f.file} ${fieldName(f)}: ${f.question}`).join('\n')}
  --from-bootstrap <file>  reserved IP and firewall id from \`terraform output -json\` (- reads stdin)
  --dry-run                validate and print what would change, write nothing
`;

const options = {
  ...Object.fromEntries(CONFIG_FIELDS.map((f) => [f.flag, { type: 'string' as const }])),
  'from-bootstrap': { type: 'string' },
  'dry-run': { type: 'boolean', default: false },
} as const;
// --help (usage, then `about`) is parseCommandLine's.
const { values } = parseCommandLine('configure', { usage, about }, options);

const show = (value: Literal) => (value === undefined ? '(unset)' : Array.isArray(value) ? value.join(',') : String(value));

async function ask(current: Map<(typeof CONFIG_FIELDS)[number], Literal>): Promise<Change[]> {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  const changes: Change[] = [];
  try {
    for (const field of CONFIG_FIELDS) {
      // Input that ends early (Ctrl-D, a closed pipe) stops before anything is written.
      const answer = (
        await rl.question(`${field.question} [${show(current.get(field))}]: `).catch(() =>
          exitWith('configure', '(terminal): got the end of input before every question was answered, expected an answer (or Enter) for each; nothing was written'),
        )
      ).trim();
      if (answer) changes.push({ field, value: parseFlagValue(field, answer) });
    }
  } finally {
    rl.close();
  }
  return changes;
}

async function main(): Promise<void> {
  const root = process.cwd();
  let files;
  try {
    files = readConfigFiles(root);
  } catch (error) {
    exitWith('configure', (error as Error).message);
  }
  const current = currentValues(files);
  const changes: Change[] = [];
  const raw = values as Record<string, string | boolean | undefined>;
  if (typeof raw['from-bootstrap'] === 'string') {
    const file = raw['from-bootstrap'];
    try {
      changes.push(...changesFromOutputs(file === '-' ? '(stdin)' : file, readFileSync(file === '-' ? 0 : file, 'utf8')));
    } catch (error) {
      exitWith('configure', (error as NodeJS.ErrnoException).code ? `${file}: (file): got ${(error as NodeJS.ErrnoException).code}, expected a readable file` : (error as Error).message);
    }
  }
  for (const field of CONFIG_FIELDS) {
    const text = raw[field.flag];
    if (typeof text === 'string') changes.push({ field, value: parseFlagValue(field, text) });
  }
  if (!changes.length) {
    if (!process.stdin.isTTY) exitWith('configure', '(arguments): got no flags and no terminal to ask on, expected flags such as --domain (see --help)', 2, usage);
    changes.push(...(await ask(current)));
  }
  const { texts, problems } = planChanges(files, changes);
  if (problems.length) {
    // One line per problem, and nothing else: nothing was written (--help says so).
    for (const line of problems) console.error(line);
    process.exit(1);
  }
  for (const { field, value } of changes) {
    const before = current.get(field);
    if (printLiteral(before) !== printLiteral(value)) console.log(`${field.file} ${fieldName(field)}: ${show(before)} -> ${show(value)}`);
  }
  if (values['dry-run']) {
    console.log('configure: --dry-run, nothing was written.');
    return;
  }
  const written = writeFiles(files, texts);
  if (!written.length) return console.log('configure: nothing changed.');
  console.log(`configure: wrote ${written.join(', ')}`);
  // The alert rules follow the config (cluster name, backup schedules): rewritten now, in a process
  // of their own that reads the config just written, so they are never stale after a configure.
  const alerts = spawnSync(process.execPath, ['scripts/run.mjs', 'scripts/alerts.ts'], { stdio: 'inherit' });
  if (alerts.status !== 0) exitWith('configure', 'npm run alerts failed after the config was written; run it again', 1);
  console.log('configure: next, npm run synth, then npm run doctor.');
}

void main();
