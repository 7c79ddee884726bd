"""Supply chain: the lock files pin every dependency by version and hash and satisfy
pyproject's ranges; the advisory check fails on a fixable vulnerability and skips, saying
so, when its source cannot answer (tested against a loopback stub of PyPI's JSON API)."""

from __future__ import annotations

import importlib.util
import json
import re
import sys
import threading
import tomllib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]


def _tool(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"tools_{name}", ROOT / "tools" / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


lock = _tool("lock")
vulncheck = _tool("vulncheck")


def _pins(path: Path) -> dict[str, Version]:
    return {canonicalize_name(n): Version(v) for n, v in vulncheck.pins(path.read_text())}


@pytest.mark.parametrize(
    ("lock_file", "groups"),
    [("requirements.lock", ["runtime"]), ("requirements-dev.lock", ["runtime", "dev"])],
)
def test_each_lock_pins_every_dependency_by_hash_within_its_range(
    lock_file: str, groups: list[str]
) -> None:
    text = (ROOT / lock_file).read_text()
    entries = [e for e in re.split(r"\n(?=[a-z0-9])", text.split("\n", 2)[2].strip()) if e]
    assert entries
    for entry in entries:
        assert re.fullmatch(r"[a-z0-9._-]+==\S+ \\\n    --hash=sha256:[0-9a-f]{64}", entry), entry
    pinned = _pins(ROOT / lock_file)
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = list(project["dependencies"])
    if "dev" in groups:
        wanted += project["optional-dependencies"]["dev"]
    for spec in map(Requirement, wanted):
        name = canonicalize_name(spec.name)
        assert name in pinned, f"{spec.name} is not in {lock_file}"
        assert spec.specifier.contains(pinned[name], prereleases=True), (spec, pinned[name])


def test_the_runtime_lock_agrees_with_the_development_lock() -> None:
    runtime, dev = _pins(ROOT / "requirements.lock"), _pins(ROOT / "requirements-dev.lock")
    assert {name: dev.get(name) for name in runtime} == runtime


def test_a_pip_report_becomes_hash_pinned_lines_without_the_project() -> None:
    report = {
        "install": [
            {
                "metadata": {"name": "Zeta", "version": "1.0"},
                "download_info": {"archive_info": {"hashes": {"sha256": "b" * 64}}},
            },
            {"metadata": {"name": "apfa", "version": "0.1.0"}, "download_info": {"dir_info": {}}},
            {
                "metadata": {"name": "alpha", "version": "2.0+cpu"},
                "download_info": {"archive_info": {"hashes": {"sha256": "a" * 64}}},
            },
        ]
    }
    assert lock.lock_lines(report) == [
        f"alpha==2.0+cpu \\\n    --hash=sha256:{'a' * 64}",
        f"zeta==1.0 \\\n    --hash=sha256:{'b' * 64}",
    ]
    report["install"][0]["download_info"] = {"archive_info": {"hashes": {"md5": "0" * 32}}}
    with pytest.raises(ValueError, match="no sha256"):
        lock.lock_lines(report)


# The stub's data: per release, its advisories; `withheld` releases answer 404 although
# the project lists them (what a proxy that serves only some of the API does).
RELEASES: dict[str, dict[str, list[dict[str, Any]]]] = {
    "safe": {"1.0": []},
    "leaky": {"2.0": [{"id": "PYSEC-2026-1", "fixed_in": ["2.1"]}], "2.1": []},
    "unfixed": {"3.0": [{"id": "GHSA-xxxx", "fixed_in": []}]},
    "withheld": {"4.0": []},
}


class _PyPI(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        parts = self.path.strip("/").split("/")  # pypi/<name>[/<version>]/json
        name = parts[1]
        if name not in RELEASES:
            self._send(404, {})
        elif len(parts) == 3:
            self._send(200, {"releases": {v: [] for v in RELEASES[name]}})
        elif name == "withheld" or parts[2] not in RELEASES[name]:
            self._send(404, {})
        else:
            self._send(200, {"vulnerabilities": RELEASES[name][parts[2]]})

    def _send(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def source() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _PyPI)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _run(tmp_path: Path, source: str, *pins: str) -> int:
    path = tmp_path / "test.lock"
    path.write_text("".join(f"{pin} \\\n    --hash=sha256:{'0' * 64}\n" for pin in pins))
    code: int = vulncheck.main([str(path), "--source", source])
    return code


def test_a_fixable_advisory_fails_the_check(
    tmp_path: Path, source: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _run(tmp_path, source, "safe==1.0", "leaky==2.0", "local-only==9.9") == 1
    out = capsys.readouterr().out
    assert "leaky 2.0: PYSEC-2026-1 (fixed in 2.1)" in out
    assert "3 pinned, 1 advisories, 1 with a fix" in out


def test_clean_and_unfixed_sets_pass_and_name_what_has_no_fix(
    tmp_path: Path, source: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _run(tmp_path, source, "safe==1.0", "leaky==2.1", "unfixed==3.0") == 0
    out = capsys.readouterr().out
    assert "unfixed 3.0: GHSA-xxxx (no fix released)" in out
    assert "0 with a fix" in out


def test_a_source_that_cannot_answer_skips_with_the_reason(
    tmp_path: Path, source: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _run(tmp_path, source, "withheld==4.0", "leaky==2.0") == 0
    assert "vulnerability check skipped" in capsys.readouterr().out
    closed = ThreadingHTTPServer(("127.0.0.1", 0), _PyPI)
    port = closed.server_address[1]
    closed.server_close()  # nothing listens there now
    assert _run(tmp_path, f"http://127.0.0.1:{port}", "leaky==2.0") == 0
    assert "vulnerability check skipped" in capsys.readouterr().out
