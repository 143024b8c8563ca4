"""Debian's headless Chromium, driven by Selenium, for the dashboard's browser tests.

Nothing is downloaded: the browser and its driver are the `chromium` and `chromium-driver`
packages, named by path, so Selenium Manager never runs.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
INSTALL = "apt-get install -y chromium chromium-driver"
WAIT_S = 15.0
FLAGS = (
    "--headless",
    "--no-sandbox",  # the tests may run as root, where Chromium's sandbox cannot start
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1400,1800",
)

T = TypeVar("T")


def missing_browser() -> str | None:
    """Why the browser tests cannot run here, or None."""
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        return f"needs Debian's Chromium and its driver: {INSTALL}"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "needs selenium: pip install -e '.[dev]'"
    return None


def start_chromium(profile: Path) -> Any:
    """A headless Chromium with a fresh profile, driven by the packaged chromedriver."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (*FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    return webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)


def wait_for(driver: Any, found: Callable[[Any], T], timeout: float = WAIT_S) -> T:
    """What `found` returns once it is truthy (Selenium's wait, which retries on stale nodes)."""
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.support.ui import WebDriverWait

    waiting = WebDriverWait(driver, timeout, ignored_exceptions=[StaleElementReferenceException])
    return waiting.until(found)


def texts(driver: Any, selector: str) -> list[str]:
    """The text of every element that `selector` finds."""
    from selenium.webdriver.common.by import By

    return [element.text for element in driver.find_elements(By.CSS_SELECTOR, selector)]
