import type { Client, ClientChannel } from 'ssh2';
import { pipelining, type Pipelining } from './pipelined-exec.js';

/** A command's channel once its exec request is on its way: stdin may be written at once. */
export interface StartedCommand {
  channel: ClientChannel;
  /** Settles with the server's answer to the exec request (rejects: refused, or the channel closed). */
  replied: Promise<void>;
}

/**
 * Pauses before opening again a session channel the server refused (see openOnDemand): 3.5 s in
 * all, since a busy sshd took longer than the first three (0.5 s) to free a session that had ended.
 */
const REFUSED_OPEN_RETRIES_MS = [20, 100, 400, 1000, 2000];

/**
 * Where one connection's commands get their session channels. With pipelining, one channel is kept
 * open ahead (the spare): a command then costs the exec round trip only, instead of open + exec +
 * stdin. Each command takes the spare and a new one is opened behind it; a spare the server refuses
 * (MaxSessions, policy) or closes costs nothing but an open on demand, as without a spare.
 * Without pipelining (an ssh2 whose internals differ), ssh2's public Client.exec.
 */
export class SessionChannels {
  private readonly pipe: Pipelining | null;
  private spare: Promise<ClientChannel> | null = null;
  private closed = false;

  constructor(private readonly client: Client) {
    this.pipe = pipelining(client);
    this.refill();
  }

  /** Whether commands go out pipelined (false: ssh2's public exec, which waits for each reply). */
  get pipelined(): boolean {
    return this.pipe !== null;
  }

  /** Starts `command` on a channel; not at all when `cancelled` (its caller timed out) before the channel came. */
  async start(command: string, cancelled: () => boolean = () => false): Promise<StartedCommand> {
    const pipe = this.pipe;
    if (!pipe) return this.startPublic(command);
    const spare = this.spare;
    this.spare = null;
    let channel = spare ? await spare.then((c) => (c.writable ? c : null), () => null) : null;
    // Opened on demand before the next spare is asked for: when the server allows one more session
    // only, it goes to the command.
    channel ??= await this.openOnDemand(pipe);
    this.refill();
    if (cancelled()) {
      channel.close();
      throw new Error('cancelled before its channel was open');
    }
    return { channel, replied: pipe.startExec(channel, command) };
  }

  /** Closes the spare; later starts fail as the connection's do. */
  close(): void {
    this.closed = true;
    const spare = this.spare;
    this.spare = null;
    void spare?.then((c) => c.close(), () => undefined);
  }

  /**
   * sshd frees a session one turn of its loop after the channel's close, so an open sent right after
   * a command ended can be refused at MaxSessions: a refusal (an open failure with a reason code, not
   * a lost connection) is tried again a few times, as nothing ran.
   */
  private async openOnDemand(pipe: Pipelining): Promise<ClientChannel> {
    for (const pauseMs of REFUSED_OPEN_RETRIES_MS) {
      // ssh2 never answers an open sent after the connection's end: it would wait for the timeout.
      if (this.closed) throw new Error('connection closed');
      try {
        return await pipe.openSession();
      } catch (e) {
        if (typeof (e as { reason?: unknown }).reason !== 'number' || this.closed) throw e;
        await new Promise((r) => setTimeout(r, pauseMs));
      }
    }
    if (this.closed) throw new Error('connection closed');
    return pipe.openSession();
  }

  private refill(): void {
    if (!this.pipe || this.closed) return;
    const opening = this.pipe.openSession();
    this.spare = opening;
    opening.then(
      (channel) => {
        // A spare the server closes (or the connection's end closes) is not handed out.
        channel.once('close', () => { if (this.spare === opening) this.spare = null; });
        if (this.closed) channel.close();
      },
      // Refused or cut: whoever takes it opens a channel on demand instead.
      () => { if (this.spare === opening) this.spare = null; },
    );
  }

  private startPublic(command: string): Promise<StartedCommand> {
    return new Promise((resolve, reject) => {
      try {
        this.client.exec(command, (err, channel) => (err ? reject(err) : resolve({ channel, replied: Promise.resolve() })));
      } catch (e) {
        reject(e instanceof Error ? e : new Error(String(e)));
      }
    });
  }
}
