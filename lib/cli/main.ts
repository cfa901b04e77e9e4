#!/usr/bin/env node
// The `health-probes` bin. Exit codes: 0 healthy, 1 unhealthy or unreachable, 2 usage error.
import { createRequire } from 'node:module';
import { UsageError, type Command } from './args.js';
import { checkFile } from './check-file.js';
import { terminalOutput, type Output } from './output.js';
import { probe } from './probe.js';
import { watch } from './watch.js';

const COMMANDS: readonly Command[] = [probe, checkFile, watch];

/** Runs the command line `args` (without `node` and the script); resolves to the exit code. */
async function main(args: readonly string[], output: Output): Promise<number> {
  const [name, ...rest] = args;
  if (name === '--version' || name === '-v') {
    const manifest = createRequire(import.meta.url)('../../package.json') as { version: string };
    output.out(manifest.version);
    return 0;
  }
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    overview(name === undefined ? output.err : output.out);
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (command === undefined) {
    output.err(`health-probes: unknown command ${JSON.stringify(name)}`);
    overview(output.err);
    return 2;
  }
  try {
    return await command.run(rest, output);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    output.err(`health-probes ${command.name}: ${error.message}`);
    output.err(`Usage: ${command.usage}`);
    return 2;
  }
}

function overview(write: (line: string) => void): void {
  write('Usage: health-probes <command> [options]');
  write('');
  for (const command of COMMANDS) write(`  ${command.usage}\n      ${command.summary}`);
  write('');
  write('Durations: 500ms, 2s, 1m. Exit codes: 0 healthy, 1 unhealthy or unreachable, 2 usage.');
}

process.exitCode = await main(process.argv.slice(2), terminalOutput());
