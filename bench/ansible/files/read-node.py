# Pre-flight checks and what is on the node, in one read-only round trip. Run as
# `python3 -c THIS_TEXT PARAMS_JSON` with the Redis password on stdin (only to ask the running
# Sentinel who the primary is, through asredis with REDISCLI_AUTH in its environment).
# Prints one JSON object. File contents holding the password are never printed; hsts-cluster's
# askmscli records are checked against the password here (scrypt), as hsts-cluster checks them.
import base64
import hashlib
import hmac
import json
import os
import pwd
import re
import shutil
import subprocess
import sys

p = json.loads(sys.argv[1])
password = sys.stdin.read()
ASPERA_CONF = "/opt/aspera/etc/aspera.conf"
REDIS_CONF = "/opt/aspera/etc/redis/aspera_31415.conf"
SENTINEL_CONF = "/opt/aspera/etc/redis/sentinel_41415.conf"
RULES = "/etc/iptables/rules.v4"
RECORDS = "/var/lib/hsts-cluster/askmscli"
SERVICES = ["asperaredisd", "asperaredissentinel", "asperanoded", "asperarund"]


def run(*argv, env=None):
    r = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    return r.returncode, r.stdout


def read(path):
    try:
        with open(path, encoding="utf-8", errors="surrogateescape") as f:
            return f.read()
    except FileNotFoundError:
        return None


def record_state(path):
    """hsts-cluster's askmscli record (src/hsts/askms-record.ts): absent, matches or differs."""
    text = read(path)
    if text is None:
        return "absent"
    try:
        r = json.loads(text)
        if r["kdf"] != "scrypt":
            return "differs"
        got = hashlib.scrypt(password.encode(), salt=base64.b64decode(r["salt"]), n=r["N"], r=r["r"], p=r["p"],
                             maxmem=256 * r["N"] * r["r"], dklen=32)
        return "matches" if hmac.compare_digest(got, base64.b64decode(r["hash"])) else "differs"
    except (ValueError, KeyError, TypeError):
        return "differs"


problems = []
if os.geteuid() != 0:
    problems.append("commands do not run as root (check the become settings)")
if not (os.access("/opt/aspera/bin/asconfigurator", os.X_OK) and os.path.isfile(ASPERA_CONF)):
    problems.append("HSTS is not installed (/opt/aspera/bin/asconfigurator or %s missing)" % ASPERA_CONF)
if not os.path.isfile("/opt/aspera/etc/redis/asperaredissentinel.service"):
    problems.append("/opt/aspera/etc/redis/asperaredissentinel.service is missing (an HSTS version with Redis HA support is needed)")
for user in p["users"]:
    try:
        pwd.getpwnam(user)
    except KeyError:
        problems.append("user %s does not exist (needed for its keystore)" % user)
_, listening = run("ss", "-Htlnp")
for port in p["ports"]:
    holders = set()
    for line in listening.splitlines():
        cols = line.split()
        if len(cols) >= 4 and cols[3].rsplit(":", 1)[-1] == str(port):
            holders.update(re.findall(r'\("([^"]+)"', line))
    holders -= {"redis-server", "redis-sentinel", "redis-check-rdb"}
    if holders:
        problems.append("port %s is in use by %s" % (port, ", ".join(sorted(holders))))
if run("systemctl", "is-active", "--quiet", "firewalld")[0] == 0:
    problems.append("firewalld is active: these rules are iptables rules and would fight it")
if not shutil.which("netfilter-persistent"):
    problems.append("no way to persist iptables rules: install iptables-persistent")
rc, transfers = run("pgrep", "-a", "-x", "ascp")
if rc == 0:
    problems.append("transfers in progress: " + "; ".join(transfers.splitlines()))

_, states = run("systemctl", "is-active", *SERVICES)
active = dict(zip(SERVICES, states.split()))

# aspera.conf <server>: its child elements and their text (as src/hsts/aspera-conf.ts reads them).
server = {}
m = re.search(r"<server>([\s\S]*?)</server>", re.sub(r"<!--[\s\S]*?-->", "", read(ASPERA_CONF) or ""))
if m:
    for e in re.finditer(r"<([A-Za-z_][\w.-]*)\s*(?:/>|>([\s\S]*?)</\1\s*>)", m.group(1)):
        server[e.group(1)] = (e.group(2) or "").strip()

# Directive names present in aspera_31415.conf (not their values: the file holds the password),
# and the replication sync delay it asks for.
redis_text = read(REDIS_CONF)
redis_keys, sync_delay = [], "5"
for line in (redis_text or "").splitlines():
    words = line.split()
    if not words or words[0].startswith("#"):
        continue
    key = words[0].lower()
    redis_keys.append("replicaof" if key == "slaveof" else key)
    if key == "repl-diskless-sync-delay" and len(words) > 1:
        sync_delay = words[1].strip('"')

monitor = None
for line in (read(SENTINEL_CONF) or "").splitlines():
    words = line.split()
    if len(words) >= 5 and words[0].lower() == "sentinel" and words[1].lower() == "monitor" and words[2] == p["primary_set"]:
        monitor = [words[3].strip('"'), words[4].strip('"')]

# Who the running Sentinel names as primary: [ip, port], or null when it does not answer.
sentinel_primary = None
if active.get("asperaredissentinel") == "active" and password:
    env = dict(os.environ, REDISCLI_AUTH=password)
    rc, out = run("/opt/aspera/bin/asredis", "-h", p["ip"], "-p", str(p["sentinel_port"]),
                  "SENTINEL", "get-master-addr-by-name", p["primary_set"], env=env)
    lines = [l.strip() for l in out.splitlines() if l.strip()]
    if rc == 0 and len(lines) == 2 and lines[1].isdigit():
        sentinel_primary = lines

_, rules = run("iptables", "-w", "5", "-S")
print(json.dumps({
    "problems": problems,
    "active": active,
    "aspera_server": server,
    "records": {name: record_state("%s/%s.json" % (RECORDS, name))
                for name in ["redis-password"] + ["keystore." + u for u in p["users"]]},
    "redis_conf_exists": redis_text is not None,
    "redis_keys": sorted(set(redis_keys)),
    "sync_delay": sync_delay,
    "sentinel_conf_exists": os.path.exists(SENTINEL_CONF),
    "sentinel_unit_shipped": read("/opt/aspera/etc/redis/asperaredissentinel.service"),
    "monitor": monitor,
    "sentinel_primary": sentinel_primary,
    "iptables": rules.splitlines(),
    "rules_v4": read(RULES),
}))
