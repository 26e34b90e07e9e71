"""A 100,000-finding synthetic scan (benches' synth-scan writes the
organisation) in headless Chromium: the page loads, filters, sorts and
expands. No timing is asserted here: BENCHMARKS.md records the figures."""

import json
import os
import subprocess
import time
import unittest

from report_page import ROOT, SEVERITIES, Browser, binary, scan

# synth-scan RESOURCES ACCOUNTS: this organisation yields a little over
# 100,000 failed checks (asserted below, so a generator change is noticed).
RESOURCES = int(os.environ.get("PALISADE_LARGE_RESOURCES", "165000"))
ACCOUNTS = 10
MIN_FINDINGS = 100_000


class Large(Browser):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        snap = cls.tmp / "synthetic.json"
        subprocess.run([str(binary("synth-scan")), str(RESOURCES), str(ACCOUNTS), "--write", str(snap)],
                       cwd=ROOT, check=True, timeout=1200)
        cls.html = scan(snap, cls.tmp / "large.html")

    def test_loads_filters_sorts_and_expands(self):
        start = time.monotonic()
        p = self.open(self.html)
        loaded = time.monotonic() - start
        t = time.monotonic()
        fails = p.choose("#f-status", "fail")
        filtered_in = time.monotonic() - t
        self.assertGreaterEqual(fails, MIN_FINDINGS)
        self.assertEqual(fails, p.card("fail"))
        # Only one page of rows is in the document.
        self.assertEqual(p.page.locator("#results tr.row").count(), 100)
        by_sev = {s: p.choose("#f-severity", s) for s in SEVERITIES}
        self.assertEqual(sum(by_sev.values()), fails)
        p.choose("#f-severity", "all")
        t = time.monotonic()
        p.page.click("button[data-sort=resource]")
        sorted_by_resource = time.monotonic() - t
        ids = p.page.eval_on_selector_all("#results tr.row td:nth-child(5) .mono", "els => els.map(e => e.textContent)")
        self.assertEqual(ids, sorted(ids))
        self.assertEqual(len(ids), 100)
        t = time.monotonic()
        p.page.click("button[data-sort=severity]")
        p.page.click("button[data-sort=severity]")  # descending
        sorted_in = (time.monotonic() - t) / 2
        ranks = [SEVERITIES.index(x) for x in p.row_texts(2)]
        self.assertEqual(ranks, sorted(ranks, reverse=True))
        p.page.click("text=Last \u00bb")
        self.assertEqual(p.page.locator("#results tr.row").count(), fails % 100 or 100)
        p.page.locator("#results tr.row").first.click()
        self.assertGreater(len(p.page.text_content("#results tr.detail .rationale")), 20)
        print(f"\n100k report: {os.path.getsize(self.html):,} bytes, {fails:,} findings; "
              f"load to interactive {loaded:.2f} s, filter (status fail) {filtered_in:.2f} s, "
              f"sort by resource {sorted_by_resource:.2f} s, by severity {sorted_in:.2f} s")
        p.assert_clean(self)


if __name__ == "__main__":
    unittest.main()
