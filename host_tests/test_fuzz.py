"""Bad input never breaks the command loop (CPython, hypothesis): random bytes, line-editing
bytes, printable lines, every command with random arguments. Each complete line gets
exactly one final result, nothing fails inside the modem, AT answers OK afterwards, and the
answer does not depend on how the input is cut. SOAK=1 (make soak): many more examples.

The judge is device_tests/soak_lines.py's Check (the long unix-port soak uses it too).
"""
import re
import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import soak_lines as S
from soakrec import record, soak

SHORT = 300  # examples of each property in make test
LONG = 5000  # and in make soak

# Running totals for the soak's record.
TOTAL = {"inputs": 0, "faults": 0, "bytes_moved": 0}


def judge(inputs, fault=False):
    """Every input into a fresh modem (in this process, its link down), then a CR to end
    whatever line is left open and an AT that must answer OK; asserts on the Check."""
    check = S.Check(S.Local())
    try:
        for data in inputs:
            check.push(data)
        check.push(b"\r")
        at = check.push(b"AT\r")
    finally:
        check.modem.close()
    TOTAL["inputs"] += 1
    TOTAL["faults"] += fault
    TOTAL["bytes_moved"] += check.bytes_in + check.bytes_out
    assert check.failures == 0, check.first
    assert check.raised == 0 and at
    return check


def run(strategy, prop, examples):
    """prop checked on `examples` examples of strategy."""
    @settings(max_examples=examples, deadline=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(strategy)
    def check(x):
        prop(x)

    check()


# ---- the inputs ----

PRINTABLE = st.characters(min_codepoint=32, max_codepoint=126)
# The bytes line assembly cares about, so that CR, BS, A/ and quotes meet often.
EDITING = st.lists(st.sampled_from(
    (b"A", b"a", b"T", b"/", b"\r", b"\n", b"\x08", b"\x7f", b"\x01", b"\x03", b"\x80", b"#",
     b"+", b"=", b"?", b'"', b";", b",", b" ", b"0", b"1", b"E", b"Z", b"&F", b"CMEE", b"X")),
    max_size=80).map(b"".join)
VALUE = st.one_of(
    st.sampled_from(S.VALUES),
    st.text(PRINTABLE, max_size=100).map(lambda t: t.encode()),
    st.integers(-10 ** 7, 10 ** 7).map(lambda n: b"%d" % n))
ARG = st.tuples(VALUE, st.sampled_from((b"", b'"', b" "))).map(
    lambda t: b'"' + t[0] + b'"' if t[1] == b'"' else t[1] + t[0])


@st.composite
def commands(draw):
    """One command, basic or extended, any name of the table, any form, random values."""
    name = draw(st.sampled_from(S.NAMES))
    if draw(st.booleans()):
        name = name.lower()
    if name[:1] not in (b"#", b"+"):
        return name + draw(st.sampled_from((b"", b"0", b"1", b"2", b"9")))
    op = draw(st.sampled_from((b"", b"?", b"=?", b"=", b"=")))
    if not op and name.upper() in S.ENTRY:
        op = b"?"  # its bare form takes the next lines as text (test_smtp.py)
    if op == b"=":
        op += b",".join(draw(st.lists(ARG, max_size=5)))
    return name + op


def line(cmds):
    body = b""
    for c in cmds:
        body += (b";" if body and c[:1] in (b"#", b"+") else b"") + c
    return b"AT" + body + b"\r"


COMMAND_LINES = st.lists(st.lists(commands(), min_size=1, max_size=3).map(line), min_size=1,
                         max_size=4)
PRINTABLE_LINES = st.lists(st.text(PRINTABLE, max_size=300).map(lambda t: t.encode() + b"\r"),
                           max_size=4)


def _bytes(data):
    judge([data], fault=True)


def _lines(lines):
    judge(lines)


def _cuts(args):
    """The same bytes, whole into one modem and cut into pieces into another: the same
    bytes out."""
    data, cuts = args
    whole, parts = S.Local(), S.Local()
    try:
        a = whole.feed(data)[0]
        b = b""
        at = 0
        for c in sorted(c % (len(data) + 1) for c in cuts) + [len(data)]:
            b += parts.feed(data[at:c])[0]
            at = c
    finally:
        whole.close()
        parts.close()
    TOTAL["inputs"] += 1
    TOTAL["bytes_moved"] += len(data) * 2 + len(a) + len(b)
    assert _CLOCK.sub(b"+CCLK", a) == _CLOCK.sub(b"+CCLK", b)  # the seconds may tick between


_CLOCK = re.compile(rb'\+CCLK: "[^"]*"')


PROPERTIES = {
    "random bytes": (st.binary(max_size=600), _bytes),
    "line-editing bytes": (EDITING, _bytes),
    "printable lines": (PRINTABLE_LINES, _lines),
    "commands with random arguments": (COMMAND_LINES, _lines),
    "input cut anywhere": (st.tuples(st.one_of(EDITING, COMMAND_LINES.map(b"".join)),
                                     st.lists(st.integers(0, 10 ** 4), max_size=6)), _cuts),
}


def test_random_bytes_get_one_final_result_per_line_and_leave_at_answering_ok():
    run(*PROPERTIES["random bytes"], SHORT)


def test_line_editing_bytes_get_one_final_result_per_line_and_leave_at_answering_ok():
    run(*PROPERTIES["line-editing bytes"], SHORT)


def test_random_printable_lines_get_one_final_result_each():
    run(*PROPERTIES["printable lines"], SHORT)


def test_every_command_with_random_arguments_gets_one_final_result():
    run(*PROPERTIES["commands with random arguments"], SHORT)


def test_the_answer_does_not_depend_on_how_the_input_is_cut():
    run(*PROPERTIES["input cut anywhere"], SHORT)


def test_the_commands_that_take_text_are_commands_of_the_table():
    from modem import commands as C

    assert C.TEXT and set(C.TEXT) <= set(C.TABLE)


def test_every_command_name_is_tried():
    names = {n.upper() for n in S.NAMES}
    assert {b"#VALL", b"+CMEE", b"&F", b"E", b"#FTPGET", b"#TCPPOINT", b"+EGNTWAIT"} <= names


# ---- bugs the fuzzing found, fixed: kept as tests

def test_a_slash_after_a_deleted_control_byte_leaves_the_next_line_clean():
    m = S.Local()
    try:
        m.feed(b"ATE0\r")
        assert m.feed(b"AT#GPRSCID?\r")[0].endswith(b"\r\nOK\r\n")
        assert m.feed(b"\x01\x08A/")[0].endswith(b"\r\nOK\r\n")  # the control byte deleted
        assert m.feed(b"AT\r")[0] == b"\r\nOK\r\n"
    finally:
        m.close()


# ---- make soak ----

@soak
def test_soak_fuzz_many_examples_of_every_property():
    t0 = time.monotonic()
    for strategy, prop in PROPERTIES.values():
        run(strategy, prop, LONG)
    record("fuzz, CPython (hypothesis)", inputs=TOTAL["inputs"], faults=TOTAL["faults"],
           sessions=0, bytes_moved=TOTAL["bytes_moved"],
           seconds=round(time.monotonic() - t0, 1))
