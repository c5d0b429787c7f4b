"""A real browser for the UI tests: Debian's headless Chromium, driven by Playwright's Python client.

Playwright's own browser download is never used (it cannot be fetched here, and CI installs
Debian's ``chromium`` package instead: ``.ci/run``). Without Chromium the UI tests skip and say how
to get it, unless ``RTC_REQUIRE_BROWSER=1`` (set by ``.ci/run``) turns that into a failure.
"""

from __future__ import annotations

import os
import re
import shutil
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest

from tests.e2e.real_airflow import ROOT

CHROMIUM = os.environ.get("RTC_CHROMIUM", "/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# Git-ignored; a few optimised copies are committed under docs/screenshots for the README.
SCREENSHOTS = ROOT / ".screenshots"
HOW_TO_GET_IT = ("the UI tests need Debian's Chromium at /usr/bin/chromium (or RTC_CHROMIUM): "
                 "`sudo apt-get install -y chromium`; Playwright comes with `make env` (dependency group 'browser')")


def require_browser() -> None:
    """Skip (locally) or fail (CI: RTC_REQUIRE_BROWSER=1) when there is no browser to drive."""
    problem = None
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        problem = f"no Chromium at {CHROMIUM}"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            problem = "the playwright package is not installed"
    if problem:
        message = f"{problem}; {HOW_TO_GET_IT}"
        if os.environ.get("RTC_REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)


@contextmanager
def chromium() -> Iterator:
    """One headless Chromium for a test module; pages are made with :func:`new_page`."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


def new_page(browser, base_url: str):
    page = browser.new_page(viewport={"width": 1400, "height": 1000}, base_url=base_url)
    # Generous bounds: the api-server shares two cores with a scheduler, a triggerer and workers.
    page.set_default_timeout(60_000)
    return page


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{re.sub(r'[^a-z0-9_-]+', '-', name.lower())}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
