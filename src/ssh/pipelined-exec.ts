import type { Client, ClientChannel } from 'ssh2';
// A static import, so that the bundle carries it: looked up at run time (createRequire), it was not
// found by an installed copy, which ships no node_modules, and every batch lost its pipelining.
import ssh2Channel from 'ssh2/lib/Channel.js';

/**
 * Starting a remote command without waiting for the server's answer to it, as OpenSSH's client does.
 *
 * ssh2's public `Client.exec` opens a session channel, sends the exec request and waits for its
 * reply before handing out the stream: stdin can only follow a round trip later. The SSH protocol
 * (RFC 4254 5.2) lets data follow a channel request at once; sshd handles its messages in order, so
 * the command is running when the data arrives. ssh2 has no public way to do that, nor to open a
 * session channel ahead of its use, so this module uses ssh2 1.x internals (lib/client.js: openChannel
 * and reqExec do exactly this, then wait). They are checked before use: when one is missing (another
 * ssh2 version), `pipelining` answers null and the caller keeps to the public `Client.exec`.
 */

interface ChannelManager { add(value: unknown): number }
interface Protocol {
  session(localId: number, window: number, packetSize: number): void;
  exec(remoteId: number, command: string, wantReply: boolean): void;
}
interface ClientInternals { _chanMgr?: ChannelManager; _protocol?: Protocol }
/** A channel's internals: reply callbacks in request order, and the server's id for the channel. */
interface ChannelInternals {
  _callbacks: ((hadError: boolean | Error) => void)[];
  outgoing: { id: number; state: string };
  incoming: { state: string };
  subtype?: string;
}

/** ssh2's window and packet size for the channels it opens: what it assumes when the open is confirmed. */
function channelSizes(): { window: number; packetSize: number } | null {
  const { MAX_WINDOW, PACKET_SIZE } = ssh2Channel as { MAX_WINDOW?: unknown; PACKET_SIZE?: unknown } | undefined ?? {};
  return typeof MAX_WINDOW === 'number' && typeof PACKET_SIZE === 'number' ? { window: MAX_WINDOW, packetSize: PACKET_SIZE } : null;
}

/** The server answered the exec request with a failure: the command did not start. */
export class ExecRefused extends Error {}

export interface Pipelining {
  /** Opens a session channel: one round trip (the server's id for it), and nothing is run yet. */
  openSession(): Promise<ClientChannel>;
  /**
   * Sends the exec request on an open session channel that has run nothing, and returns at once:
   * the caller writes stdin straight after. Settles with the server's reply: rejects with ExecRefused
   * when the server refused the request (it then drops the data), with an Error when the channel
   * closed first.
   */
  startExec(channel: ClientChannel, command: string): Promise<void>;
}

/** The pipelined way for a connected ssh2 client, or null when this ssh2 lacks an internal it needs. */
export function pipelining(client: Client): Pipelining | null {
  const internals = client as unknown as ClientInternals;
  const manager = internals._chanMgr;
  const protocol = internals._protocol;
  const sizes = channelSizes();
  if (!sizes || typeof manager?.add !== 'function' || typeof protocol?.session !== 'function' || typeof protocol.exec !== 'function') return null;
  return {
    openSession: () => new Promise((resolve, reject) => {
      // ssh2 calls this back with the channel on CHANNEL_OPEN_CONFIRMATION, with an error on a refusal
      // or when the connection ends first; `type` tells it what kind of channel to make.
      const opened = Object.assign((err: Error | undefined, channel: ClientChannel) => (err ? reject(err) : resolve(channel)), { type: 'session' });
      const localId = manager.add(opened);
      if (localId === -1) return reject(new Error('no free channel ids on this connection'));
      try {
        protocol.session(localId, sizes.window, sizes.packetSize);
      } catch (e) {
        reject(e instanceof Error ? e : new Error(String(e)));
      }
    }),
    // `command` is named by no closure: the reply's callback holds no command line for a round trip.
    startExec: (channel, command) => {
      const ch = channel as unknown as ChannelInternals;
      if (!Array.isArray(ch._callbacks) || typeof ch.outgoing?.id !== 'number' || ch.outgoing.state !== 'open') {
        return Promise.reject(new Error('channel is not open'));
      }
      const replied = new Promise<void>((resolve, reject) => {
        ch._callbacks.push((hadError) => {
          if (!hadError) return resolve();
          // ssh2 answers pending requests with an error when the channel closes before their reply.
          reject(ch.incoming.state === 'closed' ? new Error('channel closed before the server answered') : new ExecRefused('the server refused the exec request'));
        });
      });
      ch.subtype = 'exec';
      try {
        protocol.exec(ch.outgoing.id, command, true);
      } catch (e) {
        // Nothing went out: no reply will come for the callback just pushed. The caller closes the channel.
        ch._callbacks.pop();
        return Promise.reject(e instanceof Error ? e : new Error(String(e)));
      }
      return replied;
    },
  };
}
