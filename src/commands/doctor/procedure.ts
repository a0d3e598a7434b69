import { doctorChecklist, doctorNotes, topLevelElements, type CheckItem, type DoctorFindings } from './checks.js';
import { HSTS, localKeystoreCandidates } from '../../hsts/paths.js';
import { parseHstsVersion } from '../../hsts/version.js';
import { nodeApiOf, nodeApiUrl } from '../../hsts/aspera-conf.js';
import type { ClusterNode, Inventory } from '../../inventory/load.js';
import { doctorProbe } from './probe.js';
import { parseProbes, probeCommands } from '../../remote/probe.js';
import type { NodeSession } from '../../ssh/session.js';
import { hstsUsers } from '../../steps/preflight.js';
import type { NodeFacts, PlanContext, PlanOptions, Step } from '../../steps/types.js';
import { factNeeds, gatherFacts } from '../../runner/facts.js';
import { loadPlaybook } from '../../runner/playbook.js';

/**
 * `hsts-cluster doctor`: per node, read-only, what hsts-cluster finds and relies on, and what `up`
 * would refuse (the up playbook's own pre-flight checks, run on the same facts). No lock: nothing
 * is changed, so a run in progress on the node is not disturbed (its lock shows as a refusal).
 */

export interface DoctorNode {
  name: string;
  reachable: boolean;
  error?: string;
  hstsVersion?: string | null;
  services?: DoctorFindings['services'];
  /**
   * Each port hsts-cluster needs: whether anything listens on its number, the holders' names as ss
   * gives them, and the local addresses listened on (a listener on another address than the one
   * Redis or Sentinel binds, Docker's resolver on 127.0.0.11 say, does not conflict: pre-flight
   * judges by address, hsts/port-holders.ts listensOn).
   */
  ports?: { port: number; what: string; listening: boolean; holders: string[]; addresses: string[] }[];
  users?: DoctorFindings['users'];
  owners?: Record<string, string>;
  nodeApi?: { address: string; ping: string };
  asperaConfSections?: string[];
  firewall?: string;
  /** What `up`'s pre-flight refuses on this node: each blocks `up`. */
  refusals: string[];
  /** Where the node differs from what hsts-cluster assumes or documents as a default. */
  notes?: string[];
  checklist?: CheckItem[];
}

export interface DoctorReport {
  nodes: DoctorNode[];
  /** True when nothing blocks `up` on any node. */
  ready: boolean;
}

/** The example inventory's transfer user: reported when present or not, listed or not. */
const EXAMPLE_USER = 'xfer';

/** What doctor asks `up`'s pre-flight checks with (up's own options: no waits, no users to create). */
const UP_OPTIONS: PlanOptions = { waitTimeoutMs: 0 };

function preflightProblems(checks: Step[], inventory: Inventory, node: ClusterNode, facts: NodeFacts): string[] {
  const declared = inventory.nodes.find((n) => n.role === 'primary') ?? node;
  const ctx: PlanContext = {
    inventory, node, facts, planned: [], holdFailover: false, sentinelIds: new Map(),
    roles: { primary: declared, reason: 'the inventory', warnings: [] }, options: UP_OPTIONS,
  };
  return checks.flatMap((step) => step.check?.(ctx) ?? []);
}

function firewallStack(facts: NodeFacts): string {
  if (facts.firewalld) return `firewalld (zone ${facts.firewalld.zone})`;
  if (facts.firewalldProblem) return `firewalld (unreadable: ${facts.firewalldProblem})`;
  return facts.persistence ? `iptables, persisted by ${facts.persistence.kind} (${facts.persistence.path})` : 'iptables, not persisted';
}

async function doctorNode(inventory: Inventory, node: ClusterNode, session: NodeSession, checks: Step[]): Promise<DoctorNode> {
  const { cluster } = inventory;
  const needs = factNeeds(checks, inventory, node, UP_OPTIONS);
  const { facts } = await gatherFacts(session, inventory, { ...needs, files: [...new Set([...needs.files, HSTS.asperaConf])] });
  const asperaConf = facts.files.get(HSTS.asperaConf)?.content?.toString('utf8') ?? null;
  const listed = hstsUsers(inventory);
  const users = [...listed.map((user) => ({ user, listed: true })), ...(listed.includes(EXAMPLE_USER) ? [] : [{ user: EXAMPLE_USER, listed: false }])];
  const nodeApi = nodeApiOf(asperaConf);
  const probe = doctorProbe({ users, storePlaces: localKeystoreCandidates('u').map((p) => p.slice('~u/'.length)), nodeApi, nodedUser: cluster.nodedUser });
  const { found } = parseProbes({ found: probe }, (await session.run(probeCommands({ found: probe }), 'run-all')).results);
  const port = (p: number, what: string) => {
    const sockets = found.listening.get(p) ?? [];
    return {
      port: p, what, listening: sockets.length > 0, holders: [...new Set(sockets.flatMap((s) => s.holders))],
      addresses: [...new Set(sockets.map((s) => s.address))],
    };
  };
  return {
    name: node.name,
    reachable: true,
    hstsVersion: found.hstsVersion === null ? null : parseHstsVersion(found.hstsVersion) ?? found.hstsVersion,
    services: found.services,
    ports: [port(cluster.redisPort, 'Redis'), port(cluster.sentinelPort, 'Sentinel'), port(nodeApi.port, 'Node API')],
    users: found.users,
    owners: Object.fromEntries(found.owners),
    nodeApi: { address: nodeApiUrl(nodeApi), ping: found.nodeApiPing },
    asperaConfSections: topLevelElements(asperaConf ?? ''),
    firewall: firewallStack(facts),
    refusals: preflightProblems(checks, inventory, node, facts),
    notes: doctorNotes({ findings: found, asperaConf, nodedUser: cluster.nodedUser }),
    checklist: doctorChecklist(found, nodeApi),
  };
}

export async function doctor(inventory: Inventory, sessions: Map<string, NodeSession>, failures: Map<string, string>): Promise<DoctorReport> {
  const checks = loadPlaybook('up').phases.map((p) => p.step).filter((step) => step.check !== undefined);
  const nodes = await Promise.all(inventory.nodes.map(async (node): Promise<DoctorNode> => {
    const session = sessions.get(node.name);
    if (!session) return { name: node.name, reachable: false, error: failures.get(node.name) ?? 'not connected', refusals: ['unreachable'] };
    try {
      return await doctorNode(inventory, node, session, checks);
    } catch (e) {
      return { name: node.name, reachable: false, error: (e as Error).message, refusals: [`could not be read: ${(e as Error).message}`] };
    }
  }));
  return { nodes, ready: nodes.every((n) => n.refusals.length === 0) };
}
