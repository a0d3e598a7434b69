"""How HSTS reaches its Redis database, following aspera.conf's <server> section.

db_type ha_redis: ask the Sentinels listed in db_host/db_port (same order) for the primary of
db_primaryset, then authenticate with the Redis password read from the running user's keystore
(hstssim.kms: root's rootkeystore.db, any other user's own localkeystore.db). Nothing falls back to
the local Redis when the cluster cannot be reached: the caller gets a DatabaseError saying why, and
a refused password names the keystore it came from and the askmscli command that renews it.
"""
from . import asperaconf, paths, resp
from .kms import KmsError, own_keystore


class DatabaseError(Exception):
    pass


def _split(value):
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def _local_redis_address():
    """bind and port of this node's Redis, from aspera_31415.conf; the defaults for a user who may
    not read that file (it holds the password: a transfer user's ascp, say)."""
    bind, port = "127.0.0.1", paths.STANDALONE_PORT
    try:
        f = open(paths.REDIS_CONF)
    except PermissionError:
        return bind, port
    with f:
        for line in f:
            words = line.split()
            if len(words) >= 2 and words[0].lower() == "bind":
                bind = words[1].strip('"')
            elif len(words) >= 2 and words[0].lower() == "port":
                port = int(words[1].strip('"'))
    return bind, port


def _refused(what, keystore, error):
    return DatabaseError("%s refused the password from the keystore of %s (%s): %s; the keystore is stale (run: %s)"
                         % (what, keystore.user, keystore.path, error, keystore.remedy))


def _authenticated(host, port, keystore):
    try:
        conn = resp.Connection(host, port)
    except OSError as e:
        raise DatabaseError("cannot connect to Redis at %s:%s: %s" % (host, port, e.strerror or e))
    try:
        conn.call("AUTH", keystore.password)
    except resp.RedisError as e:
        conn.close()
        raise _refused("Redis at %s:%s" % (host, port), keystore, e)
    return conn


def _ask_sentinels(hosts, ports, name, keystore):
    problems = []
    for host, port in zip(hosts, ports):
        try:
            with resp.Connection(host, int(port), timeout=1.0) as sentinel:
                try:
                    sentinel.call("AUTH", keystore.password)
                except resp.RedisError as e:
                    raise _refused("the Sentinel at %s:%s" % (host, port), keystore, e)
                reply = sentinel.call("SENTINEL", "get-master-addr-by-name", name)
        except (OSError, resp.RedisError) as e:
            problems.append("%s:%s (%s)" % (host, port, getattr(e, "strerror", None) or e))
            continue
        if not reply:
            problems.append("%s:%s (knows no primary named '%s')" % (host, port, name))
            continue
        return reply[0], int(reply[1])
    raise DatabaseError("no Sentinel named a primary for '%s': %s" % (name, "; ".join(problems)))


def settings():
    data = asperaconf.server_data()
    return {
        "type": data.get("db_type", "redis") or "redis",
        "hosts": _split(data.get("db_host")),
        "ports": _split(data.get("db_port")),
        "primaryset": data.get("db_primaryset") or paths.DEFAULT_PRIMARY_SET,
    }


def connect(for_write=True):
    """A connection to the database: the primary for writes; the local instance for reads."""
    try:
        keystore = own_keystore()
    except KmsError as e:
        raise DatabaseError(str(e))
    conf = settings()
    if conf["type"] != "ha_redis":
        host, port = _local_redis_address()
        return _authenticated(host, port, keystore)
    if not conf["hosts"] or len(conf["hosts"]) != len(conf["ports"]):
        raise DatabaseError("aspera.conf: db_host and db_port must list the same number of Sentinels")
    host, port = _ask_sentinels(conf["hosts"], conf["ports"], conf["primaryset"], keystore)
    if not for_write:
        local = _read_from_local_replica(keystore, host)
        if local is not None:
            return local
    conn = _authenticated(host, port, keystore)
    role = conn.call("ROLE")
    if not role or role[0] != "master":
        conn.close()
        raise DatabaseError("the Sentinels name %s:%s as primary, but it is a %s" % (host, port, role and role[0]))
    return conn


def _read_from_local_replica(keystore, primary_host):
    """The local Redis when it is an in-sync replica of the named primary, else None."""
    host, port = _local_redis_address()
    if host == primary_host:
        return None
    try:
        conn = _authenticated(host, port, keystore)
    except DatabaseError:
        return None
    info = resp.parse_info(conn.call("INFO", "replication"))
    if info.get("role") == "slave" and info.get("master_link_status") == "up":
        return conn
    conn.close()
    return None
