"""The parameter values and their display lines. Changing them (checking, saving to flash)
is the feature module setting, loaded only for that."""
from . import schema as S


class Params:
    def __init__(self, folder, name="params.gpx"):
        self.folder = folder  # where the parameters are saved (setting.store)
        self.name = name
        self.values = {}
        self.defaults()

    def get(self, name, sock=0):
        v = self.values[name]
        return v[sock - 1] if sock else v

    # ---- changes: the setting module, loaded for the call ----

    def defaults(self):
        from .setting import defaults

        defaults(self)

    def load(self):
        from .setting import load

        return load(self)

    def save(self):
        from .setting import save

        save(self)

    # ---- display ----

    def line(self, name, shown, sock=0):
        """One display line: #NAME: value, #NAME: id,value, or the spec's #FTPTYPE = I."""
        r = S.find(name)
        v = self.get(name, sock)
        head = r[S.PREFIX] + shown
        if r[S.KIND] == "T":
            return head + " = " + v
        text = fmt(r, v)
        if sock:
            return "%s: %d,%s" % (head, sock, text)
        return head + ": " + text


def fmt(row, v):
    k = row[S.KIND]
    if k == "S" or k == "H":
        return '"' + v + '"'
    if k == "U":
        return "%d,%d" % (v[0], v[1])
    return str(v)
