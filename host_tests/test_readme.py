"""README's command reference is the command table's: every name in one is in the other."""
import os
import re

import modem.commands as C
import modem.schema as S

README = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "README.md")


def section(tag):
    text = open(README).read()
    return text[text.index("<!-- %s -->" % tag):text.index("<!-- /%s -->" % tag)]


def test_every_command_of_the_table_is_in_the_readme_and_no_other():
    names = set()
    for row in section("commands").splitlines()[3:]:
        for cell in row.split("|")[1].split(","):
            m = re.match(r"\s*`AT([#+&]?[A-Z0-9]*)`", cell)
            if m and m.group(1):
                names.add(m.group(1))
    assert names == set(C.names()), set(C.names()) ^ names


def test_every_parameter_and_alias_is_in_the_readme_with_its_default():
    documented = {}
    for row in section("params").splitlines()[3:]:
        cells = [c.strip().strip("`") for c in row.split("|")[1:-1]]
        documented[cells[0]] = (cells[1].strip("`"), cells[3].strip("`"))
    assert set(documented) == set(S.PARAMS)
    for name in S.PARAMS:
        row = S.row(name)
        aliases = [a for a in S.ALIASES if S.ALIASES[a] == name]
        assert documented[name][0] == "/".join(aliases), name
        d = row[S.DEFAULT]
        shown = "%d,%d" % d if isinstance(d, tuple) else str(d)
        if row[S.KIND] in "SHAM":
            shown = '"%s"' % shown
        assert documented[name][1] == shown, name


def transcript(tag):
    """A README transcript as [(command, [answer lines])]: the lines that start with AT are
    typed (and echoed), the others are the answer to the last one, blank lines left out."""
    steps = []
    for line in section(tag).split("```")[1].splitlines():
        if line.startswith("AT"):
            steps.append((line, []))
        elif line.strip():
            steps[-1][1].append(line)
    return steps


def matches(want, got):
    """got's lines are want's, where a line "..." in want stands for any lines."""
    if not want:
        return not got
    if want[0] == "...":
        return any(matches(want[1:], got[i:]) for i in range(len(got) + 1))
    return bool(got) and got[0] == want[0] and matches(want[1:], got[1:])


def test_matches_takes_dots_for_any_lines_and_nothing_else():
    assert matches(["a", "...", "d"], ["a", "b", "c", "d"])
    assert matches(["a", "...", "d"], ["a", "d"])
    assert not matches(["a", "...", "d"], ["a", "b", "c"])
    assert not matches(["a", "b"], ["a", "b", "c"])
    assert not matches(["a", "c"], ["a", "b"])


def test_the_install_check_is_what_a_wifi_board_answers():
    """README's install check, typed into a modem with the Wi-Fi link (net_wlan) on a
    stand-in of network.WLAN with the transcript's access point in reach; echo on, as the
    modem starts. Between two commands the link is looked at, as the idle loop does while
    the engineer types."""
    from kit import Rig
    from modem.link import Link
    from modem.net_wlan import WlanBackend
    from standins import Network

    steps = transcript("install")
    typed = dict(line.split("=", 1) for line, _ in steps if "=" in line and "#WLAN" in line)
    net = Network("rp2")
    net.aps[typed["AT#WLANSSID"].strip('"')] = [typed["AT#WLANPW"].strip('"'), -61, True]
    backend = WlanBackend(None, net)
    r = Rig(echo=True)
    try:
        r.modem.link = Link(backend)
        r.modem.link.check_ms = 0
        backend.params = r.modem.params
        for line, want in steps:
            got = r.send(line)
            for _ in range(net.steps + 1):
                r.modem.link.tick(r.modem.say)
            got += r.port.take()
            lines = [x for x in got.decode().split("\r\n") if x]
            assert lines[0] == line + "\r", line  # the echo, CR included
            assert matches(want, lines[1:]), (line, lines[1:])
    finally:
        r.close()


def test_the_boards_table_has_each_boards_pins():
    """README's board table against the board modules: every board but the computer, its
    UART (and the cellular module's) with TX RX RTS CTS, and its DCD and DTR."""
    import importlib
    import re

    seen = set()
    for row in section("boards").splitlines()[3:]:
        cells = [c.strip() for c in row.split("|")[1:-1]]
        name = cells[0].strip("`")
        b = importlib.import_module("boards." + name)
        uarts = [b.UART] + ([b.MODEM_UART] if hasattr(b, "MODEM_UART") else [])
        shown = re.findall(r"UART(\d): GPIO (\d+) (\d+) (\d+) (\d+)", cells[3])
        assert shown == [tuple(str(u[k]) for k in ("id", "tx", "rx", "rts", "cts"))
                         for u in uarts], name
        assert re.search(r"GPIO (\d+) / (\d+)", cells[4]).groups() == (str(b.DCD),
                                                                          str(b.DTR)), name
        seen.add(name)
    import boards

    on_disk = {f[:-3] for f in os.listdir(os.path.dirname(boards.__file__))
               if f.endswith(".py") and f not in ("__init__.py", "host.py")}
    assert seen == on_disk
