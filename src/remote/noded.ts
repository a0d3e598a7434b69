import { DEFAULT_NODE_API, pingUrl, type NodeApiEndpoint } from '../hsts/aspera-conf.js';
import type { RemoteCommand } from '../ssh/remote-script.js';
import { shq } from '../ssh/shell.js';
import { pollUntil, type WaitOptions } from './waits.js';

/*
 * THE asperanoded health probe: GET /ping on the Node API's port with curl, bounded in time. The
 * address comes from aspera.conf (hsts/aspera-conf.ts `nodeApiEndpoint`) where the caller has read
 * it; IBM's default is HTTPS on 9092 with the installer's self-signed certificate, so
 * the certificate is not checked (-k), as IBM's own curl examples do. /ping needs no credentials
 * and answers 200 when the node is up. asperanoded reaches Redis as the noded user, through that
 * user's keystore; when it cannot, the answer is an error with its reason in the Node API's error
 * body (error.user_message). The output is the status line, headers and body (-D -), carriage
 * returns removed, or curl's error, or CURL_MISSING.
 */
export const CURL_MISSING = 'curl not found: install curl';
const HAS_CURL = 'command -v curl >/dev/null 2>&1';

const pingCode = (api: NodeApiEndpoint) =>
  `if ${HAS_CURL}; then curl -sSk --max-time 5 -D - ${shq(pingUrl(api))} 2>&1 | tr -d '\\r'; else echo ${shq(CURL_MISSING)}; fi`;

export function nodedPing(api: NodeApiEndpoint = DEFAULT_NODE_API): RemoteCommand {
  return { label: `GET ${pingUrl(api)}`, code: pingCode(api) };
}

export interface NodedHealth {
  ok: boolean;
  /** "healthy", else asperanoded's reason (or the first line of what came back). */
  message: string;
}

const HEALTHY_STATUS = /^HTTP\/\S+ 200( |$)/;

export function parseNodedPing(output: string): NodedHealth {
  const statusLine = output.trim().split('\n')[0] ?? '';
  if (HEALTHY_STATUS.test(statusLine)) return { ok: true, message: 'healthy' };
  if (!statusLine.startsWith('HTTP/')) return { ok: false, message: statusLine || 'no answer' };
  return { ok: false, message: errorReason(output.split('\n\n').slice(1).join('\n\n')) ?? statusLine };
}

/** The Node API's error body: {"error": {"code", "reason", "user_message"}}. */
function errorReason(body: string): string | undefined {
  try {
    const error = (JSON.parse(body) as { error?: { reason?: unknown; user_message?: unknown } }).error;
    const reason = error?.user_message ?? error?.reason;
    return typeof reason === 'string' && reason ? reason : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Wait until asperanoded answers /ping healthy. It runs as the noded user and reaches Redis with the
 * password from that user's keystore, so this also proves the keystore askmscli made (hsts-cluster
 * never reads it). On failure the last answer (status line and last body line: the daemon's
 * reason) is shown; without curl it fails at once, saying so.
 */
export function waitForNoded(nodedUser: string, wait: WaitOptions, api: NodeApiEndpoint = DEFAULT_NODE_API): RemoteCommand {
  const { port } = api;
  return {
    label: `check asperanoded (as ${nodedUser}, through its keystore) answers healthy on port ${port}`,
    code: [
      `${HAS_CURL} || { echo ${shq(CURL_MISSING)}; exit 1; }`,
      pollUntil({
        ...wait,
        condition: `last=$(${pingCode(api)} | sed -n '1p;$p' | tr '\\n' ' '); [[ "$last" =~ ^HTTP/[^\\ ]+\\ 200\\  ]]`,
        message: `asperanoded did not answer healthy on port ${port} within ${wait.timeoutMs / 1000} s`,
      }),
    ].join('\n'),
  };
}
