"""make soak: the long soak tests (pytest -m soak, SOAK=1), then a table of their figures.

Each soak test writes build/soak/<name>.json (host_tests/soakrec.py); this clears the folder,
runs them, and prints one row per file and a total. It fails when pytest fails, when no
soak wrote its figures, or when any soak lost a byte. Arguments go to pytest (`-k lines`).
"""
import glob
import json
import os
import shutil
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FOLDER = os.path.join(ROOT, "build", "soak")
COLUMNS = (("inputs", "inputs"), ("faults", "faults"), ("sessions", "sessions"),
           ("bytes_moved", "bytes moved"), ("bytes_lost", "bytes lost"),
           ("heap_drift", "heap drift"), ("seconds", "time (s)"))


def records(folder=FOLDER):
    out = []
    for path in sorted(glob.glob(os.path.join(folder, "*.json"))):
        with open(path) as f:
            r = json.load(f)
        r.setdefault("name", os.path.basename(path)[:-5])
        out.append(r)
    return out


def number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def cell(key, v):
    if v is None:
        return "-"
    if isinstance(v, dict):  # a soak's settings in place of a count: its first count
        counts = ["%s %s" % (k, cell(key, x)) for k, x in v.items() if number(x)]
        return counts[0] if counts else "?"
    if not number(v):
        return str(v)[:20]
    if key == "seconds":
        return "%.1f" % v
    if key == "heap_drift":
        return "%+d B" % v
    return "{:,}".format(v)


def total(rows):
    """The total row: sums, but the largest heap drift (drifts of separate heaps do not
    add up)."""
    t = {"name": "total"}
    for key, _ in COLUMNS:
        vs = [r[key] for r in rows if number(r.get(key))]
        if vs:
            t[key] = max(vs, key=abs) if key == "heap_drift" else sum(vs)
    return t


def table(rows):
    body = [[r["name"]] + [cell(k, r.get(k)) for k, _ in COLUMNS] for r in rows + [total(rows)]]
    head = ["soak"] + [title for _, title in COLUMNS]
    widths = [max(len(x[i]) for x in [head] + body) for i in range(len(head))]

    def fmt(cells):
        return "  ".join(c.ljust(w) if i == 0 else c.rjust(w)
                         for i, (c, w) in enumerate(zip(cells, widths)))

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([fmt(head), rule] + [fmt(b) for b in body[:-1]] + [rule, fmt(body[-1])])


def main(args):
    shutil.rmtree(FOLDER, ignore_errors=True)
    t0 = time.monotonic()
    rc = subprocess.call(
        [sys.executable, "-m", "pytest", "-q", "-m", "soak", "-rfEsxX",
         "host_tests", "device_tests"] + args,
        cwd=ROOT, env=dict(os.environ, SOAK="1"))
    rows = records()
    print()
    if not rows:
        print("soak: no soak test recorded its figures (build/soak is empty)")
        return 1
    print(table(rows))
    print("\nheap drift: in use after the soak minus before, after a collection. total: the "
          "sums of the counts (not of settings such as `cycles 10,000`), the largest drift. "
          "-: not measured. %.0f s in all." % (time.monotonic() - t0))
    lost = [r["name"] for r in rows if number(r.get("bytes_lost")) and r["bytes_lost"] > 0]
    if lost:
        print("soak: bytes lost in " + ", ".join(lost))
    if rc:
        print("soak: pytest failed (exit %d)" % rc)
    return 1 if rc or lost else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
