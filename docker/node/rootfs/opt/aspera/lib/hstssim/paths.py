ASPERA_CONF = "/opt/aspera/etc/aspera.conf"
REDIS_CONF = "/opt/aspera/etc/redis/aspera_31415.conf"
DEFAULT_PRIMARY_SET = "myprimary"
STANDALONE_PORT = 31415
