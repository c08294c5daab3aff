"""The HTML report opens in headless Chromium: figures load, no console errors, not blank."""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

from stream.evaluation.campaign import parse_campaign
from stream.evaluation.execute import run_campaign, trial_keys
from stream.evaluation.html import write_html
from stream.evaluation.report import Report

CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--window-size=1400,1000")


@pytest.fixture()
def browser(tmp_path: Path) -> Iterator[webdriver.Chrome]:
    chromium, driver = shutil.which("chromium"), shutil.which("chromedriver")
    assert chromium and driver, "scripts/system-deps installs chromium and chromium-driver"
    opts = webdriver.ChromeOptions()
    opts.binary_location = chromium
    for flag in CHROMIUM_FLAGS:
        opts.add_argument(flag)
    opts.add_argument(f"--user-data-dir={tmp_path / 'profile'}")
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    b = webdriver.Chrome(options=opts, service=Service(driver))
    try:
        yield b
    finally:
        b.quit()


def test_report_page_shows_tables_and_figures(tmp_path: Path,
                                              browser: webdriver.Chrome) -> None:
    c = parse_campaign({"name": "page", "seed": 3, "families": {
        "foot": {"trials": 2}, "animals": {"trials": 1}, "faults": {"trials": 1}}})
    keys = trial_keys(c)
    report = Report(c.name, "page.yaml", c.seed, c.geofences, run_campaign(c, keys),
                    options=c.matching.model_dump())
    page = write_html(report, c, tmp_path / "report")
    browser.get(page.as_uri())
    assert "BorderWatch detection quality" in browser.title + browser.page_source
    images = browser.find_elements("css selector", "img")
    assert len(images) == 4
    for img in images:  # every figure loaded and has a size
        assert browser.execute_script(
            "return arguments[0].complete && arguments[0].naturalWidth", img) > 300
    assert browser.find_elements("css selector", "table")
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == []
    shot = np.asarray(Image.open(io.BytesIO(browser.get_screenshot_as_png())).convert("L"))
    assert shot.std() > 20 and (shot < 128).mean() > 0.01  # text and plots, not a blank page
    for r in report.failed():  # each failed trial's scenario file is written and linked
        assert (tmp_path / "report" / "trials" / f"{r.family}-{r.index:03d}.yaml").is_file()
