"""The pinned files agree: every pin in requirements*.txt is the version constraints.txt locks."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PIN = re.compile(r"^([A-Za-z0-9_.\-\[\]]+)==([^\s;#]+)")


def pins(name: str) -> dict[str, str]:
    """{normalised package name: version} of the ``name==version`` lines of a requirements file."""
    found = {}
    for line in (ROOT / name).read_text().splitlines():
        m = PIN.match(line.strip())
        if m:
            package = re.sub(r"[-_.]+", "-", m.group(1).split("[")[0]).lower()
            found[package] = m.group(2)
    return found


def test_every_pin_is_the_locked_version():
    locked = pins("constraints.txt")
    assert len(locked) > 200, "constraints.txt should pin the whole tree; run `make lock`"
    for name in ("requirements.txt", "requirements-dev.txt"):
        for package, version in pins(name).items():
            assert locked.get(package) == version, (
                f"{name} pins {package}=={version} but constraints.txt has {locked.get(package)}: run `make lock`"
            )


def test_no_deps_packages_are_not_in_the_resolved_tree():
    # They are installed with --no-deps on purpose (their declared deps would downgrade pins): if one of them
    # showed up in the lock, some other package would pull it with its bad dependencies.
    locked = pins("constraints.txt")
    for package in pins("requirements-nodeps.txt"):
        assert package not in locked, (
            f"{package} is in constraints.txt: it must only come from requirements-nodeps.txt"
        )
