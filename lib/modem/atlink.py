"""The link's commands: AT+CGATT, +CGREG, +CREG, +CSQ, #CONNECTIONSTART/STOP, #DISPLAYIP.
A feature module: loaded when one of them runs (commands.overlay)."""
from . import codes as K
from . import compat as T
from .atparse import ACT, GET, SET, TEST
from .commands import NOFINAL
from .link import LinkError

# (modules, not their names: every name at module level is a slot of this module's dict,
# which is allocated in one piece when it is loaded; fewer names, a smaller piece)


# ---- the link's state machine, the commands' side (link.Link keeps the state) ----

def attach(link, on):
    if on:
        link.want_attach = True
        link.backend.attach()
    else:
        link.want_attach = False
        stop(link)
        link.backend.detach()


def start(link, params):
    """The link up (AT#CONNECTIONSTART): my address, or ATError."""
    if params.get("GPRSMODE") != 1:
        raise K.ATError(K.BAD_PARAMETER)
    if link.up:
        raise K.ATError(K.ALREADY_RUNNING)
    reg = link.backend.registration()
    if reg != 1:
        # refused by the network (wrong key, denied): 35868; otherwise not attached
        raise K.ATError(K.CONNECTION_ABORTED if reg == 3 else K.NOT_ATTACHED)
    try:
        link.my_ip, link.peer_ip = link.backend.start(params)
    except LinkError as e:
        raise K.ATError(e.code)
    except OSError:
        raise K.ATError(K.ACTIVATION_FAILED)
    link.up = True
    link.t = T.ticks_ms()
    return link.my_ip


def stop(link):
    if link.up:
        link.up = False
        link.release()
        link.backend.stop()


def csq(link):
    """AT+CSQ's rssi: 0 (-113 dBm or less) .. 31 (-51 dBm or more), 99 unknown."""
    dbm = link.backend.rssi()
    if dbm is None:
        return 99
    return max(0, min(31, (dbm + 113) // 2))


# ---- the commands ----


def _flag(args):
    """The 0/1 argument of AT+CGATT=, AT+CGREG=."""
    if len(args) != 1 or args[0][0] not in ("0", "1"):
        raise K.ATError(K.BAD_PARAMETER)
    return args[0][0] == "1"


def at_cgatt(m, name, op, args):
    link = m.link
    if op == GET:
        m.info("+CGATT: %d" % (link.backend.registration() == 1))
    elif op == TEST:
        m.info("+CGATT: (0-1)")
    elif op == SET:
        on = _flag(args)
        attach(link, on)
        if on and link.cgreg and link.reg != 1:
            # searching first, as the spec shows (7.2.1); tick() reports what follows
            link.reg = 2
            m.after_ok = lambda: m.say("+CGREG: 2")
    else:
        raise K.ATError(K.ERROR)


def at_cgreg(m, name, op, args):
    link = m.link
    reg = link.backend.registration()
    if op == GET:
        m.info("%s: %d,%d" % (name, link.cgreg if name == "+CGREG" else 0, reg))
    elif op == TEST:
        m.info("%s: (0-1)" % name)
    elif op == SET and name == "+CGREG":
        link.cgreg = _flag(args)
        link.reg = reg
    else:
        raise K.ATError(K.ERROR)


def at_csq(m, name, op, args):
    if op == ACT:
        m.info("+CSQ: %d,99" % csq(m.link))
    elif op == TEST:
        m.info("+CSQ: (0-31,99),(99)")
    else:
        raise K.ATError(K.ERROR)


def at_cstart(m, name, op, args):
    """The IP address, then Ok_Info_GprsActivation in place of OK (spec 2.2.2)."""
    if op != ACT:
        raise K.ATError(K.ERROR)
    m.info(start(m.link, m.params))
    m.result(K.OK_GPRS)
    return NOFINAL


def at_cstop(m, name, op, args):
    if op != ACT:
        raise K.ATError(K.ERROR)
    stop(m.link)


def at_displayip(m, name, op, args):
    if op != ACT:
        raise K.ATError(K.ERROR)
    if not m.link.up:
        raise K.ATError(K.NO_LINK)
    mine, peer = m.link.my_ip, m.link.peer_ip
    m.info("MY IP: " + mine)
    m.info("PEER IP: " + peer)


_HANDLERS = {
    "+CGATT": at_cgatt,
    "+CGREG": at_cgreg,
    "+CREG": at_cgreg,
    "+CSQ": at_csq,
    "#CONNECTIONSTART": at_cstart,
    "#CONNECTIONSTOP": at_cstop,
    "#DISPLAYIP": at_displayip,
}


def run(m, name, op, args):
    return _HANDLERS[name](m, name, op, args)
