"""The GSM module's own commands, which legacy hosts send while they set the modem up (a
Wavecom module's, and 3GPP 27.007's): AT+WOPEN, +CFUN, +CGDCONT, +CCED, +COPS, +CGSN, +CIMI,
+CCID, +IFC, +ICF, &D, &C, &K, S registers, H, O; #DNS and #RESET of the later Universal IP
dialect. Each answers as a Wavecom unit does, with what this board knows (docs/decisions.md
section 9)."""
from .atparse import ACT, GET, SET, TEST
from .codes import BAD_PARAMETER, ERROR, NO_SIM, ATError
from .compat import const, ticks_diff

_CCED_MS = const(5000)  # AT+CCED=1: how often the cell is shown


def wopen(m, name, op, args):
    """AT+WOPEN: the Open AT application, here the firmware itself, always running. =1 (start
    it) is OK at once, without the reset a change would cause; =2 gives the versions; =0
    (stop it) cannot be done: ERROR."""
    if op == GET:
        m.info("+WOPEN: 1")
    elif op == TEST:
        m.info("+WOPEN: (0-8)")
    elif op == SET and args[0][0] == "1":
        return
    elif op == SET and args[0][0] == "2":
        m.info('+WOPEN: 2,"%s","%s"' % (m.board.REVISION, m.board.VERSION))
    else:
        raise ATError(ERROR)


def cfun(m, name, op, args):
    """AT+CFUN=1 (and =1,1): OK, then the modem starts again as after power-up: the data
    link dropped, the parameters reloaded, echo and +CMEE as at start, the start-up lines
    printed, the network attached again. =0: the network detached (minimum function)."""
    if op == GET:
        m.info("+CFUN: %d" % (1 if m.link.want_attach else 0))
    elif op == TEST:
        m.info("+CFUN: (0-1),(0-1)")
    elif op == SET and args[0][0] == "1" and len(args) <= 2:
        m.after_ok = lambda: restart(m)
    elif op == SET and args[0][0] == "0" and len(args) == 1:
        m.link.attach(False)
    else:
        raise ATError(BAD_PARAMETER if op == SET else ERROR)


def reset(m, name, op, args):
    """AT#RESET=0 (the Universal IP dialect): as AT+CFUN=1."""
    if op != SET or [a[0] for a in args] != ["0"]:
        raise ATError(BAD_PARAMETER if op == SET else ERROR)
    m.after_ok = lambda: restart(m)


def restart(m):
    """The modem's session started again (the board is not reset: its line and radio stay)."""
    m.close_listener()
    m.link.stop()
    m.echo = 1
    m.cmee = 1
    m.cced = None
    m.start()


def cgdcont(m, name, op, args):
    """AT+CGDCONT=<cid>,"IP"[,"<apn>"]: the PDP context is GPRSCID and APNSERV (one value
    each, also set by AT#GPRSCID and AT#APNSERV)."""
    p = m.params
    if op == GET:
        m.info('+CGDCONT: %d,"IP","%s"' % (p.get("GPRSCID"), p.get("APNSERV")))
    elif op == TEST:
        m.info('+CGDCONT: (1-4),"IP",,,(0),(0)')
    elif op == SET and 2 <= len(args) <= 6 and args[1][0].upper() == "IP":
        p.set("GPRSCID", 0, args[:1])
        if len(args) > 2:
            p.set("APNSERV", 0, args[2:3])
    else:
        raise ATError(BAD_PARAMETER if op == SET else ERROR)


def cced(m, name, op, args):
    """AT+CCED=<mode>[,<dump>]: the serving cell as far as the board knows it: its signal
    (RxLev, from the radio's RSSI); the fields a Wi-Fi or cellular board cannot tell are left
    empty, as a unit leaves what it does not know. Mode 0 once, 1 every 5 s (in command
    mode), 2 stop; dump 1 the serving cell, 8 a +CSQ line (15 by default: both)."""
    if op == TEST:
        m.info("+CCED: (0-2),(1-15)")
        return
    if op != SET or len(args) > 2 or args[0][0] not in ("0", "1", "2"):
        raise ATError(BAD_PARAMETER if op == SET else ERROR)
    try:
        dump = int(args[1][0]) if len(args) == 2 else 15
    except ValueError:
        raise ATError(BAD_PARAMETER)
    if not 0 < dump < 16:
        raise ATError(BAD_PARAMETER)
    mode = args[0][0]
    m.cced = None
    if mode == "1":
        from .compat import ticks_ms

        m.cced = [dump, ticks_ms()]
    if mode != "2":
        show_cell(m, dump, m.info)


def show_cell(m, dump, out):
    dbm = m.link.backend.rssi()
    if dump & 1:
        rxlev = "" if dbm is None else str(max(0, min(63, dbm + 110)))
        out("+CCED: ,,,,,,%s,,,,,," % rxlev)
    if dump & 8:
        out("+CSQ: %d,99" % m.link.csq())


def tick(m, now):
    """AT+CCED=1's report, unsolicited, every _CCED_MS (the command loop calls it)."""
    c = m.cced
    if ticks_diff(now, c[1]) >= _CCED_MS:
        c[1] = now
        show_cell(m, c[0], m.say)


def cops(m, name, op, args):
    """AT+COPS?: the network the board is on (the Wi-Fi network, the cellular operator,
    "host"); AT+COPS=0 (automatic) and =? answer OK."""
    if op == GET:
        who = m.link.backend.operator() if m.link.backend.registration() == 1 else None
        m.info('+COPS: 0,0,"%s"' % who if who else "+COPS: 0")
    elif op == SET and args[0][0] != "0":
        raise ATError(BAD_PARAMETER)
    elif op == ACT:
        raise ATError(ERROR)


def cgsn(m, name, op, args):
    """AT+CGSN: the board's serial number, 15 digits as an IMEI is, the same at every start
    (from machine.unique_id; on a computer from its machine id)."""
    if op == TEST:
        return
    if op != ACT:
        raise ATError(ERROR)
    m.info(serial_number())


def serial_number():
    try:
        from machine import unique_id  # the board layer only

        raw = bytes(unique_id())
    except ImportError:
        try:
            with open("/etc/machine-id") as f:
                raw = f.read().strip().encode()
        except OSError:
            raw = b"0"
    n = 0
    for b in raw:
        n = (n * 131 + b) % 1000000000000000
    return "%015d" % n


def sim(m, name, op, args):
    """AT+CIMI and AT+CCID: from the cellular module (its SIM); a board without one answers
    #CME ERROR: 10, SIM not inserted, as a GSM unit without a SIM does."""
    if op == TEST:
        return
    if op != ACT:
        raise ATError(ERROR)
    ask = getattr(m.link.backend, "ask", None)
    got = ask(name) if ask else None
    if not got:
        raise ATError(NO_SIM)
    m.info(got)


# Flow control and framing of the line: set on the board (RTS/CTS, 8N1); a host's settings
# are taken and changed nothing. Their answers: what the line is.
_LINE = {"+IFC": ("2,2", "(0-2),(0-2)"), "+ICF": ("3,4", "(1-6),(0-4)")}


def line(m, name, op, args):
    now, choices = _LINE[name]
    if op == GET:
        m.info("%s: %s" % (name, now))
    elif op == TEST:
        m.info("%s: %s" % (name, choices))
    elif op == ACT:
        raise ATError(ERROR)


def sreg(m, name, op, args):
    """ATSn? and ATSn=v: S0 (rings before answering: no calls here, kept for the session);
    S3, S4, S5 (the line's CR, LF, BS) read only."""
    reg = args[0][0]
    fixed = {"3": 13, "4": 10, "5": 8}
    if reg == "0":
        if op == GET:
            m.info("%03d" % m.s0)
        elif op == SET and args[1][0] and int(args[1][0]) < 256:
            m.s0 = int(args[1][0])
        else:
            raise ATError(ERROR)
    elif reg in fixed and op == GET:
        m.info("%03d" % fixed[reg])
    elif not (reg in fixed and op == SET and args[1][0] == str(fixed[reg])):
        raise ATError(ERROR)


def hang_up(m, name, op, args):
    """ATH: no call to hang up (a data session ends with its ETX): OK."""


def online(m, name, op, args):
    """ATO: no data session to go back to (a +++ closes its socket): NO CARRIER."""
    m.result("NO CARRIER")
    return True


def dns(m, name, op, args):
    """AT#DNS=1,"primary","secondary" (the Universal IP dialect): DNSSERV1 and DNSSERV2."""
    if op != SET or len(args) != 3 or args[0][0] != "1":
        raise ATError(BAD_PARAMETER if op == SET else ERROR)
    m.params.set("DNSSERV1", 0, args[1:2])
    m.params.set("DNSSERV2", 0, args[2:3])
