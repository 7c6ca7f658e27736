"""TLS under the legacy TCP commands (an extension, docs/decisions.md section 14): with
AT#TCPTLS=id,1 the socket's AT#OTCP opens TLS to TCPSERV:TCPPORT, the server's certificate
verified against the CA certificates stored by AT#TLSCA and its name against TCPSERV (sent
as SNI); the host's session is otherwise the plaintext one. A certificate that fails:
38060, and nothing is sent. AT#VTLS shows the settings."""
import os

from . import codes
from .atparse import ACT, GET, SET, TEST
from .compat import const

TRUST_FAILED = const(38060)  # the server's certificate is not trusted (or no CA is stored)
_FILE = "tlsca.der"  # the CA certificates, DER, each after its 2-byte length
_MAX = const(8)  # certificates kept at most


def cas(m):
    """The stored CA certificates (DER bytes each)."""
    try:
        with open(_path(m), "rb") as f:
            data = f.read()
    except OSError:
        return []
    out = []
    i = 0
    while i + 2 <= len(data):
        n = data[i] << 8 | data[i + 1]
        out.append(data[i + 2:i + 2 + n])
        i += 2 + n
    return out


def _path(m):
    return m.params.folder + "/" + _FILE


def _save(m, certs):
    """The list written whole, then put in place of the old one (a rename: all or none)."""
    tmp = _path(m) + ".new"
    with open(tmp, "wb") as f:
        for der in certs:
            f.write(bytes((len(der) >> 8, len(der) & 0xFF)))
            f.write(der)
    os.rename(tmp, _path(m))


def pem_certs(text):
    """The DER bytes of each certificate in PEM text; ValueError for a broken one."""
    import binascii

    out = []
    body = None
    for line in text.replace(b"\r", b"\n").split(b"\n"):
        line = line.strip()
        if line == b"-----BEGIN CERTIFICATE-----":
            body = []
        elif line == b"-----END CERTIFICATE-----" and body is not None:
            out.append(binascii.a2b_base64(b"".join(body)))
            body = None
        elif body is not None and line:
            body.append(line)
    return out


def at_tlsca(m, name, op, args):
    """AT#TLSCA: PEM lines after it up to Ctrl-Z, their certificates added to the stored
    ones (OK; 36929 when there is none, or more than _MAX in all); AT#TLSCA? how many are
    stored; AT#TLSCA=0 forgets them all."""
    if op == TEST:
        return
    if op == GET:
        m.info("#TLSCA: %d" % len(cas(m)))
        return
    if op == SET:
        if len(args) != 1 or args[0][0] != "0":
            raise codes.ATError(codes.BAD_PARAMETER)
        _save(m, [])
        return
    if op != ACT:
        raise codes.ATError(codes.ERROR)
    m.enter = lambda leftover: _take(m, leftover)
    return True


def _take(m, leftover):
    text, rest = m.take_text(leftover)
    if text is None:
        return rest  # cancelled or given up: answered, nothing changed
    try:
        new = pem_certs(text)
        old = cas(m)
        if not new or len(old) + len(new) > _MAX or [d for d in new if len(d) > 0xFFFF]:
            raise ValueError
        _save(m, old + new)
    except (ValueError, OSError):
        m.say(codes.BAD_PARAMETER)
        return rest
    m.result("OK")
    return rest


def vtls(m, name, op, args):
    """AT#VTLS: TCPTLS of both sockets, FTPTLS, SMTPTLS, POP3TLS, TLSPIN, the CAs stored."""
    if op != ACT:
        raise codes.ATError(codes.ERROR)
    p = m.params
    m.info_lines(p.lines(("TCPTLS",), 1) + p.lines(("TCPTLS",), 2)
                 + p.lines(("FTPTLS", "SMTPTLS", "POP3TLS", "TLSPIN")))
    m.info("#TLSCA: %d" % len(cas(m)))


def wrap(m, s, host, resume=None):
    """The connected socket s in TLS with host: the handshake done (within m.connect_ms,
    the watchdog held), the certificate verified; non-blocking. ATError(38060) for a
    certificate not trusted, 38016 for a handshake that fails otherwise; s is closed then.
    resume: a TLS socket to the same server whose session this one takes up (FTPS data
    connections: servers such as vsftpd require it), where the runtime can (CPython's ssl;
    MicroPython's tls has no session to give)."""
    pin = m.params.get("TLSPIN").lower()
    certs = [] if pin else cas(m)
    if not certs and not pin:
        s.close()
        raise codes.ATError(TRUST_FAILED)  # nothing to verify it against: no plaintext
    hold = getattr(m.board, "hold", None)
    end = hold() if hold else None
    try:
        s.setblocking(True)
        s.settimeout(m.connect_ms / 1000)
        try:
            import tls as lib  # MicroPython's

            mp = True
        except ImportError:
            import ssl as lib

            mp = False
        was = getattr(resume, "session", None)  # (a session belongs to its context)
        if was is not None:
            ss = resume.context.wrap_socket(s, server_hostname=host, session=was)
            # verified as the control connection was, by its context; a pin checked again
            # when the server made a new session in place of the one offered
            if pin and not ss.session_reused and _hex(_sha256(ss.getpeercert(True))) != pin:
                ss.close()
                raise ValueError("not the pinned certificate")
            ss.setblocking(False)
            return ss
        ctx = lib.SSLContext(lib.PROTOCOL_TLS_CLIENT)
        seen = []
        if pin:  # the one certificate trusted as it is: its fingerprint checked below
            if mp:
                ctx.verify_mode = lib.CERT_OPTIONAL

                def keep(cert, depth):
                    if depth == 0:  # cert lives only during the call: hashed now
                        seen.append(_sha256(cert))
                    return 0

                ctx.verify_callback = keep
            else:
                ctx.check_hostname = False
                ctx.verify_mode = lib.CERT_NONE
        else:
            ctx.verify_mode = lib.CERT_REQUIRED
        for der in certs:
            if mp:
                ctx.load_verify_locations(der)  # DER, one at a time: they add up
            else:
                ctx.load_verify_locations(cadata=der)
        ss = ctx.wrap_socket(s, server_hostname=host)
        if pin:
            if not mp:
                seen.append(_sha256(ss.getpeercert(True)))
            if not seen or _hex(seen[-1]) != pin:
                ss.close()
                raise ValueError("not the pinned certificate")
        ss.setblocking(False)
        return ss
    except Exception as e:
        s.close()
        raise codes.ATError(TRUST_FAILED if _untrusted(e) else codes.OPEN_FAILED)
    finally:
        if end:
            end()


def _sha256(data):
    import hashlib

    return hashlib.sha256(data).digest()


def _hex(b):
    return "".join("%02x" % c for c in b)


def _untrusted(e):
    """True for a failure of the certificate (not of the connection)."""
    if type(e).__name__ == "SSLCertVerificationError" or isinstance(e, ValueError):
        return True  # CPython's; MicroPython's name mismatch is a ValueError
    code = e.args[0] if e.args and isinstance(e.args[0], int) else 0
    return code in (-0x2700, -0x7680)  # mbedTLS: X509_CERT_VERIFY_FAILED, CA_CHAIN_REQUIRED
