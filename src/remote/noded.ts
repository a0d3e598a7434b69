import { HSTS } from '../hsts/paths.js';
import type { RemoteCommand } from '../ssh/remote-script.js';
import { pollUntil, type WaitOptions } from './waits.js';

/*
 * THE asperanoded health probe: GET /ping on the Node API port over bash's /dev/tcp (no curl needed),
 * bounded in time. asperanoded answers 200 when it reaches Redis as the noded user, through that
 * user's keystore; otherwise 503 with its reason in the body. Its status line and body come back
 * as the output, carriage returns removed.
 */
const PING_CODE =
  `(exec 3<>/dev/tcp/127.0.0.1/${HSTS.nodeApiPort} && printf 'GET /ping HTTP/1.0\\r\\n\\r\\n' >&3 && timeout 5 cat <&3) 2>&1 | tr -d '\\r'`;

export function nodedPing(): RemoteCommand {
  return { label: `GET http://127.0.0.1:${HSTS.nodeApiPort}/ping`, code: PING_CODE };
}

export interface NodedHealth {
  ok: boolean;
  /** "healthy", else asperanoded's reason (or the first line of what came back). */
  message: string;
}

export function parseNodedPing(output: string): NodedHealth {
  const statusLine = output.trim().split('\n')[0] ?? '';
  if (/^HTTP\/\S+ 200 /.test(statusLine)) return { ok: true, message: 'healthy' };
  const body = output.split('\n\n')[1] ?? '';
  return { ok: false, message: (body.match(/"reason": "([^"]*)"/)?.[1] ?? statusLine) || 'no answer' };
}

/**
 * Wait until asperanoded answers /ping healthy. It runs as the noded user and reaches Redis with the
 * password from that user's keystore, so this also proves the keystore askmscli made (hsts-cluster
 * never reads it). On failure the last answer (status line and last body line: the daemon's
 * reason) is shown.
 */
export function waitForNoded(nodedUser: string, wait: WaitOptions): RemoteCommand {
  const port = HSTS.nodeApiPort;
  return {
    label: `check asperanoded (as ${nodedUser}, through its keystore) answers healthy on port ${port}`,
    code: pollUntil({
      ...wait,
      condition: `last=$(${PING_CODE} | sed -n '1p;$p' | tr '\\n' ' '); [[ "$last" == "HTTP/"*" 200 "* ]]`,
      message: `asperanoded did not answer healthy on port ${port} within ${wait.timeoutMs / 1000} s`,
    }),
  };
}
