import { DEFAULT_NODE_API, nodeApiOf, type NodeApiEndpoint } from '../hsts/aspera-conf.js';
import { HSTS } from '../hsts/paths.js';
import type { RemoteCommand } from '../ssh/remote-script.js';
import { parseSafeRead, safeReadCode } from './safe-files.js';

/*
 * Where asperanoded serves the Node API on a node, read from that node's aspera.conf (top-level
 * <server>: https_port, enable_https, http_port, enable_http, listen). Every command that asks
 * asperanoded for its health asks there: IBM's default (HTTPS on 9092) is only the answer when
 * aspera.conf says nothing usable, cannot be read, or is refused by the safe read (a link, a
 * file too large). up's verify step reads the same file the same way (steps/verify.ts).
 */

export function readNodeApiCommand(): RemoteCommand {
  return { label: `read ${HSTS.asperaConf} (the Node API's port)`, code: safeReadCode(HSTS.asperaConf) };
}

export function parseNodeApi(output: string | undefined): NodeApiEndpoint {
  const read = parseSafeRead(output);
  if (read.state !== 'read') return DEFAULT_NODE_API;
  return nodeApiOf(read.content.toString('utf8'));
}

export const isDefaultNodeApi = (api: NodeApiEndpoint) =>
  api.scheme === DEFAULT_NODE_API.scheme && api.port === DEFAULT_NODE_API.port && api.host === DEFAULT_NODE_API.host;

/**
 * Each node's Node API address, read once per run (aspera.conf does not change under a day-2
 * command). A read that failed (the connection, not the file) is not kept: the next ask reads again.
 */
export class NodeApiAddresses {
  private readonly known = new Map<string, Promise<NodeApiEndpoint>>();

  constructor(private readonly sh: (node: { name: string }, command: RemoteCommand) => Promise<{ ok: boolean; output: string }>) {}

  of<N extends { name: string }>(node: N): Promise<NodeApiEndpoint> {
    let api = this.known.get(node.name);
    if (!api) {
      api = this.sh(node, readNodeApiCommand()).then((r) => {
        if (r.ok) return parseNodeApi(r.output);
        this.known.delete(node.name);
        return DEFAULT_NODE_API;
      }, (e: unknown) => {
        this.known.delete(node.name);
        throw e;
      });
      this.known.set(node.name, api);
    }
    return api;
  }
}
