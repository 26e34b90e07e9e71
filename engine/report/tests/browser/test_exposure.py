"""Reachability verdicts in the HTML report (the report main.rs in this
directory writes, with constructed verdicts): the verdict badge and filter,
the effective severity in the row, and the network path in the expanded
row, where a hostile hop label shows as literal text and never runs."""

import unittest

from report_page import Browser, exposure_report


class Exposure(Browser):
    def test_verdict_filter_severity_and_path(self):
        html, want = exposure_report()
        p = self.open(html)
        page = p.page
        p.choose("#f-status", "all results")
        # The demo's own routing decides most verdicts; the test set two.
        self.assertEqual(p.choose("#f-reach", "reachable"), want["reachable"])
        page.fill("#f-search", want["resource_id"])
        row = page.locator("#results tr.row", has_text=want["rule_id"]).first
        text = row.text_content()
        self.assertIn(want["rule_id"], text)
        self.assertIn("reachable", text)
        # The row's severity badge is the effective (raised) severity.
        self.assertEqual(row.locator("td").nth(1).text_content(), want["severity"])
        row.click()
        detail = page.locator("#results tr.detail").first
        hops = detail.locator("ol.path li")
        self.assertEqual(hops.count(), 4)
        self.assertIn("igw-0abc", hops.nth(1).text_content())
        # The hostile label is text: no element, no script, no dialog.
        self.assertIn(want["label"], hops.nth(2).text_content())
        self.assertEqual(page.locator("img, [onerror]").count(), 0)
        self.assertEqual(page.evaluate("document.scripts.length"), 2)
        self.assertIsNone(page.evaluate("window.__pwned"))
        if want["severity"] != want["rule_severity"]:
            self.assertIn("rule: " + want["rule_severity"], detail.text_content())
        self.assertIn("on tcp 22 through igw-0abc", detail.text_content())
        page.fill("#f-search", "")
        self.assertEqual(p.choose("#f-reach", "not reachable"), want["not_reachable"])
        everything = p.choose("#f-reach", "all")
        self.assertEqual(p.choose("#f-reach", "no verdict"), everything - want["with_verdict"])
        p.assert_clean(self)


if __name__ == "__main__":
    unittest.main()
