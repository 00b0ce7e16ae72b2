"""Screenshots of a report in headless Chromium (Debian's chromium + chromium-driver, no download).

    python tools/screenshot.py out/report/report.html out/screenshots

writes ``report-top.png`` (the first screen: title and dashboard) and ``plot.png`` (the first
interactive plot, hovered), and prints the page's height, where the dashboard sits and the file's
size. ``make screenshot`` runs the reference study and then this.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"


def chromium(width: int = 1280, height: int = 900):
    """A headless Chromium driven through selenium and Debian's chromedriver (selenium's own driver
    manager is never asked: it would download)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
              f"--window-size={width},{height}", "--hide-scrollbars"):
        opts.add_argument(a)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)


def wait_for_plots(driver, timeout_s: float = 20.0) -> int:
    """Wait until every interactive plot has drawn; returns how many there are."""
    t_end = time.monotonic() + timeout_s
    while True:
        n, drawn = driver.execute_script(
            "var d = document.querySelectorAll('div.iplot'); "
            "return [d.length, Array.from(d).filter(x => x.querySelector('.main-svg')).length];")
        if drawn == n or time.monotonic() > t_end:
            return n
        time.sleep(0.2)


POINT_JS = """
var gd = arguments[0], t = gd.data.find(d => d.visible !== false && d.x && d.x.length), i = Math.floor(t.x.length / 2);
var xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis, r = gd.getBoundingClientRect();
return [xa._offset + xa.d2p(t.x[i]) - r.width / 2, ya._offset + ya.d2p(t.y[i]) - r.height / 2];
"""
"""Where a data point of the plot's first visible trace is, from the plot's centre (selenium's offsets)."""


def hover(driver, plot) -> str:
    """Move the mouse onto a data point of ``plot`` (a real pointer event); returns the hover label's text."""
    from selenium.webdriver.common.action_chains import ActionChains

    driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", plot)
    time.sleep(0.3)
    dx, dy = driver.execute_script(POINT_JS, plot)
    ActionChains(driver).move_to_element_with_offset(plot, int(dx), int(dy)).perform()
    time.sleep(0.5)
    return driver.execute_script("var h = arguments[0].querySelector('.hoverlayer .hovertext'); "
                                 "return h ? h.textContent : '';", plot)


def main(report: str, folder: str) -> int:
    from selenium.webdriver.common.by import By

    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    page = Path(report).resolve()
    d = chromium()
    try:
        d.get(page.as_uri())
        wait_for_plots(d)
        d.save_screenshot(str(out / "report-top.png"))
        height = d.execute_script("return document.documentElement.scrollHeight")
        top = d.execute_script("var r = document.getElementById('dashboard').getBoundingClientRect(); "
                               "return [r.top + window.scrollY, r.height];")
        plots = d.find_elements(By.CSS_SELECTOR, "#plot-milestone-dates") or d.find_elements(By.CSS_SELECTOR, "div.iplot")
        label = hover(d, plots[0])
        plots[0].screenshot(str(out / "plot.png"))
    finally:
        d.quit()
    print(f"page height {height} px; dashboard at {top[0]:.0f} px, {top[1]:.0f} px tall; "
          f"file {page.stat().st_size / 1e6:.2f} MB")
    print(f"hover label: {label!r}")
    print(f"wrote {out / 'report-top.png'}\nwrote {out / 'plot.png'}")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1], sys.argv[2]))
