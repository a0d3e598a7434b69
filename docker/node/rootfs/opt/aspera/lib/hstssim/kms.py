"""askmscli's keystores, as IBM documents them ("Secrets management with askmscli"): secrets kept
encrypted in SQLite databases. rootkeystore.db is the backup and main source of truth (root only);
each user's localkeystore.db, in the user's home directory, holds copies of the shared keys
(redis-password, redis-primary-key) so that the user's programs can read them without a shared or
world-readable database. The exact paths and the schema below are this simulator's choices.

Encryption uses the standard library only (Debian's python3 has no AES, and adding a package would
rebuild the image base): each secret is XORed with a keystream of HMAC-SHA256(enc_key, nonce ||
counter) blocks (a PRF in counter mode) and authenticated with HMAC-SHA256(mac_key, name || nonce
|| ciphertext), encrypt-then-MAC; enc_key and mac_key are derived from the store's data key, and
every write draws a fresh data key and nonces. No secret is ever written in plain text.

Where the data keys live:
- rootkeystore.db: its data key is stored sealed (the same construction) with the machine key,
  MACHINE_KEY, 32 random bytes made on first use, root only.
- localkeystore.db: a process running as the user must decrypt it without root, so the store
  carries its own random data key in its `stash` table. Other users cannot read the file at all
  (owner only, 0600: IBM's "file-system-protected keystore files"); the encryption keeps the
  password out of plain text on disk (backups, grep, a copied file read without the stash).
"""
import hashlib
import hmac
import os
import pwd
import sqlite3

ROOT_KEYSTORE = "/opt/aspera/etc/rootkeystore.db"
MACHINE_KEY = "/opt/aspera/etc/kms/machine.key"
LOCAL_KEYSTORE = "localkeystore.db"
# Where in a home directory askmscli keeps localkeystore.db: the home itself (IBM: "in the user's
# home directory, by default"), or the directory this file names (IBM's field guides show
# ~USER/.aspera/localkeystore.db). The rig's keystore-dot-aspera variant writes it (test/rig).
LOCAL_KEYSTORE_DIR_FILE = "/opt/aspera/lib/hstssim/LOCAL_KEYSTORE_DIR"
# Keys every user's localkeystore.db gets a copy of (askmscli -i -u USER).
SHARED_KEYS = ("redis-password", "redis-primary-key")

SCHEMA = """
CREATE TABLE stash (id INTEGER PRIMARY KEY CHECK (id = 1), wrapping TEXT NOT NULL, data_key BLOB NOT NULL);
CREATE TABLE secrets (name TEXT PRIMARY KEY, nonce BLOB NOT NULL, ciphertext BLOB NOT NULL, tag BLOB NOT NULL);
"""


class KmsError(Exception):
    pass


def _subkey(key, purpose):
    return hmac.new(key, b"hstssim-kms " + purpose, hashlib.sha256).digest()


def _keystream(key, nonce, length):
    blocks = []
    for counter in range((length + 31) // 32):
        blocks.append(hmac.new(key, nonce + counter.to_bytes(8, "big"), hashlib.sha256).digest())
    return b"".join(blocks)[:length]


def seal(key, name, plaintext):
    """(nonce, ciphertext, tag) of plaintext under key, bound to name."""
    nonce = os.urandom(16)
    stream = _keystream(_subkey(key, b"enc"), nonce, len(plaintext))
    ciphertext = bytes(a ^ b for a, b in zip(plaintext, stream))
    tag = hmac.new(_subkey(key, b"mac"), name.encode() + b"\0" + nonce + ciphertext, hashlib.sha256).digest()
    return nonce, ciphertext, tag


def unseal(key, name, nonce, ciphertext, tag):
    want = hmac.new(_subkey(key, b"mac"), name.encode() + b"\0" + nonce + ciphertext, hashlib.sha256).digest()
    if not hmac.compare_digest(want, tag):
        raise KmsError("the secret '%s' does not authenticate (wrong key or damaged store)" % name)
    stream = _keystream(_subkey(key, b"enc"), nonce, len(ciphertext))
    return bytes(a ^ b for a, b in zip(ciphertext, stream))


def _machine_key(create):
    try:
        with open(MACHINE_KEY, "rb") as f:
            key = f.read()
    except FileNotFoundError:
        if not create:
            raise KmsError("the machine key %s is missing: %s cannot be decrypted" % (MACHINE_KEY, ROOT_KEYSTORE))
        os.makedirs(os.path.dirname(MACHINE_KEY), mode=0o700, exist_ok=True)
        key = os.urandom(32)
        _write_atomically(MACHINE_KEY, lambda tmp: _write_bytes(tmp, key), 0, 0)
    if len(key) != 32:
        raise KmsError("the machine key %s is damaged" % MACHINE_KEY)
    return key


def _write_bytes(path, data):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)


def _write_atomically(path, fill, uid, gid):
    """fill(tmp) writes a new file beside path; it becomes path (owner uid:gid, 0600) by rename."""
    tmp = "%s.askmscli-%d.tmp" % (path, os.getpid())
    try:
        os.unlink(tmp)
    except FileNotFoundError:
        pass
    old_umask = os.umask(0o077)
    try:
        fill(tmp)
        os.chown(tmp, uid, gid)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        for leftover in (tmp, tmp + "-journal"):
            try:
                os.unlink(leftover)
            except FileNotFoundError:
                pass
        raise
    finally:
        os.umask(old_umask)


def _read_store(path):
    """{name: plaintext} of a keystore; KmsError saying why when it cannot be read."""
    try:
        os.stat(path)
    except FileNotFoundError:
        raise KmsError("%s does not exist" % path)
    except PermissionError:
        raise KmsError("%s: permission denied" % path)
    if not os.access(path, os.R_OK):
        raise KmsError("%s: permission denied" % path)
    try:
        db = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
        try:
            stash = db.execute("SELECT wrapping, data_key FROM stash WHERE id = 1").fetchone()
            rows = db.execute("SELECT name, nonce, ciphertext, tag FROM secrets").fetchall()
        finally:
            db.close()
    except sqlite3.Error as e:
        raise KmsError("%s is not a readable keystore (%s)" % (path, e))
    if stash is None:
        raise KmsError("%s is not a keystore (no stash)" % path)
    wrapping, data_key = stash
    if wrapping == "machine-key":
        data_key = unseal(_machine_key(create=False), "data-key", data_key[:16], data_key[16:-32], data_key[-32:])
    elif wrapping != "none":
        raise KmsError("%s: unknown key wrapping '%s'" % (path, wrapping))
    return {name: unseal(data_key, name, nonce, ct, tag) for name, nonce, ct, tag in rows}


def _write_store(path, secrets, uid, gid, wrap_with_machine_key):
    data_key = os.urandom(32)
    if wrap_with_machine_key:
        nonce, ct, tag = seal(_machine_key(create=True), "data-key", data_key)
        stash = ("machine-key", nonce + ct + tag)
    else:
        stash = ("none", data_key)

    def fill(tmp):
        db = sqlite3.connect(tmp)
        try:
            db.executescript(SCHEMA)
            db.execute("INSERT INTO stash (id, wrapping, data_key) VALUES (1, ?, ?)", stash)
            for name, value in sorted(secrets.items()):
                db.execute("INSERT INTO secrets VALUES (?, ?, ?, ?)", (name,) + seal(data_key, name, value))
            db.commit()
        finally:
            db.close()

    _write_atomically(path, fill, uid, gid)


def store_secret(name, value):
    """askmscli -s NAME: the secret, encrypted, in rootkeystore.db (the other secrets kept)."""
    if not value:
        raise KmsError("no secret on standard input")
    secrets = {}
    if os.path.exists(ROOT_KEYSTORE):
        secrets = _read_store(ROOT_KEYSTORE)
    secrets[name] = value
    _write_store(ROOT_KEYSTORE, secrets, 0, 0, wrap_with_machine_key=True)


def _local_keystore_dir():
    try:
        with open(LOCAL_KEYSTORE_DIR_FILE) as f:
            return f.read().strip()
    except FileNotFoundError:
        return ""


def local_keystore_path(user):
    """USER's localkeystore.db: in the home directory (or the configured directory in it)."""
    try:
        return os.path.join(pwd.getpwnam(user).pw_dir, _local_keystore_dir(), LOCAL_KEYSTORE)
    except KeyError:
        raise KmsError("user '%s' does not exist on this system" % user)


def _ensure_keystore_dir(path, account):
    """The store's directory inside the home, made as the user's own (0700) when missing."""
    directory = os.path.dirname(path)
    if directory == account.pw_dir.rstrip("/") or os.path.isdir(directory):
        return
    os.mkdir(directory, 0o700)
    os.lchown(directory, account.pw_uid, account.pw_gid)


def init_keystore(user):
    """askmscli -i -u USER: USER's localkeystore.db with a copy of the shared keys (own secrets kept)."""
    path = local_keystore_path(user)
    account = pwd.getpwnam(user)
    if not os.path.isdir(account.pw_dir):
        raise KmsError("the home directory %s of user '%s' does not exist" % (account.pw_dir, user))
    _ensure_keystore_dir(path, account)
    try:
        root = _read_store(ROOT_KEYSTORE)
    except KmsError as e:
        raise KmsError("no shared keys to copy: %s (run: askmscli -s redis-password)" % e)
    secrets = {}
    if os.path.exists(path):
        try:
            secrets = {k: v for k, v in _read_store(path).items() if k not in SHARED_KEYS}
        except KmsError:
            secrets = {}
    secrets.update({k: v for k, v in root.items() if k in SHARED_KEYS})
    _write_store(path, secrets, account.pw_uid, account.pw_gid, wrap_with_machine_key=False)


class Keystore:
    """The Redis password as the running user's keystore holds it, and what to run when it is wrong."""

    def __init__(self, user, path, password, remedy):
        self.user, self.path, self.password, self.remedy = user, path, password, remedy


def own_keystore():
    """root reads rootkeystore.db; any other user their own localkeystore.db. KmsError when unusable."""
    if os.geteuid() == 0:
        user, path, remedy = "root", ROOT_KEYSTORE, "askmscli -s redis-password"
    else:
        user = pwd.getpwuid(os.geteuid()).pw_name
        path, remedy = local_keystore_path(user), "askmscli -i -u %s" % user
    try:
        secrets = _read_store(path)
    except KmsError as e:
        raise KmsError("keystore of %s unusable: %s (run: %s)" % (user, e, remedy))
    password = secrets.get("redis-password")
    if not password:
        raise KmsError("keystore of %s (%s) holds no redis-password (run: %s)" % (user, path, remedy))
    return Keystore(user, path, password.decode(), remedy)
