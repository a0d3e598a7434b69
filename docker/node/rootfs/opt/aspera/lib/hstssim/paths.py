ASPERA_CONF = "/opt/aspera/etc/aspera.conf"
REDIS_CONF = "/opt/aspera/etc/redis/aspera_31415.conf"
# Where "askmscli -s redis-password" keeps the system's Redis password (root only).
KMS_DIR = "/opt/aspera/var/kms"
REDIS_PASSWORD_FILE = KMS_DIR + "/redis-password"
# One keystore per user: it holds what that user needs to authenticate with Redis.
KEYSTORE_DIR = "/opt/aspera/var/keystore"
DEFAULT_PRIMARY_SET = "myprimary"
STANDALONE_PORT = 31415
