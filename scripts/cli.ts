// What the operator commands (campaign, worker) share: options read with node:util's parseArgs,
// --help, and a clear message (with the usage) instead of a stack trace for a mistake.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ConfigError, loadConfig, type Config } from '../src/config.js';

type Options = NonNullable<ParseArgsConfig['options']>;

export interface Cli {
  /** Prints `message` and exits with the command's code for a mistake of the caller's. */
  fail(message: string): never;
  /** The configuration from the environment, or the reason it is wrong (and exit). */
  config(): Config;
}

/**
 * Reads the command line against `options`. Returns null after printing the usage for --help;
 * exits with `exitCode` and the usage for options it does not know.
 */
export function commandLine<const O extends Options>(
  usage: string,
  options: O,
  exitCode: number,
): { values: ReturnType<typeof parseArgs<{ options: O & { help: { type: 'boolean' } } }>>['values'] | null } & Cli {
  const fail = (message: string): never => {
    console.error(message);
    process.exit(exitCode);
  };
  const config = (): Config => {
    try {
      return loadConfig();
    } catch (err) {
      if (err instanceof ConfigError) fail(err.message);
      throw err;
    }
  };
  let values: Record<string, unknown> = {};
  try {
    values = parseArgs({ options: { ...options, help: { type: 'boolean' as const } } }).values;
  } catch (err) {
    fail(`${(err as Error).message}\n${usage}`);
  }
  if (values.help) {
    console.log(usage);
    return { values: null, fail, config };
  }
  return { values: values as never, fail, config };
}
