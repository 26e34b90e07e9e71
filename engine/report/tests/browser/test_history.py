"""The history section (new and fixed findings since the last recorded
scan, grouped by rule, most severe first and capped; the pass-rate trend per
framework) of the reports main.rs in this directory writes, in Chromium."""

import unittest

from report_page import Browser, history_reports


class History(Browser):
    def test_new_findings_most_severe_first_with_caps_and_a_trend_per_framework(self):
        history, _ = history_reports()
        p = self.open(history)
        page = p.page
        self.assertIn("compared with scan 4", page.text_content("#history"))
        groups = page.locator("#history-new ul.groups > li")
        self.assertEqual(groups.count(), 6)
        self.assertIn("iam-root-rule", groups.nth(0).text_content())
        self.assertIn("critical", groups.nth(0).text_content())
        high = groups.nth(1).text_content()
        self.assertIn("iam-high-rule", high)
        self.assertIn("(2 waived)", high)
        self.assertIn("and 7 more", high)  # 12 resources, 5 listed
        self.assertNotIn("ec2-low-rule", page.text_content("#history-new"))
        self.assertIn("and 5 more rules (48 findings)", page.text_content("#history-new"))
        self.assertIn("backup-fixed-rule", page.text_content("#history-fixed"))
        # One chart per framework; the scan without assessed controls breaks the line.
        charts = page.locator("#history figure.trend")
        self.assertEqual(charts.count(), 2)
        self.assertIn("cis-aws-6.0: 81.3%", charts.nth(0).text_content())
        self.assertEqual(charts.nth(0).locator("circle").count(), 4)
        path = charts.nth(0).locator("path.line").get_attribute("d")
        self.assertEqual(path.count("M"), 2)
        self.assertEqual(charts.nth(1).locator("circle").count(), 1)
        p.assert_clean(self)

    def test_first_recorded_scan_is_stated(self):
        _, first = history_reports()
        p = self.open(first)
        self.assertIn("First recorded scan", p.page.text_content("#history"))
        self.assertIn("New findings: 0", p.page.text_content("#history-new"))
        p.assert_clean(self)


if __name__ == "__main__":
    unittest.main()
