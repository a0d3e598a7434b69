"""A small RESP2 client: enough of the Redis protocol for HSTS's own calls."""
import socket


class RedisError(Exception):
    pass


class Connection:
    def __init__(self, host, port, timeout=2.0):
        self.host, self.port = host, port
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.reader = self.sock.makefile("rb")

    def close(self):
        try:
            self.reader.close()
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def call(self, *args):
        out = [b"*%d\r\n" % len(args)]
        for arg in args:
            data = arg if isinstance(arg, bytes) else str(arg).encode()
            out.append(b"$%d\r\n%s\r\n" % (len(data), data))
        self.sock.sendall(b"".join(out))
        return self._read()

    def _read(self):
        line = self.reader.readline()
        if not line:
            raise RedisError("connection closed by %s:%s" % (self.host, self.port))
        kind, rest = line[:1], line[1:-2]
        if kind == b"+":
            return rest.decode()
        if kind == b"-":
            raise RedisError(rest.decode())
        if kind == b":":
            return int(rest)
        if kind == b"$":
            size = int(rest)
            if size < 0:
                return None
            data = self.reader.read(size + 2)[:-2]
            return data.decode(errors="replace")
        if kind == b"*":
            count = int(rest)
            if count < 0:
                return None
            return [self._read() for _ in range(count)]
        raise RedisError("unexpected reply from %s:%s" % (self.host, self.port))


def parse_info(text):
    fields = {}
    for line in (text or "").splitlines():
        if ":" in line and not line.startswith("#"):
            key, value = line.split(":", 1)
            fields[key.strip()] = value.strip()
    return fields
