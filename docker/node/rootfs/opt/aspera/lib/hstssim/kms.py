"""The Redis password store and the per-user keystores that askmscli manages."""
import os
import pwd

from . import paths


class KmsError(Exception):
    pass


def write_private(path, data, uid, gid):
    tmp = path + ".tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    os.chown(tmp, uid, gid)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def store_redis_password(password):
    if not password:
        raise KmsError("no password on standard input")
    os.makedirs(paths.KMS_DIR, mode=0o700, exist_ok=True)
    daemon = pwd.getpwnam("asperadaemon")
    os.chown(paths.KMS_DIR, daemon.pw_uid, daemon.pw_gid)
    os.chmod(paths.KMS_DIR, 0o700)
    write_private(paths.REDIS_PASSWORD_FILE, password, daemon.pw_uid, daemon.pw_gid)


def stored_redis_password():
    try:
        with open(paths.REDIS_PASSWORD_FILE, "rb") as f:
            return f.read().decode()
    except FileNotFoundError:
        raise KmsError("no Redis password is stored (run: askmscli -s redis-password)")
    except PermissionError:
        raise KmsError("permission denied reading the Redis password store")


def keystore_path(user):
    return os.path.join(paths.KEYSTORE_DIR, user)


def init_keystore(user):
    try:
        account = pwd.getpwnam(user)
    except KeyError:
        raise KmsError("user '%s' does not exist on this system" % user)
    password = stored_redis_password()
    os.makedirs(paths.KEYSTORE_DIR, mode=0o755, exist_ok=True)
    write_private(keystore_path(user), password.encode(), account.pw_uid, account.pw_gid)


def own_keystore_password():
    """The Redis password from the keystore of the user running this process."""
    user = pwd.getpwuid(os.geteuid()).pw_name
    if os.geteuid() == 0:
        return stored_redis_password()
    try:
        with open(keystore_path(user), "rb") as f:
            return f.read().decode()
    except FileNotFoundError:
        raise KmsError("no keystore for user '%s' (run: askmscli -i -u %s)" % (user, user))
