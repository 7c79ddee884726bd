"""The console and the advice page driven in Debian's Chromium against a real
``apfa serve`` process (local task engine, in-process Socket.IO), as a user would.

Screenshots go to ``$APFA_TEST_ARTIFACTS/web`` (default ``test-artifacts/web``).
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Dialog, Page, Playwright, expect, sync_playwright

from conftest import CORPUS, unavailable
from support import PASSWORD, SHARED_MODELS

pytestmark = pytest.mark.slow

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
APFA = str(Path(sys.executable).parent / "apfa")
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(os.environ.get("APFA_TEST_ARTIFACTS") or ROOT / "test-artifacts") / "web"
SUPER = "console-super"
ADMIN = "console-admin"
PLAIN = "console-user"
ADVISOR = "console-advisor"
# Generous: the local engine shares two cores with the browser and the test itself.
SLOW_MS = 90_000
HOSTILE_NAME = "<img src=x onerror=alert(1)>.md"
HOUSE = "Can I afford a $400,000 house making $95,000 a year with $500 in monthly debts?"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Server:
    url: str
    var_dir: Path

    def token(self, username: str, password: str = PASSWORD) -> str:
        response = httpx.post(
            f"{self.url}/token", json={"username": username, "password": password}, timeout=30
        )
        assert response.status_code == 200, response.text
        token: str = response.json()["access_token"]
        return token

    def call(self, method: str, path: str, token: str, **kwargs: object) -> httpx.Response:
        return httpx.request(
            method,
            f"{self.url}{path}",
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
            **kwargs,  # type: ignore[arg-type]
        )


def _wait_healthy(url: str, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"apfa serve exited with {server.returncode}: {log.read_text()[-2000:]}")
        try:
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    pytest.fail("apfa serve did not start")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    var_dir = tmp_path_factory.mktemp("web")
    env = {k: v for k, v in os.environ.items() if not k.startswith("APFA_") or k == SHARED_MODELS}
    env.update(
        APFA_VAR_DIR=str(var_dir),
        APFA_JWT_SECRET="browser-tests-" + "s" * 40,
        APFA_EMBEDDING_DEVICE="cpu",
        APFA_LOG_LEVEL="WARNING",
        APFA_RATE_LIMIT_ADVICE="1000/minute",
        APFA_RATE_LIMIT_TOKEN="1000/minute",
        APFA_RATE_LIMIT_REFRESH="1000/minute",
        APFA_RATE_LIMIT_WS_CONNECT="1000/minute",
        APFA_TASK_BACKEND="local",
        APFA_WS_METRICS_INTERVAL_SECONDS="1",
    )

    def apfa(*args: str, stdin: str | None = None) -> None:
        done = subprocess.run(
            [APFA, *args], input=stdin, env=env, cwd=var_dir, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr

    apfa("migrate")
    roles = ((SUPER, "super_admin"), (ADMIN, "admin"), (ADVISOR, "financial_advisor"))
    for name, role in (*roles, (PLAIN, "user")):
        apfa("users", "create", name, "--role", role, "--password-stdin", stdin=PASSWORD + "\n")
    apfa("kb", "ingest", str(CORPUS))
    port = free_port()
    log = var_dir / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [APFA, "serve", "--port", str(port)], env=env, cwd=var_dir, stdout=out, stderr=out
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, process, log)
        yield Server(url, var_dir)
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        unavailable(f"{CHROMIUM} is not installed (apt-get install chromium)")
    with sync_playwright() as playwright:
        yield _launch(playwright)


def _launch(playwright: Playwright) -> Browser:
    return playwright.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
    )


@dataclass
class Tab:
    """A page plus what it saw: dialogs (there must be none), page errors and CSP reports."""

    page: Page
    name: str
    dialogs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    websockets: list[str] = field(default_factory=list)

    def shot(self, label: str) -> None:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / f"{self.name}-{label}.png"), full_page=True)


@pytest.fixture
def open_tab(
    browser: Browser, server: Server, request: pytest.FixtureRequest
) -> Iterator[Callable[[str], Tab]]:
    contexts = []
    tabs: list[Tab] = []

    def open_(path: str) -> Tab:
        context = browser.new_context(base_url=server.url, viewport={"width": 1280, "height": 900})
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        tab = Tab(page, f"{request.node.name}-{len(tabs)}")

        def on_dialog(dialog: Dialog) -> None:
            tab.dialogs.append(f"{dialog.type}: {dialog.message}")
            dialog.dismiss()

        page.on("dialog", on_dialog)
        page.on("pageerror", lambda error: tab.errors.append(str(error)))
        page.on("websocket", lambda ws: tab.websockets.append(ws.url))
        page.on(
            "console",
            lambda m: (
                tab.errors.append(m.text)
                if m.type == "error" and "Content Security Policy" in m.text
                else None
            ),
        )
        page.goto(path)
        tabs.append(tab)
        return tab

    yield open_
    for tab in tabs:
        tab.shot("end")
        assert tab.dialogs == [], "no page may open a dialog"
        assert tab.errors == [], "no script errors or CSP violations"
    for context in contexts:
        context.close()


def sign_in(page: Page, username: str, password: str = PASSWORD) -> None:
    page.fill("#login-username", username)
    page.fill("#login-password", password)
    page.click("#login-submit")


PANEL_LISTS = {
    "tasks": "/api/admin/celery/tasks",
    "documents": "/api/v1/documents",
    "index": "/api/admin/index",
    "market": "/api/admin/market",
    "users": "/api/v1/users",
}


def console_as(open_tab: Callable[[str], Tab], username: str, panel: str) -> Tab:
    """Sign in to the console on ``panel`` and wait for the panel's first list."""
    tab = open_tab(f"/admin#{panel}")
    with tab.page.expect_response(lambda r: PANEL_LISTS[panel] in r.url) as listed:
        sign_in(tab.page, username)
    assert listed.value.status == 200
    expect(tab.page.locator("#whoami")).to_have_text(username)
    return tab


def test_console_sign_in_shows_only_what_the_role_may_use(
    open_tab: Callable[[str], Tab], server: Server
) -> None:
    tab = open_tab("/admin")
    page = tab.page
    sign_in(page, SUPER, "not the password")
    expect(page.locator("#login-error")).to_contain_text("401")
    sign_in(page, SUPER)
    expect(page.locator("#role")).to_have_text("super_admin")
    nav = page.locator("#nav button:visible")
    expect(nav).to_have_text(
        [
            "Tasks",
            "Queues & workers",
            "Index versions",
            "Market data",
            "Documents",
            "Live metrics",
            "Users",
            "Audit log",
        ]
    )
    expect(page.locator("#live")).to_have_text("live")
    # A real WebSocket, which the console CSP's connect-src 'self' lets through.
    assert any("/ws/socket.io/" in url and "transport=websocket" in url for url in tab.websockets)
    # The token lives in this tab's sessionStorage only: a reload keeps the session.
    page.reload()
    expect(page.locator("#whoami")).to_have_text(SUPER)
    page.click("#nav button[data-panel=audit]")
    expect(page.locator("#audit-table tbody tr").first).to_be_visible()
    expect(page.locator("#audit-table")).to_contain_text("login")
    page.click("#nav button[data-panel=queues]")
    expect(page.locator("#queues-table tbody tr[data-queue=indexing]")).to_be_visible()
    tab.shot("super-admin")
    page.click("#signout")
    expect(page.locator("#login-form")).to_be_visible()
    assert page.evaluate("sessionStorage.getItem('apfa.session')") is None

    sign_in(page, ADMIN)
    expect(page.locator("#role")).to_have_text("admin")
    expect(page.locator("#nav button:visible")).to_have_text(
        ["Tasks", "Queues & workers", "Index versions", "Market data", "Documents", "Live metrics"]
    )
    tab.shot("admin")
    page.click("#signout")

    sign_in(page, PLAIN)
    expect(page.locator("#no-access")).to_contain_text(
        "Your role (user) has no console permissions"
    )
    expect(page.locator("#workspace")).to_be_hidden()
    tab.shot("user")


def test_market_data_lists_every_series_and_starts_a_fetch(
    open_tab: Callable[[str], Tab], server: Server
) -> None:
    tab = console_as(open_tab, ADMIN, "market")
    page = tab.page
    expect(page.locator("#market-summary")).to_contain_text("not configured (no FRED key)")
    expect(page.locator("#market-table tbody tr[data-series=MORTGAGE30US]")).to_contain_text(
        "bundled APFA rate table"
    )
    expect(page.locator("#market-table tbody tr[data-series=DFF]")).to_contain_text(
        "none in the bundled table"
    )
    page.click("#market-fetch")
    expect(page.locator("#market-status")).to_contain_text("fetch job")
    tab.shot("market")


def test_live_metrics_charts_for_an_advisor(open_tab: Callable[[str], Tab], server: Server) -> None:
    tab = open_tab("/admin")
    page = tab.page
    sign_in(page, ADVISOR)
    expect(page.locator("#nav button:visible")).to_have_text(["Live metrics"])
    expect(page.locator("#panel-metrics")).to_be_visible()
    expect(page.locator("#live")).to_have_text("live")
    # One snapshot a second from the server's metrics room draws each chart's line.
    for chart in ("#chart-rate", "#chart-p95", "#chart-cache"):
        expect(page.locator(f"{chart} svg")).to_be_visible()
    lines = page.locator("#chart-rate svg polyline.series")
    expect(lines).to_have_count(1, timeout=15_000)
    # Three points or more: the line grows as snapshots arrive.
    expect(lines).to_have_attribute("points", re.compile(r"^\S+ \S+ \S+"), timeout=15_000)
    expect(page.locator("#chart-rate text.latest")).not_to_have_text("no data yet")
    tab.shot("metrics")


def test_console_shows_403_and_401_from_the_api(
    open_tab: Callable[[str], Tab], server: Server
) -> None:
    name = f"demoted-{uuid.uuid4().hex[:8]}"
    boss = server.token(SUPER)
    created = server.call(
        "POST",
        "/api/v1/users",
        boss,
        json={"username": name, "password": PASSWORD, "role": "super_admin"},
    )
    assert created.status_code == 201, created.text
    tab = console_as(open_tab, name, "users")
    page = tab.page
    expect(page.locator(f"#users-table td.username:text-is('{name}')")).to_be_visible()
    demoted = server.call(
        "PATCH", f"/api/v1/users/{created.json()['id']}", boss, json={"role": "admin"}
    )
    assert demoted.status_code == 200, demoted.text
    page.fill("#user-form input[name=username]", f"x-{uuid.uuid4().hex[:8]}")
    page.fill("#user-form input[name=password]", PASSWORD)
    page.click("#user-form button[type=submit]")
    alert = page.locator("#panel-users [data-errors]")
    expect(alert).to_contain_text("403 Forbidden")
    expect(alert).to_have_attribute("data-status", "403")
    # The console re-reads the role and hides what it may no longer use.
    expect(page.locator("#role")).to_have_text("admin")
    expect(page.locator("#nav button[data-panel=users]")).to_be_hidden()
    tab.shot("403")
    # Ending every session of the user: the next call is refused, the refresh token is
    # dead too, and the console asks to sign in again.
    assert server.call("POST", "/token/revoke-all", server.token(name)).status_code == 204
    page.click("#nav button[data-panel=tasks]")
    expect(page.locator("#login-form")).to_be_visible()
    expect(page.locator("#login-error")).to_contain_text("Sign in again")
    tab.shot("401")


def _upload(page: Page, files: list[dict[str, object]]) -> None:
    page.set_input_files("#upload-files", files)  # type: ignore[arg-type]
    page.click("#upload")


def test_uploaded_document_reaches_indexed_live(
    open_tab: Callable[[str], Tab], server: Server
) -> None:
    watcher = console_as(open_tab, SUPER, "tasks")
    expect(watcher.page.locator("#live")).to_have_text("live")
    known = set(
        watcher.page.locator("#tasks-table tbody tr").evaluate_all(
            "rows => rows.map(r => r.dataset.taskId)"
        )
    )
    task_lists: list[str] = []
    watcher.page.on(
        "request",
        lambda r: task_lists.append(r.url) if "/api/admin/celery/tasks" in r.url else None,
    )
    uploader = console_as(open_tab, SUPER, "documents")
    expect(uploader.page.locator("#live")).to_have_text("live")
    marker = uuid.uuid4().hex
    body = f"# Escrow accounts {marker}\n\nAn escrow account holds tax and insurance money.\n"
    _upload(
        uploader.page,
        [
            {"name": f"escrow-{marker}.md", "mimeType": "text/markdown", "buffer": body.encode()},
            {"name": f"notes-{marker}.txt", "mimeType": "text/plain", "buffer": b"Budget notes.\n"},
        ],
    )
    rows = uploader.page.locator(f"#documents-table tr:has(td.filename:text-matches('{marker}'))")
    expect(rows).to_have_count(2)
    uploader.shot("uploaded")
    for row in (rows.nth(0), rows.nth(1)):
        expect(row).to_have_attribute("data-status", "indexed", timeout=SLOW_MS)
    expect(uploader.page.locator("#upload-status li .badge")).to_have_text(["indexed", "indexed"])
    uploader.shot("indexed")
    # The other tab loaded its task list once and was told the rest over Socket.IO.
    succeeded = watcher.page.locator("#tasks-table tbody tr[data-state=succeeded]")
    expect(succeeded.first).to_be_visible(timeout=SLOW_MS)
    new = set(succeeded.evaluate_all("rows => rows.map(r => r.dataset.taskId)")) - known
    assert new, "a task started by the upload reached succeeded in the other tab"
    assert task_lists == [], "the task table must follow events, not re-fetch"
    row = watcher.page.locator(f"#tasks-table tr[data-task-id='{sorted(new)[0]}']")
    expect(row.locator("progress")).to_be_attached()
    expect(row.locator("td.runtime")).not_to_be_empty()
    # The upload's batch job says how its documents ended.
    batch = watcher.page.locator(
        "#tasks-table tbody tr[data-state=succeeded]", has_text="documents.embed_batch"
    )
    expect(batch.first.locator(".counts")).to_have_text("2 indexed")
    watcher.shot("tasks")


def test_a_document_past_its_review_date_is_listed_for_review(
    open_tab: Callable[[str], Tab], server: Server
) -> None:
    tab = console_as(open_tab, SUPER, "documents")
    page = tab.page
    marker = uuid.uuid4().hex[:12]
    body = (
        f"---\ntitle: Loan limits {marker}\nfreshness: time-sensitive\n"
        f"updated: 2019-01-02\nreview_by: 2020-01-02\n---\n# Loan limits {marker}\n\n"
        "The conforming loan limit is republished every November.\n"
    )
    _upload(
        page,
        [{"name": f"limits-{marker}.md", "mimeType": "text/markdown", "buffer": body.encode()}],
    )
    row = page.locator("#review-table tbody tr", has_text=marker)
    expect(row).to_be_visible(timeout=SLOW_MS)
    expect(row).to_contain_text("time-sensitive")
    expect(row).to_contain_text("2020-01-02")
    expect(page.locator("#review-summary")).to_contain_text("past their review date")
    tab.shot("review")


def test_hostile_filename_is_shown_as_text(open_tab: Callable[[str], Tab], server: Server) -> None:
    tab = console_as(open_tab, SUPER, "documents")
    page = tab.page
    payload = b"# <script>alert(2)</script> title\n\nPlain body text about budgets.\n"
    _upload(page, [{"name": HOSTILE_NAME, "mimeType": "text/markdown", "buffer": payload}])
    cell = page.locator("#documents-table td.filename", has_text="onerror").first
    expect(cell).to_have_text(HOSTILE_NAME)
    status = page.locator("#upload-status")
    expect(status).to_contain_text(HOSTILE_NAME)
    assert page.locator("main img, #upload-status img").count() == 0
    assert page.locator("#documents-table script").count() == 0
    row = page.locator("#documents-table tr", has=page.locator("td.filename", has_text="onerror"))
    expect(row).to_have_attribute(
        "data-status", re.compile("indexed|rejected|failed"), timeout=SLOW_MS
    )
    tab.shot("hostile")
    # The fixture asserts that no dialog opened (an executed onerror would alert).


def test_build_activate_and_roll_back_index_versions(
    open_tab: Callable[[str], Tab], server: Server
) -> None:
    tab = console_as(open_tab, SUPER, "index")
    page = tab.page
    token = server.token(SUPER)
    before = server.call("GET", "/api/admin/index", token).json()["items"]
    previous = next(v["id"] for v in before if v["active"])
    page.click("#rebuild")
    expect(page.locator("#rebuild-status")).to_contain_text("build job")
    newest = max(v["id"] for v in before) + 1
    built = page.locator(f"#index-table tr[data-version='{newest}']")
    expect(built).to_have_class("active", timeout=SLOW_MS)
    expect(page.locator("#rebuild-status")).to_contain_text(f"index swapped to v{newest}")
    tab.shot("built")
    page.click(f"#index-table button[data-activate='{previous}']")
    expect(page.locator(f"#index-table tr[data-version='{previous}']")).to_have_class("active")
    expect(page.locator("#rebuild-status")).to_contain_text(f"v{previous}")
    after = server.call("GET", "/api/admin/index", token).json()
    assert [v["id"] for v in after["items"] if v["active"]] == [previous]
    assert after["served_version"] == previous
    tab.shot("rolled-back")


def test_advice_streams_in_with_clickable_citations(
    open_tab: Callable[[str], Tab], server: Server
) -> None:
    tab = open_tab("/")
    page = tab.page
    streams: list[tuple[int, str]] = []
    page.on(
        "response",
        lambda r: (
            streams.append((r.status, r.headers.get("content-type", "")))
            if r.url.endswith("/api/v1/advice/stream")
            else None
        ),
    )
    page.fill("#query", "How is the back-end debt-to-income ratio calculated?")
    page.click("details#profile summary")
    page.fill("input[name=annual_income]", "85000")
    page.fill("input[name=credit_score]", "720")
    page.select_option("select[name=loan_type]", "mortgage")
    page.fill("input[name=home_price]", "350000")
    page.fill("input[name=down_payment]", "35000")
    page.click("#ask")
    expect(page.locator("#login-form")).to_be_visible()
    sign_in(page, PLAIN)
    expect(page.locator("#status")).to_have_text("Done.", timeout=SLOW_MS)
    assert streams, "the answer came from the streaming endpoint"
    assert streams[0][0] == 200
    assert streams[0][1].startswith("text/event-stream")
    answer = page.locator("#answer")
    expect(answer).to_contain_text("debt")
    markers = answer.locator("button.cite")
    assert markers.count() >= 1
    first = markers.first
    n = first.get_attribute("data-n")
    first.click()
    passage = page.locator("#passage")
    expect(passage).to_be_visible()
    source = page.locator(f"#source-{n}")
    expect(source).to_have_class("active")
    snippet = source.locator("blockquote").text_content() or ""
    assert snippet.strip()
    expect(passage.locator("blockquote")).to_have_text(snippet)
    expect(page.locator("#metrics dd[data-key=monthly_payment]")).to_contain_text("$")
    assert page.locator("#amortization svg rect.principal").count() >= 10
    expect(page.locator("#disclaimer")).not_to_be_empty()
    tab.shot("answer")


def test_a_two_turn_conversation_remembers_what_it_was_told(
    open_tab: Callable[[str], Tab], server: Server
) -> None:
    name = f"talker-{uuid.uuid4().hex[:8]}"
    created = server.call(
        "POST",
        "/api/v1/users",
        server.token(SUPER),
        json={"username": name, "password": PASSWORD, "role": "user"},
    )
    assert created.status_code == 201, created.text
    tab = open_tab("/")
    page = tab.page
    page.click("#mode-conversation")
    expect(page.locator("#conversation-panel")).to_be_visible()
    expect(page.locator("#threads-status")).to_contain_text("Sign in")
    expect(page.locator("#ask")).to_have_text("Send")
    page.fill("#query", HOUSE)
    page.click("#ask")
    sign_in(page, name)
    expect(page.locator("#status")).to_have_text("Done.", timeout=SLOW_MS)
    transcript = page.locator("#transcript li")
    expect(transcript).to_have_count(2)
    expect(transcript.first).to_have_text(HOUSE)
    known = page.locator("#known-facts")
    expect(known.locator("dd[data-name=annual_income]")).to_contain_text("95,000")
    expect(known.locator("dd[data-name=home_price]")).to_contain_text("400,000")
    expect(page.locator("#query")).to_have_value("")

    page.fill("#query", "what if I put 20% down instead?")
    page.click("#ask")
    expect(transcript).to_have_count(4, timeout=SLOW_MS)
    expect(page.locator("#status")).to_have_text("Done.")
    expect(known.locator("dd[data-name=down_payment_pct]")).to_have_text("20%")
    expect(known.locator("dd[data-name=annual_income]")).to_contain_text("95,000")
    expect(page.locator("#metrics dd[data-key=loan_amount]")).to_contain_text("320,000")
    threads = page.locator("#conversation-list button")
    expect(threads).to_have_count(1)
    expect(threads.first).to_contain_text("Can I afford")
    expect(threads.first).to_contain_text("2 turns")
    expect(threads.first).to_have_class("current")
    tab.shot("conversation")

    page.reload()
    page.click("#mode-conversation")
    page.click("#conversation-list button")
    expect(transcript).to_have_count(4)
    expect(known.locator("dd[data-name=down_payment_pct]")).to_have_text("20%")
    [thread] = server.call("GET", "/api/v1/conversations", server.token(name)).json()["items"]
    assert thread["turns"] == 2
    page.click("#new-conversation")
    expect(transcript).to_have_count(0)
    expect(page.locator("#thread-title")).to_have_text("New conversation")


SSE_CHUNKS = [
    ': a comment\r\nid: 1\r\nevent: citations\r\ndata: {"citations": [{"n": 1}]}\r\n\r\n',
    'event: delta\ndata: {"text": "Hello, "}\n\nevent: del',
    'ta\ndata: {"text": "wor',
    'ld [1]"}\n\nevent: note\ndata: line one\r',
    '\ndata: line two\r\n\r\ndata: {"done": true}',
]


def test_sse_reader_reassembles_events_split_across_chunks(
    open_tab: Callable[[str], Tab],
) -> None:
    """The page's own SSE parser (static/js/sse.js), fed a stream cut at awkward places:
    inside a field name, inside JSON, between CR and LF, and with no final blank line."""
    tab = open_tab("/")
    events = tab.page.evaluate(
        """async (chunks) => {
          const { readEvents } = await import("/static/js/sse.js");
          const encoder = new TextEncoder();
          const body = new ReadableStream({
            start(controller) {
              for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
              controller.close();
            },
          });
          const seen = [];
          for await (const event of readEvents(new Response(body))) seen.push(event);
          return seen;
        }""",
        SSE_CHUNKS,
    )
    assert events == [
        {"event": "citations", "id": "1", "data": {"citations": [{"n": 1}]}},
        {"event": "delta", "id": "1", "data": {"text": "Hello, "}},
        {"event": "delta", "id": "1", "data": {"text": "world [1]"}},
        {"event": "note", "id": "1", "data": "line one\nline two"},
        {"event": "message", "id": "1", "data": {"done": True}},
    ]
