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
            m = re.match(r"\s*`AT([#+&]?[A-Z]*)`", cell)
            if m and m.group(1):
                names.add(m.group(1))
    assert names == set(C.names()), set(C.names()) ^ names


def test_every_parameter_and_alias_is_in_the_readme_with_its_default():
    documented = {}
    for row in section("params").splitlines()[3:]:
        cells = [c.strip().strip("`") for c in row.split("|")[1:-1]]
        documented[cells[0]] = (cells[1].strip("`"), cells[3].strip("`"))
    table = {}
    for line in S.TABLE.split("\n"):
        names = line.split(",")[0].split("/")
        table[names[0]] = "/".join(names[1:])
    assert set(documented) == set(table)
    for name, aliases in table.items():
        assert documented[name][0] == aliases, name
        row = S.find(name)
        shown = row[S.DEFAULT].replace(" ", ",")
        if row[S.KIND] in "SH":
            shown = '"%s"' % shown
        assert documented[name][1] == shown, name
