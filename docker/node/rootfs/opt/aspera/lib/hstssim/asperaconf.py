"""aspera.conf: read and edit the <server> section the way asconfigurator does."""
import os
import tempfile
import xml.etree.ElementTree as ET

from . import paths


def load(path=paths.ASPERA_CONF):
    return ET.parse(path)


def server_data(path=paths.ASPERA_CONF):
    server = load(path).getroot().find("server")
    if server is None:
        return {}
    return {child.tag: (child.text or "").strip() for child in server}


def set_server_data(key, value, path=paths.ASPERA_CONF):
    tree = load(path)
    root = tree.getroot()
    server = root.find("server")
    if server is None:
        server = ET.SubElement(root, "server")
    element = server.find(key)
    if element is None:
        element = ET.SubElement(server, key)
    element.text = value
    ET.indent(tree, space="    ")
    stat = os.stat(path)
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".aspera.conf.")
    with os.fdopen(fd, "wb") as out:
        tree.write(out, encoding="UTF-8", xml_declaration=True)
        out.write(b"\n")
    os.chown(tmp, stat.st_uid, stat.st_gid)
    os.chmod(tmp, stat.st_mode & 0o7777)
    os.replace(tmp, path)
