import { parseArgs, type ParseArgsConfig } from 'node:util';

/*
 * Command-line parsing for the scripts behind `npm run ...`: a bad flag is one line naming the
 * command, the flag, what was given and what was expected, and exit code 2; never a stack trace.
 */

/** Prints `command: message` (and the usage line) and exits; `code` 2 is a usage error, 1 a failure. */
export function exitWith(command: string, message: string, code = 1, usage?: string): never {
  console.error(`${command}: ${message}`);
  if (usage) console.error(`usage: ${usage}`);
  process.exit(code);
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** `parseArgs`, with unknown flags, missing values and stray arguments reported as one line. */
export function parseCommandLine<O extends Options>(
  command: string,
  usage: string,
  options: O,
  args: string[] = process.argv.slice(2),
  positionals = { min: 0, max: 0 },
) {
  const flags = Object.keys(options).map((o) => `--${o}`);
  let parsed;
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    const { code, message } = error as { code?: string; message: string };
    const flag = /'(-[^' ]+)/.exec(message)?.[1] ?? '(arguments)';
    const problem =
      code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION'
        ? `${flag}: got an unknown option, expected ${flags.length ? `one of ${flags.join(', ')}` : 'no options'}`
        : code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE'
          ? `${flag}: got no value, expected ${flag} <value>`
          : `(arguments): got ${JSON.stringify(args)}, expected ${usage}`;
    exitWith(command, problem, 2, usage);
  }
  const count = parsed.positionals.length;
  if (count < positionals.min || count > positionals.max) {
    const what = count === 0 ? 'no arguments' : JSON.stringify(parsed.positionals);
    exitWith(command, `(arguments): got ${what}, expected ${positionals.max === 0 ? 'none' : usage}`, 2, usage);
  }
  return parsed;
}
