import { basename } from 'node:path';
import { newSalt, recordState, renderRecord } from '../../hsts/askms-record.js';
import { HSTS, STORE_RECORD, keystoreRecordPath } from '../../hsts/paths.js';
import { passwordFileProblems, UNREADABLE, redisConfWithPassword, sentinelConfWithPassword } from './conf.js';
import type { ClusterNode, Inventory } from '../../inventory/load.js';
import { initKeystore, storeRedisPassword } from '../../remote/askmscli.js';
import { writeFileCommand } from '../../remote/files.js';
import { parseSafeRead, safeReadCode } from '../../remote/safe-files.js';
import { inStateDir } from '../../remote/state-dir.js';
import { listRunsCommand, parseRunList } from '../../runner/node-state.js';
import { removeRunsCommand, runsHoldingPasswordsCommand, runsWithOldPassword } from '../../runner/retention.js';
import { NodeApiAddresses } from '../../remote/node-api.js';
import { waitForNoded } from '../../remote/noded.js';
import {
  acceptedPasswords, addPassword, MINIMUM_VERSION, onlyPassword, parseAccepted, parseVersion, sentinelQuorum, serverVersion,
  setMasterauth, setRequirepass, setSentinelAuthPass, setSentinelPass, versionTooOld, type Accepted, type Endpoint, type PasswordPair,
} from './remote.js';
import { redisOwner, sentinelOwner } from '../../remote/redis-cli.js';
import { systemctl } from '../../remote/systemctl.js';
import { throwIfInterrupted, waitUntil } from '../../remote/waits.js';
import type { RemoteCommand } from '../../ssh/remote-script.js';
import { hstsUsers } from '../../steps/preflight.js';
import type { Secret } from '../../util/secret.js';
import { runProcedure, type ProcedureOptions } from '../../runner/engine/procedure-run.js';
import { Run } from '../../runner/engine/run.js';
import type { RunResult } from '../../runner/result.js';

export interface RotateOptions extends ProcedureOptions {
  newPassword: Secret;
}

export interface RotateResult extends RunResult {
  /** Nothing to do: every Redis and Sentinel accepts the new password only, askmscli holds it, and so do both files on every node. */
  unchanged?: boolean;
  /** The stages, in order: what the rotation does (plan) or did. */
  steps: string[];
  /**
   * Why a rotation ran although every Redis and Sentinel accepts only the new password and askmscli
   * holds it: what a file still lacks ("node2: sentinel_41415.conf: requirepass holds the old password").
   */
  behind?: string[];
  /** How far a failed rotation got before it was rolled back. */
  reached?: Stage;
}

/** The stages of a rotation, in order. A rollback runs the same ones the other way, up to where this one got. */
export const STAGES = ['overlap', 'clients', 'keystores', 'redis-files', 'retire', 'sentinel-files'] as const;
export type Stage = (typeof STAGES)[number];

/** What a rerun does when only files are behind the servers (report.behind says which). */
export const FILE_REPAIR_STEPS = [
  'every node whose aspera_31415.conf is behind: requirepass and masterauth NEW (no restart)',
  'one node at a time, only where sentinel_41415.conf is behind: requirepass and auth-pass NEW, restart asperaredissentinel, wait for SENTINEL CKQUORUM OK',
] as const;

export function rotationSteps(primarySet: string): Record<Stage, string> {
  return {
    'overlap': 'every Redis and Sentinel: ACL SETUSER default >NEW (both passwords accepted from here on)',
    'clients': `every Redis: CONFIG SET masterauth NEW; every Sentinel: SENTINEL SET ${primarySet} auth-pass NEW and SENTINEL CONFIG SET sentinel-pass NEW`,
    'keystores': 'one node at a time: askmscli -s redis-password and askmscli -i -u for every HSTS user (password on stdin), restart asperanoded and asperarund, wait until asperanoded answers healthy',
    'redis-files': 'every node: aspera_31415.conf gets requirepass and masterauth NEW (no restart)',
    'retire': 'every Redis: CONFIG SET requirepass NEW; every Redis and Sentinel: ACL SETUSER default resetpass >NEW (the old password is refused from here on)',
    'sentinel-files': `one node at a time: sentinel_41415.conf gets requirepass and auth-pass NEW, restart asperaredissentinel, wait for SENTINEL CKQUORUM ${primarySet} OK`,
  };
}

/**
 * `hsts-cluster rotate-password`: the Redis password changes with no moment where a running
 * component holds a password another refuses. Redis's default user accepts both passwords (ACL)
 * while every client moves to the new one; only then is the old one retired. A failure or Ctrl-C
 * runs the stages reached the other way, back to the old password.
 */
export async function runRotate(inventory: Inventory, options: RotateOptions): Promise<RotateResult> {
  return runProcedure('rotate-password', inventory, options, (run) => new Rotation(run, options));
}

class Rotation {
  readonly report: Omit<RotateResult, keyof RunResult> = { steps: [] };
  /** "node path" of each file workLeft found behind the servers: a repair rewrites those only. */
  private readonly behindFiles = new Set<string>();
  /** The salt of the records written for each password (forward, and back on a rollback). */
  private readonly salts = new Map<Secret, Buffer>();
  private readonly cluster: Inventory['cluster'];
  private readonly forward: PasswordPair;
  private readonly nodeApi = new NodeApiAddresses((node, command) => this.sh(node as ClusterNode, command));

  constructor(private readonly run: Run, private readonly options: RotateOptions) {
    this.cluster = run.inventory.cluster;
    this.forward = { to: options.newPassword, from: this.cluster.redisPassword };
  }

  async execute(): Promise<void> {
    const accepted = await this.preflight();
    if (!accepted) return;
    const steps = rotationSteps(this.cluster.primarySet);
    this.report.steps = STAGES.map((s) => steps[s]);
    const work = await this.workLeft(accepted);
    if (work === 'refused') return;
    if (work === 'none') {
      this.report.unchanged = true;
      this.report.steps = [];
      return;
    }
    if (work === 'files') {
      this.report.steps = [...FILE_REPAIR_STEPS];
      if (this.options.mode === 'apply') await this.repairFiles();
      return;
    }
    if (this.options.mode === 'plan') return;
    let reached: Stage | undefined;
    try {
      for (const stage of STAGES) {
        throwIfInterrupted(this.options.abort);
        reached = stage;
        await this.stage(stage, this.forward);
        this.run.journal.write({ event: 'rotate-password', result: `${stage} done` });
      }
      for (const node of this.run.inventory.nodes) {
        this.run.nodeChanged(node.name);
        this.run.recap(node.name).changes.push({ step: 'rotate-password', summary: 'Redis password rotated (Redis, Sentinel, askmscli, keystores, files)' });
      }
      await this.removeOldPasswordSnapshots();
    } catch (e) {
      this.run.errors.push((e as Error).message);
      this.report.reached = reached;
      // Interrupted before the first stage began: nothing was changed, so nothing is put back.
      if (reached !== undefined) await this.rollback(reached);
    }
  }

  // ---- pre-flight (read-only) ----

  /** What each node's Redis and Sentinel accept, once every one answers to one of the passwords with Redis 6.2 or later. */
  private async preflight(): Promise<Accepted[] | null> {
    const nodes = this.run.inventory.nodes;
    const endpoints = nodes.flatMap((n) => [{ node: n, endpoint: this.redis(n), what: 'Redis' }, { node: n, endpoint: this.sentinel(n), what: 'Sentinel' }]);
    const answers = await Promise.all(endpoints.map(async ({ node, endpoint, what }) => {
      const [accepted, version] = await Promise.all([
        this.sh(node, acceptedPasswords(endpoint, this.forward)),
        this.sh(node, serverVersion(endpoint, this.forward)),
      ]);
      return { node, what, accepted: parseAccepted(accepted.output), version: parseVersion(version.output) };
    }));
    const problems: string[] = [];
    for (const a of answers) {
      if (a.accepted === 'neither') problems.push(`${a.node.name}'s ${a.what} accepts neither the inventory's password nor the new one`);
      else if (!a.version) problems.push(`${a.node.name}'s ${a.what} did not say its version`);
      else if (versionTooOld(a.version)) {
        problems.push(`${a.node.name}'s ${a.what} is version ${a.version.join('.')}: a rotation without downtime needs ${MINIMUM_VERSION.join('.')} or later ` +
          '(several passwords for the default user, Sentinel ACL and sentinel-pass); see docs/rotate-password.md, "Redis versions", for older versions');
      }
    }
    if (problems.length > 0) {
      this.run.errors.push(`pre-flight: ${problems.join('; ')}; nothing was changed`);
      this.run.emit({ event: 'preflight-failed', problems });
      return null;
    }
    return answers.map((a) => a.accepted);
  }

  /**
   * Nothing to do ('none') when the new password is the only one every Redis and Sentinel accepts,
   * askmscli's stores hold it, and both files on every node hold it in every password directive (a
   * rotation whose rollback failed in its last stages can leave a file behind the servers: that is
   * work left, and `report.behind` says which). A file that cannot be read refuses the run.
   */
  private async workLeft(accepted: Accepted[]): Promise<'none' | 'rotation' | 'files' | 'refused'> {
    const onlyNew = accepted.every((a) => a === 'to') ||
      (this.forward.to.reveal() === this.forward.from.reveal() && accepted.every((a) => a === 'both'));
    if (!onlyNew) return 'rotation';
    const records = await Promise.all(this.run.inventory.nodes.map(async (n) => {
      const r = await this.sh(n, inStateDir({ label: `cat ${STORE_RECORD}`, code: `[ -f ${STORE_RECORD} ] && [ ! -L ${STORE_RECORD} ] && head -c 4096 ${STORE_RECORD}; true` }, 'read'));
      return recordState(Buffer.from(r.output), this.forward.to.reveal()) === 'matches';
    }));
    if (!records.every(Boolean)) return 'rotation';
    const perNode = await Promise.all(this.run.inventory.nodes.map(async (n) => ({ node: n.name, files: await this.filesBehind(n) })));
    for (const { node, files } of perNode) for (const f of files) if (f.problems.length > 0) this.behindFiles.add(`${node} ${f.path}`);
    const behind = perNode.flatMap((p) => p.files.flatMap((f) => f.problems));
    if (behind.length === 0) return 'none';
    const unreadable = behind.filter((p) => p.endsWith(UNREADABLE));
    if (unreadable.length > 0) {
      // The file stages would fail on it and roll every server back: say so before changing anything.
      this.run.errors.push(`pre-flight: ${unreadable.join('; ')}; nothing was changed`);
      this.run.emit({ event: 'preflight-failed', problems: unreadable });
      return 'refused';
    }
    this.report.behind = behind;
    this.run.journal.write({ event: 'rotate-password', result: 'servers and askmscli hold the new password, files do not', problems: behind });
    return 'files';
  }

  /**
   * Only files are behind: the servers, Sentinels and keystores already hold the new password only,
   * so only the files found behind are rewritten, and only a Sentinel whose file was is restarted
   * (one at a time, quorum awaited). Nothing is rolled back on a failure: the files held a password the
   * servers refuse, and putting that back would help no one; a rerun picks up where this stopped.
   */
  private async repairFiles(): Promise<void> {
    const pair = this.forward;
    let node: ClusterNode | undefined;
    const changed = new Set<string>();
    try {
      // A file is rewritten only when a password directive is behind: Sentinel's own quoting of a
      // file that holds the new password already must not cost a restart.
      const behind = (n: ClusterNode, path: string) => this.behindFiles.has(`${n.name} ${path}`);
      await Promise.all(this.run.inventory.nodes.filter((n) => behind(n, HSTS.redisConf)).map(async (n) => {
        if (await this.rewrite(n, HSTS.redisConf, (text) => redisConfWithPassword(text, pair.to.reveal(), pair.from.reveal()))) changed.add(n.name);
      }));
      for (node of this.run.inventory.nodes.filter((n) => behind(n, HSTS.sentinelConf))) {
        throwIfInterrupted(this.options.abort);
        if (await this.sentinelFile(node, pair, 'when-changed')) changed.add(node.name);
      }
      node = undefined;
    } catch (e) {
      const message = (e as Error).message;
      if (node) this.fail(node, message);
      this.run.errors.push(`${node ? '' : `${message}; `}the files behind were being brought to the new password (the servers already hold it only); ` +
        'nothing was rolled back: run rotate-password again with the new password to finish');
    }
    for (const n of this.run.inventory.nodes) {
      const recap = this.run.recap(n.name);
      if (recap.status === 'failed' || !changed.has(n.name)) continue;
      this.run.nodeChanged(n.name);
      recap.changes.push({ step: 'rotate-password', summary: 'password files brought to the new password (servers held it already)' });
    }
    this.run.journal.write({ event: 'rotate-password', result: `files repaired on ${[...changed].join(', ') || 'no node'}` });
  }

  /** What keeps each of the node's two files from holding the new password only, by directive name. */
  private async filesBehind(node: ClusterNode): Promise<{ path: string; problems: string[] }[]> {
    const [to, from] = [this.forward.to.reveal(), this.forward.from.reveal()];
    const files = [{ file: 'redis', path: HSTS.redisConf }, { file: 'sentinel', path: HSTS.sentinelConf }] as const;
    return Promise.all(files.map(async ({ file, path }) => {
      const read = parseSafeRead((await this.sh(node, { label: `read ${path}`, code: safeReadCode(path) })).output);
      const problems = passwordFileProblems(file, read.state === 'read' ? read.content.toString('utf8') : null, this.cluster.primarySet, to, from);
      return { path, problems: problems.map((p) => `${node.name}: ${basename(path)}: ${p}`) };
    }));
  }

  // ---- the stages (the rollback runs them with the pair reversed) ----

  private async stage(stage: Stage, pair: PasswordPair): Promise<void> {
    const nodes = this.run.inventory.nodes;
    const set = this.cluster.primarySet;
    const everywhere = (build: (n: ClusterNode) => RemoteCommand[]) => Promise.all(nodes.map((n) => this.mustAll(n, build(n))));
    switch (stage) {
      case 'overlap':
        await everywhere((n) => [addPassword(this.redis(n), pair), addPassword(this.sentinel(n), pair)]);
        return;
      case 'clients':
        await everywhere((n) => [setMasterauth(this.redis(n), pair), setSentinelAuthPass(this.sentinel(n), set, pair), setSentinelPass(this.sentinel(n), pair)]);
        return;
      case 'keystores':
        for (const n of nodes) await this.keystores(n, pair.to);
        return;
      case 'redis-files':
        await Promise.all(nodes.map((n) => this.rewrite(n, HSTS.redisConf, (text) => redisConfWithPassword(text, pair.to.reveal(), pair.from.reveal()))));
        return;
      case 'retire':
        // CONFIG SET keeps what CONFIG GET and a CONFIG REWRITE say; Redis skips it when the value is
        // unchanged (a rollback's), so the ACL reset is what makes the password the only one.
        await everywhere((n) => [setRequirepass(this.redis(n), pair), onlyPassword(this.redis(n), pair), onlyPassword(this.sentinel(n), pair)]);
        return;
      case 'sentinel-files':
        for (const n of nodes) await this.sentinelFile(n, pair);
        return;
    }
  }

  /** askmscli's store and every HSTS user's keystore hold `password`; asperanoded and asperarund restarted and healthy. */
  private async keystores(node: ClusterNode, password: Secret): Promise<void> {
    // One salt for every record of this pass, on every node (as `up` does): the next run checks the
    // whole cluster's records with one scrypt instead of one per node (~0.1 s of CPU each).
    const salt = this.salts.get(password) ?? newSalt();
    this.salts.set(password, salt);
    const record = (path: string) => inStateDir(writeFileCommand({ path, content: renderRecord(password.reveal(), salt), owner: 'root', group: 'root', mode: '600' }));
    const users = hstsUsers(this.run.inventory);
    await this.mustAll(node, [
      storeRedisPassword(password),
      record(STORE_RECORD),
      ...users.flatMap((u) => [initKeystore(u), record(keystoreRecordPath(u))]),
      systemctl('restart', 'asperanoded'),
      systemctl('restart', 'asperarund'),
      waitForNoded(this.cluster.nodedUser, { timeoutMs: 60_000, intervalMs: 500 }, await this.nodeApi.of(node)),
    ], 120_000);
  }

  /**
   * The node's Sentinel file rewritten for `pair`, Sentinel restarted and quorum awaited. `restart`
   * 'when-changed' (a repair) leaves a Sentinel whose file needed nothing alone. True when written.
   */
  private async sentinelFile(node: ClusterNode, pair: PasswordPair, restart: 'always' | 'when-changed' = 'always'): Promise<boolean> {
    const set = this.cluster.primarySet;
    const written = await this.rewrite(node, HSTS.sentinelConf, (text) => sentinelConfWithPassword(text, set, pair.to.reveal(), pair.from.reveal()),
      [systemctl('restart', 'asperaredissentinel')], restart === 'when-changed');
    if (!written && restart === 'when-changed') return false;
    const quorum = await waitUntil(() => this.sh(node, sentinelQuorum(this.sentinel(node), set, pair)), (r) => r.ok, { timeoutMs: 90_000, intervalMs: 500 });
    if (!quorum.ok) throw new Error(`${node.name}: the restarted Sentinel did not reach quorum within 90 s: ${quorum.value.output.trim()}`);
    return written;
  }

  /**
   * The file edited by `edit` and written back with its owner and mode (the same batch runs `then`,
   * or, with `thenOnlyIfWritten`, only when the file changed). True when the file was written.
   */
  private async rewrite(node: ClusterNode, path: string, edit: (text: string) => string, then: RemoteCommand[] = [], thenOnlyIfWritten = false): Promise<boolean> {
    // The directory is the noded user's: read as remote/safe-files.ts does, a symlink or FIFO refused.
    const read = parseSafeRead((await this.sh(node, { label: `stat and read ${path}`, code: safeReadCode(path) })).output);
    if (read.state !== 'read') throw new Error(`${node.name}: cannot read ${path}: ${read.state === 'absent' ? 'it is missing' : `refused: ${read.reason}`}`);
    const text = read.content.toString('utf8');
    const content = edit(text);
    const write = content === text ? [] : [writeFileCommand({ path, content, owner: read.owner, group: read.group, mode: read.mode })];
    await this.mustAll(node, [...write, ...(thenOnlyIfWritten && write.length === 0 ? [] : then)]);
    return write.length > 0;
  }

  /**
   * The finished runs before this one whose snapshots hold the Redis or Sentinel file, and so the
   * old password, are removed on every node (an unfinished one is kept for `rollback`, and named).
   */
  private async removeOldPasswordSnapshots(): Promise<void> {
    await Promise.all(this.run.inventory.nodes.map(async (node) => {
      const r = await this.run.session(node.name).run([listRunsCommand(), runsHoldingPasswordsCommand()], 'run-all').catch(() => null);
      if (!r || r.results.some((x) => x.exitCode !== 0)) {
        this.run.warnings.push(`${node.name}: could not list the snapshots that hold the old password; remove them from ${HSTS.stateDir}/runs by hand`);
        return;
      }
      const runs = parseRunList(r.results[0]!.output);
      const holding = new Set(parseRunList(r.results[1]!.output.split('\n').map((run) => `${run} done`).join('\n')).keys());
      const remove = runsWithOldPassword(runs, holding, this.run.id);
      const kept = [...holding].filter((run) => !remove.includes(run) && runs.has(run) && run < this.run.id);
      if (kept.length > 0) this.run.warnings.push(`${node.name}: unfinished run(s) ${kept.join(', ')} keep snapshots with the old password`);
      if (remove.length === 0) return;
      const removed = await this.sh(node, removeRunsCommand(remove));
      if (!removed.ok) this.run.warnings.push(`${node.name}: could not remove the snapshots that hold the old password: ${removed.output.trim()}`);
      else this.run.journal.write({ event: 'rotate-password', result: `${node.name}: removed ${remove.length} run(s) whose snapshots held the old password` });
    }));
  }

  // ---- rollback ----

  /** The stages up to `reached`, with the passwords reversed: the old one is the only one again, everywhere. */
  private async rollback(reached: Stage): Promise<void> {
    const back: PasswordPair = { to: this.forward.from, from: this.forward.to };
    this.run.emit({ event: 'rollback-start', nodes: this.run.inventory.nodes.map((n) => n.name) });
    const upTo = STAGES.indexOf(reached);
    // 'retire' always runs: an overlap begun, even by a command whose reply was lost, must end.
    const stages = STAGES.filter((s, i) => i <= upTo || s === 'retire');
    for (const stage of stages) {
      try {
        await this.stage(stage, back);
      } catch (e) {
        for (const node of this.run.inventory.nodes) {
          this.run.nodeRollbackFailed(node.name, `rollback stage ${stage} failed`);
        }
        this.run.errors.push(`rollback to the old password failed at ${stage}: ${(e as Error).message}; run rotate-password again with the new password to finish, or with the old one (as --new-password-*) to go back`);
        return;
      }
    }
    for (const node of this.run.inventory.nodes) {
      if (this.run.recap(node.name).status !== 'failed') this.run.nodeRolledBack(node.name);
    }
    this.run.journal.write({ event: 'rotate-password', result: 'rolled back to the old password' });
  }

  // ---- helpers ----

  private fail(node: ClusterNode, message: string): void {
    this.run.nodeFailed(node.name, message);
    this.run.errors.push(`${node.name}: ${message}`);
  }

  private async sh(node: ClusterNode, command: RemoteCommand, timeoutMs?: number): Promise<{ ok: boolean; output: string }> {
    const r = await this.run.session(node.name).run([command], 'run-all', timeoutMs).catch((e: Error) => ({ results: [], failure: { output: e.message } }));
    const result = r.results[0];
    return { ok: result?.exitCode === 0, output: result?.output ?? r.failure?.output ?? '' };
  }

  /** The commands in one batch, stopping at the first that fails (an Error naming it). */
  private async mustAll(node: ClusterNode, commands: RemoteCommand[], timeoutMs?: number): Promise<void> {
    if (commands.length === 0) return;
    const r = await this.run.session(node.name).run(commands, 'stop-on-error', timeoutMs);
    if (r.failure) throw new Error(`${node.name}: ${r.failure.label} failed: ${r.failure.output.trim()}`);
  }

  private redis(node: ClusterNode): Endpoint {
    return { ip: node.privateIp, port: this.cluster.redisPort, owner: redisOwner(this.cluster.nodedUser) };
  }

  private sentinel(node: ClusterNode): Endpoint {
    return { ip: node.privateIp, port: this.cluster.sentinelPort, owner: sentinelOwner(this.cluster.nodedUser) };
  }
}
