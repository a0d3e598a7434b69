# Writes hsts-cluster's askmscli records (src/hsts/askms-record.ts) for the names in argv[1] (a JSON
# list: "redis-password", "keystore.USER"), the password on stdin. One salt for all of them, as
# hsts-cluster does in one run; each file written atomically, root only.
import base64
import hashlib
import json
import os
import sys

DIR = "/var/lib/hsts-cluster/askmscli"
password = sys.stdin.read().encode()
salt = os.urandom(16)
digest = hashlib.scrypt(password, salt=salt, n=16384, r=8, p=1, maxmem=256 * 16384 * 8, dklen=32)
record = json.dumps({"kdf": "scrypt", "N": 16384, "r": 8, "p": 1,
                     "salt": base64.b64encode(salt).decode(), "hash": base64.b64encode(digest).decode()},
                    separators=(",", ":")) + "\n"
os.umask(0o077)
for d in (os.path.dirname(DIR), DIR):
    os.makedirs(d, mode=0o700, exist_ok=True)
    os.chmod(d, 0o700)
for name in json.loads(sys.argv[1]):
    path = "%s/%s.json" % (DIR, name)
    with open(path + ".tmp", "w") as f:
        f.write(record)
    os.chmod(path + ".tmp", 0o600)
    os.replace(path + ".tmp", path)
