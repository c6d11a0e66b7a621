"""The editor page in a real headless Chromium, against a real uvicorn on loopback.

Chromium is Debian's package (``.ci/run`` installs it when missing), started by us with the
flags a machine without network needs and a fresh profile; Playwright only connects to it over
the DevTools protocol (its own browser downloads are never used).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

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


@contextlib.contextmanager
def serving(bundle: Path, db: Path, **settings: Any) -> Iterator[str]:
    """A real uvicorn on a free loopback port serving ``bundle``; yields its base URL."""
    import uvicorn
    from tinbai.service.api import create_app
    from tinbai.service.settings import Settings

    app = create_app(Settings(bundle=bundle, database_url=f"sqlite:///{db}", **settings))
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
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.should_exit = True
        thread.join(timeout=10)


@pytest.fixture()
def server(tiny_bundle: Path, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    db = tmp_path / "feedback.db"
    with serving(tiny_bundle, db) as base:
        yield base, db


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


@contextlib.contextmanager
def editor_page(cdp: str, base: str, width: int = 1280, height: int = 900) -> Iterator[Any]:
    """A fresh tab on the editor page, the model info loaded."""
    with playwright_sync.sync_playwright() as p:
        browser = p.chromium.connect_over_cdp(cdp)
        try:
            context = browser.contexts[0] if browser.contexts else browser.new_context()
            page = context.new_page()
            page.set_viewport_size({"width": width, "height": height})
            page.goto(base + "/")
            page.wait_for_function(
                "document.getElementById('model-info').textContent.includes('tiny')"
            )
            yield page
        finally:
            browser.close()


def analyse(page: Any, text: str = TEXT, title: str | None = TITLE) -> None:
    if title is not None:
        page.fill("#title", title)
    page.fill("#text", text)
    page.click("#analyze")
    page.wait_for_selector("body[data-state=analyzed]", timeout=30_000)


def get_json(url: str) -> Any:
    with urllib.request.urlopen(url) as resp:  # loopback only: the test's own server
        return json.load(resp)


def test_editor_sees_tags_evidence_summary_and_can_correct(server, chromium_cdp: str) -> None:
    from tinbai.service.feedback import FeedbackStore

    base, db = server
    with editor_page(chromium_cdp, base) as page:
        analyse(page)

        # The topic by its Vietnamese name; the code is data, not display.
        assert page.inner_text("#topic .name") == "Sức khỏe"
        assert "suc-khoe" not in page.inner_text("#result")
        assert page.get_attribute("#topic", "data-label") == "suc-khoe"
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


def test_scores_are_honest_and_near_threshold_is_flagged(server, chromium_cdp: str) -> None:
    base, _ = server
    models = get_json(base + "/v1/models")
    campaign = next(c for c in models["taxonomy"]["campaigns"] if c["id"] == "hien-mau-tinh-nguyen")
    threshold = campaign["threshold"]
    assert isinstance(threshold, float)

    def doctored(route: Any) -> None:
        """The real answer, with the scores this test needs (the shape untouched)."""
        body = route.fetch().json()
        body["topic"]["score"] = body["topic"]["ranking"][0]["score"] = 0.9956
        body["topic"]["ranking"][1]["score"] = 0.0044
        (theme,) = body["campaigns"]
        theme["score"] = round(threshold + 0.01, 4)  # just over: a theme, barely
        body["mentions"] = [dict(theme, score=round(threshold / 3, 4))]  # far below
        route.fulfill(json=body)

    with editor_page(chromium_cdp, base) as page:
        formats = page.evaluate("[0.9956, 0.9996, 1, 0.5, 0.04, 0.00004, 0].map(pct)")
        assert formats == ["99,6%", "> 99,9%", "100%", "50,0%", "4,0%", "< 0,1%", "0%"]

        page.route("**/v1/analyze", doctored)
        analyse(page)
        assert page.inner_text("#topic .score") == "99,6%"
        assert page.inner_text("#ranking li:first-child .score") == "0,4%"
        assert "100%" not in page.inner_text("#result")

        theme = page.locator("#campaigns li[data-campaign=hien-mau-tinh-nguyen]")
        assert theme.get_attribute("data-near") == "true"
        assert theme.locator(".near").inner_text() == "gần ngưỡng"
        assert f"vượt ngưỡng {page.evaluate(f'pct({threshold})')}" in theme.inner_text()
        mention = page.locator("#mentions li[data-campaign=hien-mau-tinh-nguyen]")
        assert mention.get_attribute("data-near") is None
        assert mention.locator(".near").count() == 0

        # Descriptions are written out, not hidden in a tooltip (phones have no hover), in
        # Vietnamese where the taxonomy has it (the shipped one does for every campaign).
        description = theme.locator(".description")
        assert campaign["description_vi"]
        assert description.is_visible() and description.inner_text() == campaign["description_vi"]
        choice = page.locator("#correct-campaigns label:has(input[value=hien-mau-tinh-nguyen])")
        assert choice.locator(".description").is_visible()
        assert choice.get_attribute("title") is None
        # The topic list names topics only; their ids are the options' values.
        options = page.eval_on_selector_all(
            "#correct-topic option", "os => os.map(o => [o.value, o.textContent])"
        )
        assert options == [[t["id"], t["name"]] for t in models["taxonomy"]["topics"]]


OVERLOADED = {
    "error": {
        "code": "overloaded",
        "message": "the service is at capacity (8 requests in flight); retry in 2 s",
    }
}


def test_errors_are_in_vietnamese_and_clear_the_last_result(
    tiny_bundle: Path, tmp_path: Path, chromium_cdp: str
) -> None:
    with (
        serving(tiny_bundle, tmp_path / "feedback.db", max_text_chars=2000) as base,
        editor_page(chromium_cdp, base) as page,
    ):
        requests: list[str] = []
        page.on("request", lambda r: requests.append(r.url))

        def fails_with(expected: str, code: str) -> None:
            page.click("#analyze")
            page.wait_for_selector(f"#error[data-code={code}]")
            assert page.get_attribute("body", "data-state") == "error"
            assert page.inner_text("#error .message") == expected
            # the last article's tags are gone, not left beside the error
            assert page.locator("#result").is_hidden()
            assert page.inner_text("#topic") == "" and page.inner_text("#campaigns") == ""
            assert page.is_disabled("#send-feedback")

        analyse(page)
        # No connection: the request never reaches a server.
        page.route("**/v1/analyze", lambda r: r.abort("connectionrefused"))
        fails_with(
            "Không kết nối được tới máy chủ. Kiểm tra mạng hoặc máy chủ tinbai rồi thử lại.",
            "network",
        )
        page.unroute("**/v1/analyze")

        analyse(page)
        # The service at capacity answers 503 with its error body and Retry-After.
        page.route(
            "**/v1/analyze",
            lambda r: r.fulfill(status=503, json=OVERLOADED, headers={"Retry-After": "2"}),
        )
        fails_with("Máy chủ đang quá tải. Vui lòng thử lại sau 2 giây.", "overloaded")
        assert "at capacity" in page.inner_text("#error .detail")  # the server's words kept
        page.route(
            "**/v1/analyze",
            lambda r: r.fulfill(
                status=500,
                json={"error": {"code": "internal_error", "message": "internal error"}},
            ),
        )
        fails_with(
            "Máy chủ gặp lỗi nội bộ. Vui lòng thử lại; nếu vẫn lỗi, báo cho bộ phận kỹ thuật.",
            "internal_error",
        )
        page.route("**/v1/analyze", lambda r: r.fulfill(status=502, body="<html>Bad gateway"))
        fails_with(
            "Máy chủ gặp lỗi nội bộ. Vui lòng thử lại; nếu vẫn lỗi, báo cho bộ phận kỹ thuật.",
            "http",
        )
        page.unroute("**/v1/analyze")

        # A real 4xx from this server (its size limit), the field named in Vietnamese.
        analyse(page)
        page.fill("#text", "Bài báo rất dài. " * 150)
        fails_with("Nội dung bài báo dài quá giới hạn máy chủ cho phép.", "payload_too_large")
        assert "over the limit of 2000" in page.inner_text("#error .detail")
        analyse(page)
        page.fill("#sentences", "-1")
        fails_with("Số câu tóm tắt không hợp lệ.", "invalid_input")
        assert "field 'sentences'" in page.inner_text("#error .detail")
        page.fill("#sentences", "3")

        # Empty text is caught on the page: nothing is sent.
        analyse(page)
        sent_before = len(requests)
        page.fill("#text", "  \n ")
        fails_with(
            "Chưa có nội dung bài báo: dán toàn văn bài vào ô “Nội dung bài báo”.", "empty_text"
        )
        assert len(requests) == sent_before

        # A good analysis afterwards clears the error.
        analyse(page)
        assert page.locator("#error").is_hidden()


def test_a_correction_carries_the_article_id_and_is_sent_once(server, chromium_cdp: str) -> None:
    from tinbai.service.feedback import FeedbackStore

    base, db = server

    def rows() -> list[Any]:
        return list(FeedbackStore(f"sqlite:///{db}").corrections())

    with editor_page(chromium_cdp, base) as page:
        posts: list[str] = []
        page.on(
            "request",
            lambda r: posts.append(r.url) if r.url.endswith("/v1/feedback") else None,
        )
        # No id typed: one is made from the content, shown, and the same article gets the same.
        analyse(page)
        shown = page.inner_text("#feedback-article-id")
        assert re.fullmatch(r"web-[0-9a-f]{14}", shown)
        assert "tự tạo" in page.inner_text("#feedback-article-id-note")
        analyse(page)
        assert page.inner_text("#feedback-article-id") == shown

        # A double click sends one request, and the saved correction cannot be sent again.
        page.select_option("#correct-topic", "chinh-tri-xa-hoi")
        page.dblclick("#send-feedback")
        page.wait_for_selector("#feedback-status.ok")
        assert page.is_disabled("#send-feedback")
        assert page.inner_text("#send-feedback") == "Đã gửi"
        assert page.evaluate("sendFeedback().then(() => 'returned')") == "returned"
        assert len(posts) == 1
        (row,) = rows()
        assert (row.article_id, row.topic) == (shown, "chinh-tri-xa-hoi")

        # Re-analysing the same article and choosing the same correction: still sent once.
        analyse(page)
        page.select_option("#correct-topic", "chinh-tri-xa-hoi")
        assert page.is_disabled("#send-feedback")
        assert "đã được lưu (#1)" in page.inner_text("#feedback-status")

        # Nor after a reload: the page remembers what it saved.
        page.reload()
        analyse(page)
        page.select_option("#correct-topic", "chinh-tri-xa-hoi")
        assert page.is_disabled("#send-feedback")

        # While a correction is in flight the button is off and a second call sends nothing.
        page.fill("#note", "tin đoàn thể")
        assert page.is_enabled("#send-feedback")
        during = page.evaluate(
            """async () => {
                const button = document.getElementById('send-feedback');
                const first = sendFeedback();
                const state = [button.disabled, button.textContent];
                await sendFeedback();
                await first;
                return state;
            }"""
        )
        assert during == [True, "Đang gửi…"]
        page.wait_for_selector("#feedback-status.ok")
        assert len(posts) == 2

        # An id the editor types is the one stored.
        page.fill("#article-id", "BK-2020/118")
        analyse(page)
        assert page.inner_text("#feedback-article-id") == "BK-2020/118"
        assert page.inner_text("#feedback-article-id-note") == ""
        page.click("#send-feedback")
        page.wait_for_selector("#feedback-status.ok")
        assert "BK-2020/118" in page.inner_text("#feedback-status")
        assert len(posts) == 3

    stored = rows()
    assert [r.article_id for r in stored] == [shown, shown, "BK-2020/118"]
    assert [r.note for r in stored] == [None, "tin đoàn thể", None]


# A run of letters with no break: a phone must wrap it, not scroll sideways.
LONG_WORD = "Chươngtrìnhhànhđộng" * 8
PHONE_TEXT = TEXT + f"\nVăn bản {LONG_WORD} được nêu trong tài liệu hiến máu tình nguyện."

LABELS_BESIDE_FIELDS = """() => {
  const bad = [];
  for (const label of document.querySelectorAll('label')) {
    const box = label.getBoundingClientRect();
    if (!box.width || !box.height) continue;  // hidden
    const field = label.htmlFor ? document.getElementById(label.htmlFor)
                                : label.querySelector('input, select, textarea');
    const f = field.getBoundingClientRect();
    if (!f.width) continue;
    let ok;
    if (label.contains(field)) {  // a checkbox: beside the first line of its own text
      ok = Math.abs(f.top - box.top) < 12 && f.right <= box.left + 30;
    } else {
      const sameRow = f.top < box.bottom && box.top < f.bottom
                      && f.left >= box.right - 1 && f.left - box.right < 16;
      const below = f.top >= box.bottom - 1 && f.top - box.bottom < 12
                    && Math.abs(f.left - box.left) < 16;
      ok = sameRow || below;
    }
    if (!ok) bad.push(label.textContent.trim().slice(0, 40));
  }
  return bad;
}"""
NO_SIDEWAYS = (
    "[document.documentElement.scrollWidth, document.documentElement.clientWidth, innerWidth]"
)


def test_at_phone_width_results_come_into_view_and_nothing_scrolls_sideways(
    server, chromium_cdp: str
) -> None:
    base, _ = server
    with editor_page(chromium_cdp, base, width=390, height=844) as page:

        def no_sideways() -> None:
            scroll_width, client_width, _ = page.evaluate(NO_SIDEWAYS)
            assert scroll_width <= client_width

        page.click("summary")  # the API key field open too
        assert page.evaluate(LABELS_BESIDE_FIELDS) == []
        no_sideways()

        assert page.evaluate("scrollY") == 0
        analyse(page, PHONE_TEXT)
        # The result is on screen without the editor scrolling down to find it.
        top = page.evaluate("document.getElementById('result').getBoundingClientRect().top")
        assert page.evaluate("scrollY") > 0 and 0 <= top < 100
        assert LONG_WORD in page.inner_text("#article")
        no_sideways()
        assert page.evaluate(LABELS_BESIDE_FIELDS) == []

        page.fill("#text", "")
        page.click("#analyze")
        page.wait_for_selector("#error[data-code=empty_text]")
        no_sideways()
