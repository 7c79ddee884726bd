"""Known vulnerabilities in a lock file's pinned set, from the Python Packaging Advisory
Database as PyPI serves it (the JSON API's ``vulnerabilities``, the source pip-audit uses).

    python tools/vulncheck.py requirements-dev.lock [--source https://pypi.org]

Exit 1 when a pinned version has a known vulnerability with a fixed release (upgrade it with
``make lock``); 0 when none does, listing those with no fix yet. When the data source cannot
be reached (no network, or a proxy that serves only the simple index), it prints one line
saying the check was skipped and why, and exits 0.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx

_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s\\;]+)", re.M)
TIMEOUT_SECONDS = 10.0
WORKERS = 8


@dataclass(frozen=True)
class Finding:
    name: str
    version: str
    advisory: str
    fixed_in: tuple[str, ...]


class SourceUnavailable(Exception):
    """The advisory data cannot be read from here."""


def pins(lock_text: str) -> list[tuple[str, str]]:
    return [(m.group(1).lower(), m.group(2)) for m in _PIN.finditer(lock_text)]


def _findings(client: httpx.Client, source: str, name: str, version: str) -> list[Finding]:
    url = f"{source}/pypi/{name}/{version.split('+')[0]}/json"
    try:
        answer = client.get(url)
    except httpx.HTTPError as exc:
        raise SourceUnavailable(f"{url}: {type(exc).__name__}") from exc
    if answer.status_code == 404:
        project = client.get(f"{source}/pypi/{name}/json")
        if project.status_code == 200 and version.split("+")[0] in project.json()["releases"]:
            # the release exists, so its advisories are withheld (a proxy), not absent
            raise SourceUnavailable(f"{url} answered 404 for a published release")
        return []  # not on this index (a local build): nothing is known about it
    if answer.status_code != 200:
        raise SourceUnavailable(f"{url} answered {answer.status_code}")
    return [
        Finding(name, version, v.get("id", "?"), tuple(v.get("fixed_in") or ()))
        for v in answer.json().get("vulnerabilities") or ()
    ]


def check(pinned: Sequence[tuple[str, str]], source: str) -> list[Finding]:
    """Every advisory for the pinned versions; ``SourceUnavailable`` when the source cannot
    answer for one of them (a source that cannot answer is never taken as a clean result)."""
    with httpx.Client(timeout=TIMEOUT_SECONDS, follow_redirects=True) as client:
        if pinned:  # fail fast, before a pool of requests, when nothing is served
            _findings(client, source, *pinned[0])
        with ThreadPoolExecutor(WORKERS) as pool:
            found = pool.map(lambda pin: _findings(client, source, *pin), pinned)
            return [finding for batch in found for finding in batch]


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("lock", type=Path)
    parser.add_argument("--source", default="https://pypi.org")
    args = parser.parse_args(argv)
    pinned = pins(args.lock.read_text(encoding="utf-8"))
    try:
        findings = check(pinned, args.source.rstrip("/"))
    except (SourceUnavailable, httpx.HTTPError) as exc:
        print(f"vulnerability check skipped: the advisory source is unavailable ({exc})")
        return 0
    fixable = [f for f in findings if f.fixed_in]
    for f in findings:
        fix = f"fixed in {', '.join(f.fixed_in)}" if f.fixed_in else "no fix released"
        print(f"{f.name} {f.version}: {f.advisory} ({fix})")
    print(
        f"vulnerability check: {len(pinned)} pinned, {len(findings)} advisories, "
        f"{len(fixable)} with a fix"
    )
    return 1 if fixable else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
