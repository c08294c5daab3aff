"""The map page in headless Chromium (Debian's chromium + chromium-driver, Selenium) while
five-on-foot runs: the page's model, an ack from the page, a screenshot, no console errors."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from confluent_kafka import OFFSET_BEGINNING
from matplotlib import image
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from geofences.index import GeofenceSet, bundled_doc
from simulators.scenario import load_scenario
from simulators.world import World
from stream import topics
from stream.alerts.feed import assigned_consumer
from stream.cli.processes import stop_process
from stream.models import Alert
from stream.settings import Settings
from tests.conftest import settings_env, start_worker
from tests.map_helpers import five_on_foot_on, map_server

pytestmark = pytest.mark.integration

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
OPERATOR = "agent-browser"


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[webdriver.Chrome]:
    """Headless Chromium driven by Debian's chromedriver (Selenium downloads nothing)."""
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--window-size=1400,850",
                f"--user-data-dir={tmp_path / 'chromium'}"):
        opts.add_argument(arg)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=opts, service=Service(CHROMEDRIVER))
    yield driver
    driver.quit()


def page_state(driver: webdriver.Chrome) -> dict[str, Any]:
    state: dict[str, Any] = driver.execute_script("return window.borderwatch.state")
    return state


def serious(state: dict[str, Any]) -> list[dict[str, Any]]:
    return [i for i in state["incidents"] if i["severity"] != "low"]


def wait_acked_alert(settings: Settings, alert_id: str, timeout: float = 60) -> Alert:
    """The first message of ``alert_id`` on the alerts topic that carries an ack."""
    consumer = assigned_consumer(settings, [topics.ALERTS], OFFSET_BEGINNING)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            msg = consumer.poll(0.5)
            if msg is None or msg.error():
                continue
            alert = Alert.model_validate_json(msg.value() or b"")
            if alert.id == alert_id and alert.ack is not None:
                return alert
    finally:
        consumer.close()
    raise AssertionError(f"no message of {alert_id} carried an ack within {timeout:.0f}s")


@pytest.fixture(params=["nogales-sasabe", "new-mexico"])
def fenced(request: pytest.FixtureRequest, topics: Settings, tmp_path: Path) -> Iterator[Settings]:
    """Settings on one bundled geofence set, with a worker running on it."""
    settings = topics.model_copy(update={"geofences": request.param})
    proc = start_worker(settings, tmp_path / "worker.log")
    yield settings
    stop_process("worker", proc)


def test_page_follows_five_on_foot_and_acks_from_the_page(
    fenced: Settings, browser: webdriver.Chrome, tmp_path: Path
) -> None:
    settings = fenced
    zones = len(bundled_doc(settings.geofences)["features"])  # zones and the boundary line
    scenario = five_on_foot_on(settings.geofences, tmp_path)
    devices = len(World(load_scenario(scenario), start=time.time()).ids)
    with map_server(settings, tmp_path / "map.log") as url:
        browser.get(url)
        WebDriverWait(browser, 30).until(
            lambda d: d.execute_script("return !!(window.borderwatch && "
                                       "window.borderwatch.state.connected)"))
        assert page_state(browser)["counts"]["fence"] == zones
        assert browser.find_element(By.ID, "fences").text.endswith(
            GeofenceSet.from_geojson(bundled_doc(settings.geofences)).version)
        Select(browser.find_element(By.ID, "severity")).select_by_visible_text("medium")
        browser.find_element(By.ID, "operator").send_keys(OPERATOR)
        sim = subprocess.Popen(  # paced: the page watches it happen
            [sys.executable, "-m", "stream.cli", "simulate", scenario, "--speed", "8",
             "--quiet"], env=settings_env(settings), start_new_session=True)
        try:
            WebDriverWait(browser, 240, poll_frequency=0.5).until(
                lambda d: (s := page_state(d))["counts"]["sensor"] == devices
                and len(serious(s)) == 1 and serious(s)[0]["track_points"] >= 3,
                message="one incident with a track and every sensor on the page")
            state = page_state(browser)
            (incident,) = serious(state)
            assert state["counts"]["fence"] == zones and state["counts"]["track"] >= 1
            # every device has a health status (a paced run is placed in the past, so its
            # early heartbeats may already be past their stale time: offline)
            assert sum(state["sensor_status"].values()) == devices, state["sensor_status"]
            assert incident["ack_by"] is None
            WebDriverWait(browser, 10).until(  # the list is filtered to medium and above
                lambda d: page_state(d)["listed"] == [incident["alert_id"]])
            browser.find_element(By.CSS_SELECTOR, "#alerts li").click()  # zoom, provenance
            provenance = browser.find_element(By.ID, "provenance").text
            assert incident["alert_id"] in provenance and "evidence" in provenance
            browser.find_element(By.CSS_SELECTOR, "#alerts li .do-ack").click()
            acked = wait_acked_alert(settings, incident["alert_id"])
            assert acked.ack is not None and acked.ack.by == OPERATOR
            WebDriverWait(browser, 60).until(
                lambda d: serious(page_state(d))[0]["ack_by"] == OPERATOR
                and f"acknowledged by {OPERATOR}" in d.find_element(By.ID, "alerts").text,
                message="the page shows who acknowledged")

            # the time slider: an hour ago there was no incident; Live brings it back
            browser.execute_script(
                "const s = document.getElementById('slider'); s.value = s.min;"
                "s.dispatchEvent(new Event('input'));")
            WebDriverWait(browser, 30).until(
                lambda d: not (s := page_state(d))["live"] and s["counts"]["incident"] == 0
                and s["counts"]["fence"] == zones, message="the replayed picture")
            browser.find_element(By.ID, "live").click()
            WebDriverWait(browser, 30).until(
                lambda d: (s := page_state(d))["live"] and len(serious(s)) == 1,
                message="back to the live picture")

            shot = tmp_path / "map.png"
            assert browser.save_screenshot(str(shot))
            pixels = image.imread(shot)[..., :3].reshape(-1, 3)
            assert pixels.std() > 0.05, "blank screenshot"
            assert len(np.unique((pixels * 255).astype(np.uint8), axis=0)) > 50
            errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
            assert errors == []
        finally:
            stop_process("simulator", sim)


def test_with_tokens_the_page_opens_once_with_its_token_and_names_the_operator(
    topics: Settings, browser: webdriver.Chrome, tmp_path: Path
) -> None:
    tokens = {"BORDERWATCH_MAP_TOKENS": "ana:ana-secret-1,bo:bo-secret-22"}
    with map_server(topics, tmp_path / "map.log", **tokens) as url:
        browser.get(url)
        assert "token is required" in browser.find_element(By.TAG_NAME, "body").text
        browser.get(url + "?token=bo-secret-22")
        WebDriverWait(browser, 30).until(
            lambda d: d.execute_script("return !!(window.borderwatch && "
                                       "window.borderwatch.state.connected)"))
        assert browser.current_url == url  # the token left the address bar for a cookie
        state = page_state(browser)
        assert state["operator"] == "bo"
        assert state["counts"]["fence"] == len(bundled_doc(topics.geofences)["features"])
        field = browser.find_element(By.ID, "operator")
        assert field.get_attribute("value") == "bo" and not field.is_enabled()
        errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"
                  and "401" not in e["message"]]  # the first, token-less visit
        assert errors == []
