"""The hostile snapshot (fixtures/hostile, plus tag and name payloads added
here: an <img onerror>, a closing </script>, a `"onerror=` attribute break
and a javascript: URL) in headless Chromium: no dialog opens, no payload
runs, no element the page did not create exists, and every hostile string
shows as literal text when its finding is expanded."""

import json
import unittest

from report_page import ROOT, Browser, scan

PAYLOADS = {
    "img": "<img src=x onerror=\"window.__pwned='img'\">",
    "close": "</script><script>window.__pwned='script'</script>",
    "attr": "\"onerror=\"window.__pwned='attr'\" x=\"",
    "url": "javascript:window.__pwned='url'",
    "formula": "=HYPERLINK(\"http://evil.example\",\"x\")",
}


class Hostile(Browser):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        snap = json.loads((ROOT / "fixtures/hostile/snapshot.json").read_text())
        user = snap["accounts"][0]["iam"]["users"][0]
        user["tags"] = dict(user.get("tags", {}), **{f"p-{k}": v for k, v in PAYLOADS.items()})
        user["name"] = PAYLOADS["img"] + PAYLOADS["url"]
        path = cls.tmp / "hostile.json"
        path.write_text(json.dumps(snap))
        cls.user_arn = user["arn"]
        cls.html = scan(path, cls.tmp / "hostile.html")

    def test_no_payload_runs_and_every_string_is_literal_text(self):
        p = self.open(self.html)
        p.choose("#f-status", "all results")
        n = p.count()
        self.assertGreater(n, 0)
        page = p.page
        text = ""
        # Every result, expanded, page by page.
        while True:
            rows = page.locator("#results tr.row")
            page.click("#expand-page")
            self.assertEqual(page.locator("#results tr.detail").count(), rows.count())
            text += page.text_content("#results")
            self.assertEqual(page.locator("img, iframe, [onerror]").count(), 0)
            nxt = page.locator("button.page", has_text="Next")
            if nxt.is_disabled():
                break
            nxt.click()
        self.assertIsNone(page.evaluate("window.__pwned"))
        self.assertEqual(page.evaluate("document.scripts.length"), 2)
        for sel in ("img", "iframe", "object", "embed", "a[href]", "[onerror]", "[onclick]", "[onload]",
                    "[style]", "link", "base", "form"):
            self.assertEqual(page.locator(sel).count(), 0, sel)
        for k, v in PAYLOADS.items():
            self.assertIn(v, text, k)
        self.assertIn("<script>alert(1)</script>", text)
        self.assertIn(self.user_arn, text)
        # The coverage gap with its hostile api name, as text.
        gaps = page.text_content("#coverage")
        self.assertIn("<script>", gaps)
        p.assert_clean(self)


if __name__ == "__main__":
    unittest.main()
