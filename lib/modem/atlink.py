"""The link's commands: AT+CGATT, +CGREG, +CREG, +CSQ, #CONNECTIONSTART/STOP, #DISPLAYIP.
A feature module: loaded when one of them runs (commands.overlay)."""
from .atparse import ACT, GET, SET, TEST
from .codes import BAD_PARAMETER, ERROR, OK_GPRS, ATError
from .commands import NOFINAL


def _flag(args):
    """The 0/1 argument of AT+CGATT=, AT+CGREG=."""
    if len(args) != 1 or args[0][0] not in ("0", "1"):
        raise ATError(BAD_PARAMETER)
    return args[0][0] == "1"


def at_cgatt(m, name, op, args):
    link = m.link
    if op == GET:
        m.info("+CGATT: %d" % link.attached())
    elif op == TEST:
        m.info("+CGATT: (0-1)")
    elif op == SET:
        on = _flag(args)
        link.attach(on)
        if on and link.cgreg and link.reg != 1:
            # searching first, as the spec shows (7.2.1); tick() reports what follows
            link.reg = 2
            m.after_ok = lambda: m.say("+CGREG: 2")
    else:
        raise ATError(ERROR)


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
        raise ATError(ERROR)


def at_csq(m, name, op, args):
    if op == ACT:
        m.info("+CSQ: %d,99" % m.link.csq())
    elif op == TEST:
        m.info("+CSQ: (0-31,99),(99)")
    else:
        raise ATError(ERROR)


def at_cstart(m, name, op, args):
    """The IP address, then Ok_Info_GprsActivation in place of OK (spec 2.2.2)."""
    if op != ACT:
        raise ATError(ERROR)
    m.info(m.link.start(m.params))
    m.result(OK_GPRS)
    return NOFINAL


def at_cstop(m, name, op, args):
    if op != ACT:
        raise ATError(ERROR)
    m.link.stop()


def at_displayip(m, name, op, args):
    if op != ACT:
        raise ATError(ERROR)
    mine, peer = m.link.addresses()
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
