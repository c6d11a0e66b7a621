"""The editor page in a real headless Chromium, against a real uvicorn on loopback.

Chromium is Debian's package (``.ci/run`` installs it when missing), started by us with the
flags a machine without network needs and a fresh profile; Playwright only connects to it over
the DevTools protocol (its own browser downloads are never used).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(
        CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)"
    ),
]
playwright_sync = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TITLE = "Ngày hội hiến máu tình nguyện"
TEXT = (
    "Bệnh viện tỉnh phối hợp tổ chức ngày hội cho bệnh nhân và bác sĩ.\n"
    "Huyện tổ chức hiến máu tình nguyện tại nhà văn hóa. "
    "Ngày hội hiến máu thu được 300 đơn vị máu. "
    "Bác sĩ điều trị và khám sức khỏe cho người hiến.\n"
    "Phong trào hiến máu tình nguyện lan rộng trong thanh niên. "
    "Bệnh viện cảm ơn các tình nguyện viên."
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture()
def server(tiny_bundle: Path, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    import uvicorn
    from tinbai.service.api import create_app
    from tinbai.service.settings import Settings

    db = tmp_path / "feedback.db"
    app = create_app(Settings(bundle=tiny_bundle, database_url=f"sqlite:///{db}"))
    port = free_port()
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not srv.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}", db
    finally:
        srv.should_exit = True
        thread.join(timeout=10)


@pytest.fixture()
def chromium_cdp(tmp_path: Path) -> Iterator[str]:
    """Start Chromium ourselves with a fresh profile; yield its DevTools endpoint."""
    profile = tmp_path / "profile"
    profile.mkdir()
    log = open(tmp_path / "chromium.log", "wb")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [
            CHROMIUM,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={profile}",
            "--remote-debugging-port=0",
            "--remote-debugging-address=127.0.0.1",
            "about:blank",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        active = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 60
        while not (active.exists() and active.read_text().strip()):
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(
                    f"chromium did not start: {(tmp_path / 'chromium.log').read_text()[-2000:]}"
                )
            time.sleep(0.1)
        yield f"http://127.0.0.1:{active.read_text().splitlines()[0]}"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)  # the process group we started, nothing else
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()


def test_editor_sees_tags_evidence_summary_and_can_correct(server, chromium_cdp: str) -> None:
    from tinbai.service.feedback import FeedbackStore

    base, db = server
    with playwright_sync.sync_playwright() as p:
        browser = p.chromium.connect_over_cdp(chromium_cdp)
        try:
            context = browser.contexts[0] if browser.contexts else browser.new_context()
            page = context.new_page()
            page.goto(base + "/")
            page.wait_for_function(
                "document.getElementById('model-info').textContent.includes('tiny')"
            )

            page.fill("#title", TITLE)
            page.fill("#text", TEXT)
            page.click("#analyze")
            page.wait_for_selector("body[data-state=analyzed]", timeout=30_000)

            # The topic, with its name.
            assert "Sức khỏe" in page.inner_text("#topic")
            # The campaign, by name, and its evidence highlighted in the article text.
            campaign = page.locator("#campaigns li[data-campaign=hien-mau-tinh-nguyen]")
            assert campaign.is_visible() and "Hiến máu tình nguyện" in campaign.inner_text()
            evidence = page.locator("#article .sentence.evidence")
            assert evidence.count() >= 1
            for text in evidence.all_inner_texts():
                assert "hiến máu" in text.lower()
            background = evidence.first.evaluate("e => getComputedStyle(e).backgroundColor")
            assert background not in ("rgba(0, 0, 0, 0)", "transparent")
            # The summary sentences highlighted in the text, as the API chose them.
            summary = page.locator("#article .sentence.summary")
            assert summary.count() == 3
            assert " ".join(summary.all_inner_texts()) == page.inner_text("#summary")
            assert page.locator("#article .sentence").count() == 7  # every body sentence shown

            # One click sends a correction.
            assert page.input_value("#correct-topic") == "suc-khoe"
            box = page.locator("#correct-campaigns input[value=hien-mau-tinh-nguyen]")
            assert box.is_checked()
            page.select_option("#correct-topic", "chinh-tri-xa-hoi")
            page.fill("#note", "tin hoạt động đoàn thể")
            page.click("#send-feedback")
            page.wait_for_selector("#feedback-status.ok", timeout=15_000)
            assert "Đã lưu chỉnh sửa #1" in page.inner_text("#feedback-status")

            # A bad input gets the API's clear message, not a broken page.
            page.fill("#text", "   ")
            page.click("#analyze")
            page.wait_for_selector("body[data-state=error]")
            assert page.inner_text("#error") == "field 'text': is empty or only whitespace"
        finally:
            browser.close()

    (correction,) = list(FeedbackStore(f"sqlite:///{db}").corrections())
    assert (correction.topic, correction.campaigns) == (
        "chinh-tri-xa-hoi",
        ["hien-mau-tinh-nguyen"],
    )
    assert (correction.predicted_topic, correction.predicted_campaigns) == (
        "suc-khoe",
        ["hien-mau-tinh-nguyen"],
    )
    assert (
        correction.text == TEXT
        and correction.title == TITLE
        and correction.note == "tin hoạt động đoàn thể"
    )
