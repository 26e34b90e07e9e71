"""Support for the browser tests of the HTML report (`palisade scan --format html`) driven in headless
Chromium (Debian's package, /usr/bin/chromium) through Playwright.

Reports are generated with the built binary: $PALISADE_BIN, else
$CARGO_TARGET_DIR/debug/palisade (target/debug/palisade by default), which
`cargo test` builds. A missing browser or binary is a failure, never a skip.

Every page is opened from disk (file://) and checked for console errors,
Content-Security-Policy violations, dialogs and any request other than the
file itself. Set PALISADE_SCREENSHOTS=DIR to also write the screenshots of
docs/img (docs/img/html-summary.png, docs/img/html-finding.png).
"""

import json
import os
import pathlib
import shutil
import subprocess
import tempfile
import tomllib
import unittest

from playwright.sync_api import sync_playwright

ROOT = pathlib.Path(__file__).resolve().parents[4]
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
SEVERITIES = ["critical", "high", "medium", "low", "info"]
# Findings exit codes: 0 clean, 1 findings, 3 incomplete (gaps or errors).
SCAN_CODES = (0, 1, 3)


def binary(name):
    if name == "palisade" and os.environ.get("PALISADE_BIN"):
        path = pathlib.Path(os.environ["PALISADE_BIN"])
    else:
        target = pathlib.Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
        if not target.is_absolute():
            target = ROOT / target
        path = target / "debug" / name
    if not path.is_file():
        build = "cargo test --workspace --locked" if name == "palisade" else f"cargo build --locked -p palisade-benches --bin {name}"
        raise AssertionError(f"{path} is missing: run `{build}` first (./scripts/test does)")
    return path


def scan(snapshot, out, *extra):
    """Runs `palisade scan SNAPSHOT --format FMT --output OUT` from the repository root."""
    fmt = "json" if str(out).endswith(".json") else "html"
    cmd = [str(binary("palisade")), "scan", str(snapshot), "--format", fmt, "--output", str(out), *extra]
    p = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=1200)
    if p.returncode not in SCAN_CODES:
        raise AssertionError(f"{cmd} exited {p.returncode}: {p.stderr}")
    return out


def rule_meta(rule_id):
    for path in (ROOT / "rules").rglob(f"{rule_id}.toml"):
        if "frameworks" not in path.parts:
            return tomllib.loads(path.read_text())
    raise AssertionError(f"no metadata for {rule_id}")


class Page:
    """One report opened from disk, with everything it did recorded."""

    def __init__(self, browser, path, viewport=None):
        self.url = pathlib.Path(path).resolve().as_uri()
        self.page = browser.new_page(viewport=viewport or {"width": 1280, "height": 900})
        self.console, self.errors, self.requests, self.dialogs = [], [], [], []
        self.page.on("console", lambda m: m.type in ("error", "warning") and self.console.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("dialog", self._dialog)
        # Init scripts run before the page's own and are not subject to its CSP.
        self.page.add_init_script(
            "window.__csp = []; document.addEventListener('securitypolicyviolation',"
            " function (e) { window.__csp.push(e.violatedDirective + ' ' + e.blockedURI); });"
        )
        self.page.goto(self.url, wait_until="load", timeout=120_000)
        self.page.wait_for_selector("html[data-ready=true]", timeout=120_000)

    def _dialog(self, d):
        self.dialogs.append(d.message)
        d.dismiss()

    def assert_clean(self, test):
        csp = self.page.evaluate("window.__csp")
        test.assertEqual(csp, [], "CSP violations")
        test.assertEqual(self.console, [], "console errors or warnings")
        test.assertEqual(self.errors, [], "page errors")
        test.assertEqual(self.dialogs, [], "dialogs")
        test.assertEqual(self.requests, [self.url], "requests other than the file itself")

    def count(self):
        return int(self.page.get_attribute("#match-count", "data-n"))

    def choose(self, select, label):
        self.page.select_option(select, label=label)
        return self.count()

    def card(self, key):
        return int(self.page.text_content(f"#summary .card[data-k={key}] .n").replace(",", ""))

    def row_texts(self, cell):
        return self.page.eval_on_selector_all(
            f"#results tr.row td:nth-child({cell})", "els => els.map(e => e.textContent)")

    def close(self):
        self.page.close()


class Browser(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not os.path.isfile(CHROMIUM):
            raise AssertionError(f"{CHROMIUM} is missing: apt-get install chromium")
        cls.tmp = pathlib.Path(tempfile.mkdtemp(prefix="palisade-html-"))
        cls.pw = sync_playwright().start()
        cls.browser = cls.pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)

    @classmethod
    def tearDownClass(cls):
        cls.browser.close()
        cls.pw.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def open(self, path, **kw):
        p = Page(self.browser, path, **kw)
        self.addCleanup(p.close)
        return p


def _written(subdir, *names):
    """The directory under the cargo target's tmp where the `browser` cargo
    test wrote `names`; an error naming the command when one is missing."""
    target = pathlib.Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    if not target.is_absolute():
        target = ROOT / target
    d = target / "tmp" / subdir
    for name in names:
        if not (d / name).is_file():
            raise AssertionError(f"{d / name} is missing: run `cargo test --locked -p palisade-report --test browser` first"
                                 " (./scripts/test does)")
    return d


def history_reports():
    """The reports with a history section the `browser` cargo test writes."""
    d = _written("html-history", "history.html", "first.html")
    return d / "history.html", d / "first.html"


def exposure_report():
    """The report with reachability verdicts the `browser` cargo test writes,
    and what it expects (rule, resource, severities, the hostile label)."""
    d = _written("html-exposure", "exposure.html", "exposure.json")
    return d / "exposure.html", json.loads((d / "exposure.json").read_text())
