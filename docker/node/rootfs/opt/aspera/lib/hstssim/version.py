"""The installed HSTS version. The simulated package keeps it in a file of its own (VERSION beside
this module), as a real package's files carry their release: installing another package (a test's
fake 'package upgrade') replaces that file. Programs read it when they start, so a daemon reports
the version it was started with until it is restarted."""
VERSION_FILE = "/opt/aspera/lib/hstssim/VERSION"


def installed():
    with open(VERSION_FILE) as f:
        return f.read().strip()
