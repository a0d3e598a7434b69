import { Argument } from 'commander';
import { EXIT } from '../../util/errors.js';
import type { CommandSpec, StandaloneSpec } from '../../cli/command.js';

/**
 * The completion command, given the list of every command (cli/commands.ts) as a function it calls
 * when it runs: so it imports no registry, and the registry's import of it makes no cycle.
 */
export const completionCommand = (commands: () => readonly (CommandSpec | StandaloneSpec)[]): StandaloneSpec => ({
  name: 'completion',
  description: 'print a shell completion script: eval "$(hsts-cluster completion bash)" (zsh: completion zsh), or save it where your shell loads completions',
  docs: 'docs/day-2.md#shell-completion',
  declare: (command) => command.addArgument(new Argument('<shell>', 'bash or zsh').choices(['bash', 'zsh'])),
  standalone: async ([shell]) => {
    const { completionScript } = await import('./script.js');
    return { exitCode: EXIT.ok, json: null, stdout: completionScript(shell === 'zsh' ? 'zsh' : 'bash', commands()) };
  },
});
