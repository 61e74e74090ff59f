"""``history --html`` opened in a real headless browser (the system's Chromium).

The page must render without console errors, show one bar per operation, and show an
operation's result when its row is clicked. ``.ci/run`` installs Chromium and its
driver when missing; elsewhere the test is skipped without them (never on CI).
``LAMBDA_DURABLE_SCREENSHOT=FILE`` also saves a screenshot (docs/history-page.png).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from returns.result import Result

from lambda_durable import DurableContext, DurableError, Duration, MapConfig, durable_handler
from lambda_durable.cli import main
from lambda_durable.local import LocalBackend

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")

if not (CHROMIUM and DRIVER):
    if os.environ.get("CI"):
        raise RuntimeError("CI needs chromium and chromedriver (.ci/run installs them)")
    pytest.skip("needs chromium and chromedriver from the system packages", allow_module_level=True)

from selenium import webdriver  # noqa: E402 - only once the browser is known to exist
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402


@durable_handler
def fulfil(event: list[str], ctx: DurableContext) -> Result[list[str], DurableError]:
    def pick(c: DurableContext, item: str, _: int) -> Result[str, DurableError]:
        return c.step(lambda _: f"picked {item}", name=f"pick {item}")

    return (
        ctx.map(event, pick, name="picking", config=MapConfig(max_concurrency=1))
        .bind(lambda batch: batch.to_result())
        .bind(lambda picked: ctx.wait(Duration.hours(4), name="truck").map(lambda _: picked))
        .bind(lambda picked: ctx.step(lambda _: picked + ["shipped"], name="ship"))
    )


@pytest.fixture
def page(tmp_path: Path) -> Path:
    db = tmp_path / "runs.db"
    with LocalBackend(str(db)) as backend:
        backend.register("fulfil", fulfil)
        backend.run_until_settled(backend.start("fulfil", '["tea", "cups"]', execution_name="order-7").unwrap())
    html = tmp_path / "order-7.html"
    assert main(["history", "order-7", "--db", str(db), "--html", str(html)]) == 0
    return html


@pytest.fixture
def browser() -> Iterator[webdriver.Chrome]:
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1200,800"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(executable_path=str(DRIVER)))
    try:
        yield driver
    finally:
        driver.quit()


def test_the_page_renders_one_bar_per_operation_and_shows_a_result_on_click(
    page: Path, browser: webdriver.Chrome
) -> None:
    browser.get(page.as_uri())
    rows = browser.find_elements(By.CSS_SELECTOR, "tr.op")
    labels = [row.find_element(By.TAG_NAME, "td").text for row in rows]
    assert labels == ["map picking", "item map-item-0", "step pick tea", "item map-item-1", "step pick cups",
                      "wait truck", "step ship"]
    bars = browser.find_elements(By.CSS_SELECTOR, ".bar")
    assert len(bars) == len(rows)
    assert all(bar.size["width"] >= 2 for bar in bars)
    truck = bars[labels.index("wait truck")]
    assert truck.size["width"] > bars[labels.index("step ship")].size["width"]  # 4 hours of virtual time
    rows[labels.index("step ship")].click()
    result = browser.find_element(By.CSS_SELECTOR, "#details pre.payload-result").text
    assert result == '["picked tea","picked cups","shipped"]'
    browser.find_element(By.CSS_SELECTOR, "input[value=active]").click()  # the other time axis redraws
    assert truck.size["width"] < bars[labels.index("step ship")].size["width"] * 50
    screenshot = os.environ.get("LAMBDA_DURABLE_SCREENSHOT")
    if screenshot:
        browser.find_element(By.CSS_SELECTOR, "input[value=recorded]").click()
        browser.save_screenshot(screenshot)
    log: list[dict[str, str]] = browser.get_log("browser")  # type: ignore[no-untyped-call]
    errors = [entry for entry in log if entry["level"] == "SEVERE"]
    assert errors == []
