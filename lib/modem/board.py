"""Loads a board data module (boards/<name>.py) and fills in what it leaves out."""

VERSION = "GPX-MPY V0.1.0 (GenPro 2Xe AT# compatible, MicroPython)"

# What every board has unless its module says otherwise.
DEFAULTS = {
    "MANUFACTURER": "GPX",
    "MODEL": "GenPro 2Xe compatible modem",
    "REVISION": "V0.1.0",
    "VERSION": VERSION,
    "WIND": True,
    "FLASH_DIR": "",
    "SNTP_SERVERS": ("pool.ntp.org",),
    "NETWORK": "host",
}


class Board:
    def __init__(self, module):
        self.module = module
        for k, v in DEFAULTS.items():
            setattr(self, k, getattr(module, k, v))
        for k in dir(module):
            if k.isupper():
                setattr(self, k, getattr(module, k))


def load(name):
    mod = __import__("boards." + name, None, None, (name,))
    return Board(mod)
