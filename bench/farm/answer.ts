/**
 * One simulated node: answers each command it is sent with what the recorded rig node of the same
 * role answered the same command the same time. "The same command" is the code's key (addresses
 * as tokens, lists of nodes collapsed: tokens.ts); "the same time" is its occurrence: the k-th time
 * a node is asked a command it answers the k-th recorded answer (the last one after that). So a
 * cold node answers its facts as a fresh node did, then the apply batches, then its checks as a
 * configured node did.
 */
import { renderRecord } from '../../src/hsts/askms-record.js';
import { unredactInput } from '../recording.js';
import type { Answer } from './script.js';
import { PASSWORD_DIGEST, type RecordedCommand, type RecordedNode } from './recording-file.js';
import { commandKey, render, tokenise, type NodeView } from './tokens.js';

export type AnswerTable = Map<string, RecordedCommand[]>;

/**
 * The exit code of a command the recording has no answer for: not 127, which a real node gives for
 * a missing program, so that the run's journal tells these commands (and their labels) apart.
 */
export const UNANSWERED_EXIT = 250;

/** A recorded node's answers by command key, each key's answers in the order they were given. */
export function answerTable(node: RecordedNode): AnswerTable {
  const table: AnswerTable = new Map();
  for (const batch of node.batches) {
    for (const command of batch) {
      if (command.exitCode === undefined) continue;
      const key = commandKey(command.code);
      table.set(key, [...(table.get(key) ?? []), command]);
    }
  }
  return table;
}

export interface FarmNodeOptions {
  table: AnswerTable;
  recorded: { nodes: number; self: number; primary: number };
  view: NodeView;
  ipIndex: Map<string, number>;
  secrets: Map<string, string>;
  /** SHA-256 (hex) of the farm's password. */
  passwordDigest: string;
  /** Every command key asked, and those the recording could not answer (shared by a worker's nodes). */
  seen: { asked: Set<string>; unanswered: Set<string> };
}

export class FarmNode {
  private readonly asked = new Map<string, number>();

  constructor(private readonly o: FarmNodeOptions) {}

  answer(code: string): Answer {
    const key = commandKey(tokenise(code, this.o.view, this.o.ipIndex));
    this.o.seen.asked.add(key);
    const answers = this.o.table.get(key);
    if (!answers) {
      this.o.seen.unanswered.add(key);
      return { exitCode: UNANSWERED_EXIT, ms: 0, output: `farm: the recording has no answer for this command (stale: record again):\n${code.slice(0, 400)}` };
    }
    const n = this.asked.get(key) ?? 0;
    this.asked.set(key, n + 1);
    const recorded = answers[Math.min(n, answers.length - 1)]!;
    return { exitCode: recorded.exitCode!, ms: recorded.ms ?? 0, output: this.output(recorded) };
  }

  private output(recorded: RecordedCommand): string {
    const rendered = render(recorded.output ?? '', this.o.recorded, this.o.view).split(PASSWORD_DIGEST).join(this.o.passwordDigest);
    const text = unredactInput(Buffer.from(rendered), this.o.secrets).toString();
    if (!recorded.file) return text;
    const newline = text.indexOf('\n');
    let content = text.slice(newline + 1);
    // hsts-cluster's askmscli records are salted hashes of the rig's password: made again for the farm's.
    if (content.startsWith('{"kdf":"scrypt"')) {
      const salt = (JSON.parse(content) as { salt: string }).salt;
      content = renderRecord(this.o.secrets.get('redis-password')!, Buffer.from(salt, 'base64'));
    }
    return `${text.slice(0, newline)}\n${Buffer.from(content).toString('base64')}`;
  }
}
