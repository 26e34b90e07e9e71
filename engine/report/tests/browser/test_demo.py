"""The demo organisation's HTML report in headless Chromium: the summary
agrees with the JSON report of the same scan, filters give the right row
counts, sort and expand work, the baseline filter works, and the page makes
no request, logs no error and violates no CSP directive."""

import json
import os
import pathlib
import unittest

from report_page import ROOT, SEVERITIES, Browser, rule_meta, scan

DEMO = "fixtures/demo/snapshot.json"


class Demo(Browser):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.html = scan(DEMO, cls.tmp / "demo.html")
        cls.doc = json.loads(scan(DEMO, cls.tmp / "demo.json").read_text())
        cls.results = cls.doc["results"]

    def expect(self, **want):
        return sum(1 for r in self.results if all(
            (r["resource"][k] if k in ("account_id", "region") else r[k]) == v for k, v in want.items()))

    def test_summary_numbers_match_the_json_report(self):
        p = self.open(self.html)
        s = self.doc["summary"]
        for key in ("fail", "pass", "error", "not_evaluated"):
            self.assertEqual(p.card(key), s["by_status"][key], key)
        self.assertEqual(p.card("suppressed"), s["suppressed"])
        self.assertEqual(p.card("gaps"), s["gaps"])
        self.assertEqual(p.card("resources"), s["resources"])
        self.assertEqual(p.card("rules"), self.doc["rules"]["count"])
        # The severity chart: one bar per severity with failures, its value exact.
        bars = p.page.eval_on_selector_all(
            "#summary figure:first-of-type rect title", "els => els.map(e => e.textContent)")
        chart = {b.split(": ")[0]: int(b.split(": ")[1]) for b in bars}
        self.assertEqual(chart, s["failures_by_severity"])
        # Coverage is stated at the top with the gap count.
        gaps = p.page.text_content("#coverage .stat[data-k=gaps] .n")
        self.assertEqual(int(gaps), len(self.doc["gaps"]))
        self.assertEqual(p.page.eval_on_selector_all("#coverage table.gaps tbody tr", "e => e.length"),
                         len(self.doc["gaps"]))
        prov = p.page.text_content("#provenance")
        self.assertIn(self.doc["snapshot"]["sha256"], prov)
        self.assertIn(self.doc["rules"]["fingerprint"], prov)
        p.assert_clean(self)

    def test_filters_give_the_right_row_counts(self):
        p = self.open(self.html)
        # Default: every result that is not a pass.
        self.assertEqual(p.count(), sum(1 for r in self.results if r["status"] != "pass"))
        self.assertEqual(p.choose("#f-status", "all results"), len(self.results))
        for status, label in [("fail", "fail"), ("pass", "pass"), ("error", "error"),
                              ("not_evaluated", "not evaluated")]:
            self.assertEqual(p.choose("#f-status", label), self.expect(status=status), status)
        p.choose("#f-status", "fail")
        for sev in SEVERITIES:
            self.assertEqual(p.choose("#f-severity", sev), self.expect(status="fail", severity=sev), sev)
        p.choose("#f-severity", "all")
        accounts = sorted({r["resource"]["account_id"] for r in self.results})
        self.assertGreater(len(accounts), 1)
        for a in accounts:
            self.assertEqual(p.choose("#f-account", a), self.expect(status="fail", account_id=a), a)
        p.choose("#f-account", "all")
        region = "us-east-1"
        self.assertEqual(p.choose("#f-region", region), self.expect(status="fail", region=region))
        p.choose("#f-region", "all")
        rule = self.results[0]["rule_id"]
        p.choose("#f-status", "all results")
        self.assertEqual(p.choose("#f-rule", rule), self.expect(rule_id=rule))
        p.assert_clean(self)

    def test_sort_by_severity_both_ways(self):
        p = self.open(self.html)
        p.choose("#f-status", "fail")
        ranks = lambda: [SEVERITIES.index(t) for t in p.row_texts(2)]
        first = ranks()
        self.assertEqual(first, sorted(first))  # the default order
        self.assertGreater(len(set(first)), 1)
        p.page.click("button[data-sort=rule]")
        rules = [t for t in p.page.eval_on_selector_all(
            "#results tr.row td:nth-child(4) .mono", "els => els.map(e => e.textContent)")]
        self.assertEqual(rules, sorted(rules))
        p.page.click("button[data-sort=severity]")
        self.assertEqual(ranks(), sorted(first))
        p.page.click("button[data-sort=severity]")
        down = ranks()
        self.assertEqual(down, sorted(down, reverse=True))
        worst = max(SEVERITIES.index(r["severity"]) for r in self.results if r["status"] == "fail")
        self.assertEqual(down[0], worst)
        p.assert_clean(self)

    def test_expanding_a_finding_shows_its_rule_resource_and_controls(self):
        p = self.open(self.html)
        p.choose("#f-status", "fail")
        row = p.page.locator("#results tr.row").first
        rule_id = row.locator("td:nth-child(4) .mono").text_content()
        resource = row.locator("td:nth-child(5) .mono").first.text_content()
        row.click()
        detail = p.page.locator("#results tr.detail")
        self.assertEqual(detail.count(), 1)
        meta = rule_meta(rule_id)
        self.assertEqual(detail.locator(".rationale").text_content(), meta["rationale"])
        self.assertEqual(detail.locator(".remediation").text_content(), meta["remediation"])
        shown = detail.locator(".frameworks").text_content()
        for fw, ids in meta.get("frameworks", {}).items():
            for cid in ids:
                self.assertIn(cid, shown, fw)
        self.assertIn(resource.rstrip("\u2026"), detail.text_content())
        if meta.get("iac", {}).get("terraform"):
            self.assertIn(meta["iac"]["terraform"].strip(), detail.locator("pre").last.text_content())
        row.click()
        self.assertEqual(p.page.locator("#results tr.detail").count(), 0)
        p.assert_clean(self)

    def test_screenshots(self):
        # Written to a temporary directory; PALISADE_SCREENSHOTS=docs/img writes
        # the images docs/html-report.md and the README show.
        out = pathlib.Path(os.environ.get("PALISADE_SCREENSHOTS") or self.tmp)
        p = self.open(self.html, viewport={"width": 1280, "height": 1000})
        p.page.screenshot(path=str(out / "html-summary.png"))
        p.choose("#f-status", "fail")
        p.choose("#f-rule", "ec2-sg-admin-ports-open-ipv4")
        p.page.locator("#results tr.row").first.click()
        y = p.page.locator("#findings").bounding_box()["y"] + p.page.evaluate("window.scrollY")
        p.page.screenshot(path=str(out / "html-finding.png"), full_page=True,
                          clip={"x": 0, "y": y - 8, "width": 1280, "height": 1100})
        for name in ("html-summary.png", "html-finding.png"):
            self.assertGreater((out / name).stat().st_size, 10_000, name)
        self.assertIn("sgr-", p.page.text_content("#results tr.detail"))
        p.assert_clean(self)

    def test_a_waived_finding_shows_its_waiver_and_filters(self):
        path = self.tmp / "waivers.toml"
        path.write_text(
            '[[waiver]]\nrule = "iam-root-mfa-disabled"\naccount = "222222222222"\n'
            'reason = "Dev root is locked in a safe; MFA device on order (TICKET-42)"\n'
            'owner = "secops@acme.example"\nexpires = 2026-12-31\n')
        extra = ("--waivers", str(path), "--today", "2026-11-20")
        html = scan(DEMO, self.tmp / "demo-waived.html", *extra)
        doc = json.loads(scan(DEMO, self.tmp / "demo-waived.json", *extra).read_text())
        waived = [r for r in doc["results"] if r.get("suppression")]
        self.assertEqual(len(waived), 1)
        p = self.open(html)
        self.assertEqual(p.card("suppressed"), 1)
        self.assertEqual(p.card("open"), doc["summary"]["by_status"]["fail"] - 1)
        self.assertEqual(p.choose("#f-waived", "waived only"), 1)
        p.page.locator("#results tr.row").first.click()
        detail = p.page.text_content("#results tr.detail")
        for field in ("Dev root is locked in a safe; MFA device on order (TICKET-42)", "secops@acme.example",
                      "2026-12-31", waived[0]["resource"]["id"]):
            self.assertIn(field, detail)
        p.choose("#f-waived", "not waived")
        self.assertEqual(p.count(), sum(1 for r in doc["results"] if r["status"] != "pass") - 1)
        p.assert_clean(self)

    def test_baseline_states_filter(self):
        # A baseline without the first three failures: those are new.
        fails = [r for r in self.results if r["status"] == "fail"]
        gone = {r["finding_id"] for r in fails[:3]}
        base = dict(self.doc, results=[r for r in self.results if r["finding_id"] not in gone])
        path = self.tmp / "baseline.json"
        path.write_text(json.dumps(base))
        html = scan(DEMO, self.tmp / "demo-baseline.html", "--baseline", str(path))
        p = self.open(html)
        p.choose("#f-status", "fail")
        self.assertEqual(p.choose("#f-baseline", "new"), 3)
        self.assertEqual(p.choose("#f-baseline", "unchanged"), len(fails) - 3)
        self.assertEqual(p.card("new"), 3)
        p.choose("#f-baseline", "new")
        shown = set(p.page.eval_on_selector_all(
            "#results tr.row td:nth-child(5) .mono", "els => els.map(e => e.textContent)"))
        self.assertEqual(shown, {r["resource"]["id"][:119] + ("\u2026" if len(r["resource"]["id"]) > 120 else "")
                                 if len(r["resource"]["id"]) > 120 else r["resource"]["id"] for r in fails[:3]})
        p.assert_clean(self)


if __name__ == "__main__":
    unittest.main()
