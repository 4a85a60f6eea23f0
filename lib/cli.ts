import { parseArgs, type ParseArgsConfig } from 'node:util';

/*
 * Command-line parsing for the scripts behind `npm run ...`: `--help` (or `-h`) prints the usage
 * and what the command does, exit 0, for every command; a bad flag is one line naming the command,
 * the flag, what was given and what was expected, and exit code 2; never a stack trace.
 */

/** Prints `command: message` (and the usage line) and exits; `code` 2 is a usage error, 1 a failure. */
export function exitWith(command: string, message: string, code = 1, usage?: string): never {
  console.error(`${command}: ${message}`);
  if (usage) console.error(`usage: ${usage}`);
  process.exit(code);
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** How a command is used (`npm run x -- ...`) and, for `--help`, what it does. */
export type CommandHelp = string | { usage: string; about: string };

/** `--help` or `-h` before any `--` end-of-options marker. */
export function asksForHelp(args: readonly string[]): boolean {
  const end = args.indexOf('--');
  return (end < 0 ? args : args.slice(0, end)).some((a) => a === '--help' || a === '-h');
}

/** The text `--help` prints: the usage line, then what the command does. */
export function helpText(help: CommandHelp): string {
  return typeof help === 'string' ? `usage: ${help}\n` : `usage: ${help.usage}\n\n${help.about.trim()}\n`;
}

/**
 * `parseArgs`, with `--help` answered here for every command, and unknown flags, missing values and
 * stray arguments reported as one line (exit 2; `--help` shows the usage).
 */
export function parseCommandLine<O extends Options>(
  command: string,
  help: CommandHelp,
  options: O,
  args: string[] = process.argv.slice(2),
  positionals = { min: 0, max: 0 },
) {
  const usage = typeof help === 'string' ? help : help.usage;
  if (asksForHelp(args)) {
    process.stdout.write(helpText(help));
    process.exit(0);
  }
  const flags = Object.keys(options).map((o) => `--${o}`);
  const fail = (problem: string): never => exitWith(command, `${problem} (see --help)`, 2);
  let parsed;
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    const { code, message } = error as { code?: string; message: string };
    const flag = /'(-[^' ]+)/.exec(message)?.[1] ?? '(arguments)';
    fail(
      code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION'
        ? `${flag}: got an unknown option, expected ${flags.length ? `one of ${flags.join(', ')}` : 'no options'}`
        : code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE'
          ? `${flag}: got no value, expected ${flag} <value>`
          : `(arguments): got ${JSON.stringify(args)}, expected ${usage}`,
    );
  }
  const count = parsed!.positionals.length;
  if (count < positionals.min || count > positionals.max) {
    const what = count === 0 ? 'no arguments' : JSON.stringify(parsed!.positionals);
    fail(`(arguments): got ${what}, expected ${positionals.max === 0 ? 'none' : usage}`);
  }
  return parsed!;
}
