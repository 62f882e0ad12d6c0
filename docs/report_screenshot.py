"""Retake ``docs/report-first-screen.png``: the demo's report, first screen, in headless Chromium
at 1280 x 900, as the README shows it.

    synth run && python docs/report_screenshot.py output/adult-demo

Needs the ``test`` extra (playwright) and Debian's ``chromium``; opens the page offline.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

OUT = Path(__file__).with_name("report-first-screen.png")


def main(job_folder: Path) -> None:
    report = job_folder / (job_folder / "latest").read_text().strip() / "report.html"
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        sys.exit("chromium is not installed")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(report.resolve().as_uri())
        page.wait_for_load_state("load")
        page.screenshot(path=str(OUT))
        browser.close()
    sys.stdout.write(f"wrote {OUT}\n")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "output/adult-demo"))
