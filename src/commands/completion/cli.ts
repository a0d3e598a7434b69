import { Argument } from 'commander';
import { EXIT } from '../../util/errors.js';
import type { StandaloneSpec } from '../../cli/command.js';

export const completion: StandaloneSpec = {
  name: 'completion',
  description: 'print a shell completion script: eval "$(hsts-cluster completion bash)" (zsh: completion zsh), or save it where your shell loads completions',
  declare: (command) => command.addArgument(new Argument('<shell>', 'bash or zsh').choices(['bash', 'zsh'])),
  standalone: async ([shell]) => {
    const { completionScript } = await import('./script.js');
    return { exitCode: EXIT.ok, json: null, stdout: await completionScript(shell === 'zsh' ? 'zsh' : 'bash') };
  },
};
