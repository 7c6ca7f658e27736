"""The soak tests' figures, one JSON file each in build/soak/, for `make soak`'s table.

A soak test is a pytest test marked `soak` that runs only with SOAK=1 (`soak` below does
both), and calls record(name, ...) with any of the figures of FIGURES once it has them.
tools/soak.py clears build/soak, runs the soak tests, then prints one row per file.
"""
import json
import os

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FOLDER = os.path.join(ROOT, "build", "soak")
FIGURES = ("inputs", "faults", "sessions", "bytes_moved", "bytes_lost", "heap_drift", "seconds")

ON = os.environ.get("SOAK") == "1"


def soak(test):
    """Marks a test as a soak test: `make soak` runs it (SOAK=1), `make test` skips it."""
    test = pytest.mark.soak(test)  # registered in pytest.ini
    return pytest.mark.skipif(not ON, reason="a soak test: make soak (SOAK=1)")(test)


def record(name, **figures):
    """Writes build/soak/<name>.json with the figures given: any of FIGURES (numbers, or
    None when not measured), which make the table, and any other detail, kept in the file."""
    os.makedirs(FOLDER, exist_ok=True)
    path = os.path.join(FOLDER, name.replace("/", "_") + ".json")
    with open(path, "w") as f:
        json.dump(dict(figures, name=name), f)
    return path
