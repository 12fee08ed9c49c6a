/** Flag parsing shared by the `mockmx` subcommands: node's util.parseArgs, with errors worded as advice. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { didYouMean } from './util/suggest.js';

/** A mistake in how the command was called: printed as one line, exit code 2. */
export class UsageError extends Error {}

/** Flag values by name (string for valued flags, true for switches) and the positional arguments. */
export interface ParsedArgs {
  readonly values: Readonly<Record<string, string | boolean | undefined>>;
  readonly positionals: string[];
}

export function parse(args: string[], options: NonNullable<ParseArgsConfig['options']>): ParsedArgs {
  try {
    // no subcommand's option is `multiple`, so no value is a list
    return parseArgs({ args, options, allowPositionals: true, strict: true }) as ParsedArgs;
  } catch (err) {
    const message = (err as Error).message;
    const unknown = /Unknown option '--?([^']+)'/.exec(message);
    if (unknown) {
      const flag = `--${unknown[1]}`;
      throw new UsageError(`unknown option ${flag}${didYouMean(flag, Object.keys(options).map((k) => `--${k}`))}; see mockmx --help`);
    }
    throw new UsageError(`${message}; see mockmx --help`);
  }
}
