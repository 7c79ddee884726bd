"""The advice page and the console are served with the console CSP, their static files
with the right types, and the front end keeps every script and style in files and never
parses data as HTML.

No lifespan runs here: the pages and static files need nothing from ``app.state``.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from html.parser import HTMLParser
from importlib import resources
from pathlib import Path

import httpx
import pytest

from apfa.core.middleware import CONSOLE_CSP
from apfa.main import create_app
from apfa.web.endpoints import STATIC_DIR
from conftest import make_settings

PAGES = {"/": "/static/js/advice.js", "/admin": "/static/js/admin/main.js"}
IMPORT = re.compile(
    r"""(?:^|\s)(?:import|export)\s[^;]*?from\s+["']([^"']+)["']|^import\s+["']([^"']+)["']""", re.M
)
# Ways of turning a string into markup; the front end builds DOM nodes instead.
HTML_SINKS = re.compile(
    r"innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function"
)
OWN_JS = sorted(p for p in (STATIC_DIR / "js").rglob("*.js"))


@pytest.fixture
async def web(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(make_settings(tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'apfa.db'}"))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://apfa.test") as client:
        yield client


class PageParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[dict[str, str | None]] = []
        self.links: list[dict[str, str | None]] = []
        self.inline: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        if tag == "script":
            self.scripts.append(named)
            self._in_script = True
        if tag == "link":
            self.links.append(named)
        if tag == "style":
            self.inline.append("<style> element")
        for name in named:
            if name == "style" or name.startswith("on"):
                self.inline.append(f"{name}= on <{tag}>")

    def handle_endtag(self, tag: str) -> None:
        self._in_script = self._in_script and tag != "script"

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.inline.append("inline script")


def parse(html: str) -> PageParser:
    parser = PageParser()
    parser.feed(html)
    return parser


@pytest.mark.parametrize(("path", "entry"), PAGES.items())
async def test_pages_are_public_html_with_the_console_csp(
    web: httpx.AsyncClient, path: str, entry: str
) -> None:
    response = await web.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.headers["content-security-policy"] == CONSOLE_CSP
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["cache-control"] == "no-cache"
    page = parse(response.text)
    assert page.inline == [], "the CSP forbids inline scripts, styles and handlers"
    assert [s.get("src") for s in page.scripts] == [entry]
    assert page.scripts[0].get("type") == "module"


async def test_csp_lets_the_pages_reach_their_own_origin_only() -> None:
    directives = dict(d.strip().split(" ", 1) for d in CONSOLE_CSP.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    # 'self' covers same-origin ws:/wss: (CSP Level 3), which Socket.IO upgrades to.
    assert directives["connect-src"] == "'self'"


async def test_everything_the_pages_load_is_served_with_its_type(web: httpx.AsyncClient) -> None:
    wanted: set[str] = set()
    for path in PAGES:
        page = parse((await web.get(path)).text)
        wanted |= {str(s["src"]) for s in page.scripts}
        wanted |= {str(link["href"]) for link in page.links}
    assert {"/static/css/app.css", "/static/favicon.svg"} <= wanted
    seen: set[str] = set()
    while wanted:
        url = wanted.pop()
        seen.add(url)
        response = await web.get(url)
        assert response.status_code == 200, url
        assert response.headers["cache-control"] == "no-cache"
        assert "etag" in response.headers
        assert "content-security-policy" not in response.headers
        kind = response.headers["content-type"]
        if url.endswith(".js"):
            assert kind.split(";")[0] in {"text/javascript", "application/javascript"}, url
            for match in IMPORT.finditer(response.text):
                target = match.group(1) or match.group(2)
                resolved = str(httpx.URL(f"http://apfa.test{url}").join(target).path)
                if resolved not in seen:
                    wanted.add(resolved)
        elif url.endswith(".css"):
            assert kind.startswith("text/css")
        elif url.endswith(".svg"):
            assert kind.startswith("image/svg+xml")
    # Every module of ours is reachable from a page, and so is the vendored client.
    served_modules = {u for u in seen if u.endswith(".js")}
    expected = {"/static/" + p.relative_to(STATIC_DIR).as_posix() for p in OWN_JS}
    assert expected <= served_modules
    assert "/static/vendor/socket.io.esm.min.js" in served_modules


async def test_static_serving_refuses_what_is_not_a_static_file(web: httpx.AsyncClient) -> None:
    assert (await web.get("/static/nope.js")).status_code == 404
    assert (await web.get("/static/../endpoints.py")).status_code == 404
    assert (await web.get("/static/%2e%2e/endpoints.py")).status_code == 404
    refused = await web.post("/static/js/api.js")
    assert refused.status_code == 405


def test_front_end_never_parses_strings_as_html() -> None:
    offenders = {
        p.name: HTML_SINKS.findall(p.read_text(encoding="utf-8"))
        for p in OWN_JS
        if HTML_SINKS.search(p.read_text(encoding="utf-8"))
    }
    assert offenders == {}


def test_static_files_ship_inside_the_package() -> None:
    static = resources.files("apfa.web") / "static"
    for name in ("index.html", "admin.html", "css/app.css", "js/api.js"):
        assert (static / name).is_file(), name
    vendor = static / "vendor"
    banner = (vendor / "socket.io.esm.min.js").read_text(encoding="utf-8")[:200]
    version = re.search(r"Socket\.IO v(\d+\.\d+\.\d+)", banner)
    assert version is not None
    readme = (vendor / "README.md").read_text(encoding="utf-8")
    assert f"socket.io-client@{version.group(1)}" in readme
    assert "MIT" in (vendor / "socket.io-client.LICENSE").read_text(encoding="utf-8")
