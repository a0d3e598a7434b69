import { execFileSync } from 'node:child_process';

export interface Agent {
  env: { SSH_AUTH_SOCK: string };
  stop(): void;
}

/** A private ssh-agent holding this key (or none), for tests of the `agent: true` path. */
export function startAgent(keyPath: string | null): Agent {
  const out = execFileSync('ssh-agent', ['-s'], { encoding: 'utf8' });
  const sock = /SSH_AUTH_SOCK=([^;]+);/.exec(out)?.[1];
  const pid = /SSH_AGENT_PID=(\d+);/.exec(out)?.[1];
  if (!sock || !pid) throw new Error(`ssh-agent: unexpected output: ${out}`);
  const env = { SSH_AUTH_SOCK: sock };
  const stop = () => {
    try { process.kill(Number(pid)); } catch { /* already gone */ }
  };
  if (keyPath === null) return { env, stop };
  try {
    execFileSync('ssh-add', ['-q', keyPath], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (e) {
    stop();
    throw e;
  }
  return { env, stop };
}
