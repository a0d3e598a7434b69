// ssh2 ships no types for its internal modules; pipelined-exec.ts reads two constants of this one.
declare module 'ssh2/lib/Channel.js' {
  const channel: { MAX_WINDOW?: unknown; PACKET_SIZE?: unknown };
  export default channel;
}
