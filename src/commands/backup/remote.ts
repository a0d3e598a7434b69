/**
 * The remote commands of `backup` and `restore`: a BGSAVE waited for, a file read as base64, and a
 * dataset loaded into the running primary (its replicas follow through replication).
 */
import { HSTS } from '../../hsts/paths.js';
import { asredisCode, passwordInput, type RedisTarget } from '../../remote/redis-cli.js';
import { pollUntil } from '../../remote/waits.js';
import type { RemoteCommand } from '../../ssh/remote-script.js';
import { shq } from '../../ssh/shell.js';
import { CONFIG_MAX_BYTES, OPEN_FUNCTION } from '../../remote/safe-files.js';
import { rdbHere, rdbPlaceCheck } from '../../runner/redis-data.js';

const info = (target: RedisTarget, field: string) => `$(${asredisCode(target, ['INFO', 'persistence'])} | tr -d '\\r' | sed -n 's/^${field}://p')`;

/**
 * BGSAVE, waited for (bounded) until a save that started after it ended well; prints the file's bytes
 * as base64 on the last line. `rdb` is the file the running Redis writes.
 */
export function bgsaveAndRead(target: RedisTarget, rdb: string, timeoutMs: number, nodedUser: string): RemoteCommand {
  return {
    label: `asredis -h ${target.ip} -p ${target.port} BGSAVE, wait until it ended, then read ${rdb}`,
    code: [
      // The RDB's place comes from a file the noded user writes: read only where that user writes it.
      rdbPlaceCheck(rdb, nodedUser),
      `saves=${info(target, 'rdb_saves')}`,
      '[ -n "$saves" ] || { echo "INFO persistence has no rdb_saves (Redis 7.0 or later is needed)"; exit 1; }',
      // SCHEDULE: when Redis is already saving (its own save points), ours follows instead of failing.
      `out=$(${asredisCode(target, ['BGSAVE', 'SCHEDULE'])})`,
      'case "$out" in *started*|*scheduled*) ;; *) echo "BGSAVE: $out"; exit 1 ;; esac',
      pollUntil({
        condition: `last="saves=${info(target, 'rdb_saves')} in_progress=${info(target, 'rdb_bgsave_in_progress')}"; [ "\${last#saves=}" != "$saves in_progress=0" ] && case "$last" in *in_progress=0) true ;; *) false ;; esac`,
        timeoutMs, intervalMs: 200, message: `BGSAVE did not end within ${timeoutMs / 1000} s`,
      }),
      `status=${info(target, 'rdb_last_bgsave_status')}`,
      '[ "$status" = ok ] || { echo "BGSAVE failed: rdb_last_bgsave_status:$status"; exit 1; }',
      OPEN_FUNCTION,
      // rdbPlaceCheck left the shell in the RDB's directory: the file is opened there, and must be the noded user's.
      `__open ${shq(rdbHere(rdb))} '' || { echo ${shq(`refused ${rdb}`)}": $why"; exit 1; }`,
      `set -- $m; [ "$1" = ${shq(nodedUser)} ] || { echo ${shq(`refused ${rdb}: owned by `)}"$1"; exit 1; }`,
      'base64 -w0 <&3; echo',
    ].join('\n'),
    inputs: passwordInput(target),
  };
}

/**
 * A file's bytes as base64 (empty output: the file is absent), read as remote/safe-files.ts reads:
 * a link, a FIFO, a device or a file over CONFIG_MAX_BYTES is refused, by name.
 */
export function readFileBase64(path: string): RemoteCommand {
  return {
    label: `read ${path}`,
    code: [
      OPEN_FUNCTION,
      `f=${shq(path)}`,
      `if [ -e "$f" ] || [ -L "$f" ]; then __open "$f" ${CONFIG_MAX_BYTES} || { echo "refused $f: $why"; exit 1; }; head -c ${CONFIG_MAX_BYTES} <&3 | base64 -w0; fi; echo`,
    ].join('\n'),
  };
}

/**
 * Puts a dataset into the running primary: the RDB is loaded by a private Redis of the same binary
 * (a Unix socket, no port), the primary is flushed and every key is copied into it with MIGRATE ...
 * COPY REPLACE, database by database; its replicas receive all of it through replication. Ends with
 * each database's key count compared. The password reaches MIGRATE on redis-cli's stdin, never in
 * argv. The private Redis parses a file from outside the cluster: it runs as `runAs` (the noded user,
 * never uid 0) with `sanitize-dump-payload yes`, in a directory of its own inside a root-owned one
 * under /var/tmp (sticky: nobody else can rename either). Root puts the RDB there before handing the
 * directory over (the RDB given to `runAs` first), then reaches the socket, the log and the pid file
 * only as `runAs`, keeps its own scratch files in a root-only directory beside it, and removes the
 * whole tree (rm -rf follows no link).
 */
export function loadDataset(target: RedisTarget, rdb: Buffer, timeoutMs: number, runAs: string): RemoteCommand {
  const sock = '"$tmp/sock"';
  // Bounded: what the noded user controls (the pid file, the log) may be a FIFO that never answers.
  const asUser = 'timeout 10 runuser -u "$u" --';
  // The socket's name is in the noded user's directory: root never connects to it (a link swapped in
  // would lead root's client to any socket of the node); the noded user's own client does.
  const client = (seconds: number) => `timeout ${seconds} runuser -u "$u" -- ${HSTS.asredis} -s ${sock}`;
  const local = (args: string) => `${client(30)} ${args}`;
  return {
    label: `load the backup's dataset into ${target.ip}:${target.port} (FLUSHALL, then MIGRATE every key from a private Redis holding the backup, run as ${runAs})`,
    code: [
      'srv=$(systemctl show -p ExecStart --value asperaredisd | sed -n "s/.*path=\\([^ ;]*\\).*/\\1/p")',
      '[ -x "$srv" ] || { echo "cannot find the Redis server asperaredisd runs ($srv)"; exit 1; }',
      `u=${shq(runAs)}`,
      'uid=$(id -u "$u" 2>/dev/null) && [ "$uid" != 0 ] || { echo "the private Redis must run as an account other than root: $u has uid ${uid:-none}"; exit 1; }',
      'outer=$(mktemp -d /var/tmp/hsts-cluster-restore.XXXXXX) && chmod 711 "$outer" || exit 1',
      'tmp="$outer/redis"',
      `trap '${client(10)} SHUTDOWN NOSAVE >/dev/null 2>&1; rm -rf "$outer"' EXIT`,
      // Root's own scratch files (the key lists) stay in a root-only directory beside it. The RDB is
      // the noded user's before its directory is: no root-owned file of the backup's bytes is ever
      // where that user could rename it (into a place root later trusts for root's files).
      'work="$outer/work"; mkdir -m 700 "$work" "$tmp" && install -o "$u" -m 600 "$IN/rdb" "$tmp/dump.rdb" && chown "$u" "$tmp" || exit 1',
      `${asUser} "$srv" --port 0 --unixsocket "$tmp/sock" --unixsocketperm 700 --dir "$tmp" --dbfilename dump.rdb --save '' --appendonly no --sanitize-dump-payload yes --daemonize yes --pidfile "$tmp/pid" --logfile "$tmp/log" || { ${asUser} tail -c 2000 "$tmp/log"; exit 1; }`,
      // A private Redis that exits (an RDB it cannot load) ends the wait at once, with its log.
      pollUntil({ condition: `{ pid=$(${asUser} head -c 20 "$tmp/pid" 2>/dev/null); case "$pid" in ''|*[!0-9]*) true ;; *) kill -0 "$pid" 2>/dev/null ;; esac || { echo "the private Redis stopped while loading the backup:"; ${asUser} tail -n 5 "$tmp/log"; exit 1; }; }; last=$(${local('INFO persistence')} 2>&1 | tr -d '\\r' | grep '^loading:'); [ "$last" = loading:0 ]`, timeoutMs, intervalMs: 200, message: 'the private Redis did not load the backup' }),
      `dbs=$(${local('INFO keyspace')} | tr -d '\\r' | sed -n 's/^db\\([0-9]*\\):keys=\\([0-9]*\\).*/\\1:\\2/p')`,
      `out=$(${asredisCode(target, ['FLUSHALL'], { timeoutS: 120 })}); [ "$out" = OK ] || { echo "FLUSHALL: $out"; exit 1; }`,
      'pw=$(cat "$IN/pw" | sed \'s/\\\\/\\\\\\\\/g; s/"/\\\\"/g\')',
      'for entry in $dbs; do',
      '  db=${entry%%:*}; want=${entry#*:}',
      `  ${local('-n "$db" --scan')} | tr -d '\\r' | while IFS= read -r key; do printf '%s\\n' "$key"; done > "$work/keys"`,
      '  split -l 500 "$work/keys" "$work/batch."',
      '  for batch in "$work"/batch.*; do',
      '    [ -e "$batch" ] || continue',
      `    line="MIGRATE ${target.ip} ${target.port} \\"\\" $db 60000 COPY REPLACE AUTH \\"$pw\\" KEYS"`,
      '    while IFS= read -r key; do k=$(printf \'%s\' "$key" | sed \'s/\\\\/\\\\\\\\/g; s/"/\\\\"/g\'); line="$line \\"$k\\""; done < "$batch"',
      `    out=$(printf '%s\\n' "$line" | ${client(120)} -n "$db" 2>&1 | tr -d '\\r')`,
      '    case "$out" in OK|NOKEY) ;; *) echo "MIGRATE into db $db: $out"; exit 1 ;; esac',
      '    rm -f "$batch"',
      '  done',
      `  got=$(${asredisCode(target, ['-n', '$DB', 'DBSIZE'])})`.replace("'$DB'", '"$db"'),
      '  [ "$got" = "$want" ] || { echo "db $db: $got keys after the restore, the backup has $want (a key name with a newline cannot be copied)"; exit 1; }',
      'done',
      'echo "restored: ${dbs:-no keys}"',
    ].join('\n'),
    inputs: { ...passwordInput(target), rdb },
  };
}
