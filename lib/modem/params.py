"""The parameter values and their display lines. Changing them (checking, saving to flash)
is the feature module setting, loaded only for that."""
from . import schema as S


class Params:
    def __init__(self, folder, name="params.gpx"):
        self.folder = folder  # where the parameters are saved (setting.store)
        self.name = name
        # name: value, the values set by load() (the setting module). The names are made
        # here, before that module's code is in the heap, not among it: see rehome.
        self.values = {}
        for name in S.names():
            self.values[name] = None
        self.moved = False  # values made while the setting module was in the heap (rehome)

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

    def load_at_start(self):
        """load() at start-up, where the heap is at its emptiest: a saved file that still
        cannot be parsed in it (made to exhaust it) is kept as <name>.bad and the modem
        starts on defaults, never in a reset loop."""
        try:
            return self.load()
        except MemoryError:
            from .setting import set_aside

            return set_aside(self)

    def save(self):
        from .setting import save

        save(self)

    def rehome(self):
        """Values made while the setting module's code was in the heap would stay among the
        holes it leaves and split the free heap: copied down, once it has gone (settle)."""
        if self.moved:
            self.moved = False
            v = self.values
            try:
                for k in v:  # in place: the dict's table stays where it is
                    v[k] = _copy(v[k])
            except MemoryError:
                pass  # only tidier, never needed: a value not copied stays where it was

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
        return "-0,%d" % -v[1] if v[1] < 0 else "%d,%d" % (v[0], v[1])
    return str(v)


def _copy(x):
    """A new object equal to x (a slice copies on MicroPython; CPython may return x)."""
    if isinstance(x, list):
        return [_copy(y) for y in x]
    return x[:] if isinstance(x, (str, tuple)) else x
