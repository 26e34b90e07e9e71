"""docs/accuracy.md from the raw outputs of one run (see compare.py).

One method per section of the document. Every number and list comes from the
data; the only hand-written text is the method description here and the
reasons in explanations.toml.
"""
import json
import re
import sys
import tomllib
from collections import defaultdict

from joining import (
    FSBP, MOTO_SEED, PROWLER_ACCOUNT_SCOPED, PROWLER_FSBP, REGIONS, ROOT, SERVICES, STATUS_TEXT,
    classify, control_key, explain, join, load_explanations, load_rule_frameworks, load_titles,
    mapped_controls, palisade_rows, pick_cis, prowler_errors, prowler_rows,
)

CLASSES = ["agree-fail", "agree-pass", "palisade-only", "prowler-only", "not-evaluated", "one-tool-pass"]
DISAGREE = ("palisade-only", "prowler-only")


def label_of(subject, names):
    """A readable, stable name for a joined resource."""
    if subject.startswith("account:"):
        return f"account {subject[8:]}"
    if subject.startswith("region:"):
        return f"region {subject.split('/', 1)[1]}"
    parts = subject.split(":", 5)
    if len(parts) < 6:
        return subject
    service, region, tail = parts[2], parts[3], parts[5]
    text = f"{service} {region + ' ' if region else ''}{tail}"
    name = names.get(subject, "")
    if name and name not in tail:
        text += f" ({name})"
    return text


def md(text):
    return str(text).replace("|", "\\|").replace("\n", " ")


def control_order(key):
    fw, c = key
    return (fw != FSBP, [int(x) if x.isdigit() else x for x in re.split(r"(\d+)", c)])


class Document:
    def __init__(self, work, explanations_path):
        self.work = work
        self.explanations_path = explanations_path
        self.report = json.loads((work / "palisade.json").read_text())
        snapshot = json.loads((work / "snapshot.json").read_text())
        prowler = json.loads((work / "prowler.ocsf.json").read_text())
        self.versions = json.loads((work / "versions.json").read_text())
        self.mapping = json.loads((work / "prowler-mapping.json").read_text())
        rules = load_rule_frameworks()
        self.cis, self.cis_prowler, self.cis_ours, self.cis_theirs = pick_cis(rules, self.mapping)
        ours, theirs = mapped_controls(rules, self.mapping, self.cis, self.cis_prowler)
        prows, gaps, self.names = palisade_rows(self.report, snapshot, rules, self.cis)
        # Names come from Palisade's results and the snapshot only: Prowler's
        # resource names mix in other things (an inline policy's owner/name).
        wrows, _ = prowler_rows(prowler, self.cis_prowler)
        self.controls = join(prows, wrows, gaps, ours, theirs)
        self.explanations = load_explanations(explanations_path)
        self.titles = {FSBP: load_titles(FSBP), "cis": load_titles(f"cis-aws-{self.cis}")}
        self.lines = []
        self.explained_at = {}  # explanation index -> where its reason was printed
        self.classify_rows()

    def w(self, line=""):
        self.lines.append(line)

    def classify_rows(self):
        self.summary, self.disagreements, self.one_sided, self.agreement_notes = [], [], [], []
        self.totals = defaultdict(int)
        self.unexplained = 0
        for key in sorted(self.controls, key=control_order):
            fw, c = key
            info = self.controls[key]
            comparable = info["p_any"] and info["w_any"]
            ckey = control_key(fw, c, self.cis)
            title = self.titles[fw].get(c, "")
            counts = defaultdict(int)
            for row in info["rows"]:
                kind = classify(row, comparable)
                counts[kind] += 1
                if comparable:
                    self.totals[(fw, kind)] += 1
                label = label_of(row["subject"], self.names)
                if kind in DISAGREE:
                    e = explain(row, kind, ckey, label, self.explanations)
                    self.unexplained += e is None
                    self.disagreements.append((ckey, label, kind, row, e))
                elif kind in ("agree-pass", "agree-fail"):
                    e = explain(row, kind, ckey, label, self.explanations)
                    if e:
                        self.agreement_notes.append((ckey, label, kind, e))
            if comparable:
                self.summary.append((ckey, title, info, counts))
            else:
                failing = sum(r["p"] == "fail" or r["w"] == "fail" for r in info["rows"])
                self.one_sided.append((ckey, title, info, len(info["rows"]), failing))

    def reason(self, e, where):
        """The reason the first time an explanation is printed, a reference after."""
        if e["index"] in self.explained_at:
            return f"as for {self.explained_at[e['index']]}"
        self.explained_at[e["index"]] = where
        return " ".join(e["reason"].split())

    def intro_and_method(self):
        w = self.w
        w("# Detection accuracy: Palisade and Prowler, finding by finding")
        w()
        w("<!-- Generated by benches/accuracy/run.sh (compare.py); do not edit. Reasons for")
        w("     disagreements live in benches/accuracy/explanations.toml. -->")
        w()
        w("The seeded moto account scanned by Palisade and by Prowler,")
        w("each finding joined to the other tool's through the framework control both map it to.")
        w("Every number and list below is computed from the two tools' output; only the reasons")
        w("given for disagreements are written by hand.")
        w()
        both = {k: sum(v for (fw, kind), v in self.totals.items() if kind == k) for k in CLASSES}
        judged = both["agree-fail"] + both["agree-pass"] + both["palisade-only"] + both["prowler-only"]
        classes = defaultdict(int)
        for d in self.disagreements:
            classes[d[4]["class"].split(" ")[0] if d[4] else "UNEXPLAINED"] += 1
        w(f"**Summary:** {judged} (control, resource) pairs where both tools map the control and one "
          f"tool fails or both pass: "
          f"{both['agree-fail'] + both['agree-pass']} agree ({both['agree-fail']} fail, {both['agree-pass']} pass) "
          f"and {both['palisade-only'] + both['prowler-only']} disagree ("
          + ", ".join(f"{n} {k}" for k, n in sorted(classes.items())) + "); "
          f"{len(self.agreement_notes)} agreements carry a note. Counts cover FSBP and CIS {self.cis} rows together.")
        w()
        w("## Method")
        w()
        seeds = self.versions.get("seeds", ["fixtures/moto/seed.py"])
        w(f"1. A moto server on 127.0.0.1 (random generator seeded with {MOTO_SEED}, so resource ids repeat")
        w("   from run to run), seeded by " + " then ".join(f"`{x}`" for x in seeds)
          + ": account 123456789012, regions " + ", ".join(f"`{r}`" for r in REGIONS) + ".")
        if len(seeds) > 1:
            w("   `seed_cases.py` adds cases of issue 10 that both tools can judge through a joined control")
            w("   (its header lists them); `run --seed-only` leaves them out.")
        w(f"2. `palisade scan --live --regions {','.join(REGIONS)} --max-attempts 1 --format json` (every rule pack;")
        w("   policies and rules from this checkout). One attempt per call: moto answers the APIs it lacks")
        w("   the same way every time, so retries add only waiting.")
        w(f"3. `prowler aws --services {' '.join(SERVICES)} -f {' '.join(REGIONS)} --scan-unused-services")
        w("   --output-formats json-ocsf` with `AWS_ENDPOINT_URL` pointing at the same moto server.")
        w("   `--scan-unused-services` makes Prowler judge resources nothing uses (default security")
        w("   groups, unattached network ACLs) as Palisade always does.")
        w("4. Each Palisade result is mapped to controls through its rule's `[frameworks]` metadata")
        w("   (`rules/**/*.toml`); each Prowler finding through its own compliance mapping")
        w("   (`unmapped.compliance`). Join frameworks: AWS Foundational Security Best Practices")
        w(f"   (`{FSBP}` / `{PROWLER_FSBP}`) and CIS AWS Foundations **{self.cis}** "
          f"(`cis-aws-{self.cis}` / `CIS-{self.cis_prowler}`).")
        w(f"   CIS {self.cis} is the newest version both tools map (Palisade maps {', '.join(self.cis_ours)};")
        w(f"   Prowler {', '.join(self.cis_theirs)}); the older versions hold the same recommendations")
        w("   under other numbers, so joining on more than one would count each finding again.")
        w("5. Resource identity: Palisade judges some things finer than Prowler (one result per")
        w("   security group rule, network ACL entry, policy statement, access key, route to a peering")
        w("   connection); those results are attributed to the owning security group, network ACL, policy")
        w("   (or the user or role of an inline policy), user and peering connection, by ARN. Prowler findings that name a bare resource type")
        w("   (`...:recorder`, `...:password-policy`, `...:root`) are region- or account-wide")
        w("   judgements, and so are " + ", ".join(f"`{c}`" for c in sorted(PROWLER_ACCOUNT_SCOPED)) + ",")
        w("   which name an AWS managed policy for an account-wide question. Where a tool judges a")
        w("   control only per region or per account, both tools' results for that control are compared")
        w("   at that level (finer results roll up to their region or account; an account-wide result")
        w("   counts in each region compared). Several checks of one tool that map to the same control and resource")
        w("   combine: fail if any fails, else not evaluated if any is, else pass.")
        w("6. Each (control, resource) is then: **agree** (both fail, or both pass); **Palisade only**")
        w("   (Palisade fails, Prowler passes or has no finding); **Prowler only** (the reverse);")
        w("   **not evaluated** (one tool could not judge, the other does not fail: a coverage gap);")
        w("   **one tool passes** (the other has no finding for that resource). A control only one tool")
        w("   maps is **not comparable** and listed separately. Every Palisade-only and Prowler-only")
        w("   row is listed with its reason: `prowler-bug`, `semantic-choice` (both defensible),")
        w("   `palisade-gap` (with the issue item that fixes it, or `open`) or `moto-limitation` (the")
        w("   local endpoint, not the tool). A disagreement without a reason reads **UNEXPLAINED**.")
        w("   Agreement is on the verdict per control and resource; the two tools may fail it for")
        w("   different rules or ports (e.g. CIS 6.4 combines Prowler's IPv4 and IPv6 checks).")
        w()
        w("Regenerate with `benches/accuracy/run.sh --strict` (header of that script: prerequisites).")
        w()

    def versions_and_errors(self):
        w, v, report = self.w, self.versions, self.report
        w("## Versions")
        w()
        w("| tool | version |")
        w("|---|---|")
        w(f"| Palisade | {md(v['palisade'])}, engine/policies/rules at commit `{md(v['palisade_commit'])}`, "
          f"rule pack fingerprint `{report['rules']['fingerprint']}` ({report['rules']['count']} rules) |")
        w(f"| Prowler | {md(v['prowler'])} |")
        w(f"| moto | {md(v['moto'])} |")
        w()
        w("## What each tool could not read from moto")
        w()
        w("Palisade's coverage gaps (its checks over these are reported as not evaluated):")
        w()
        w("| service | region | API | error |")
        w("|---|---|---|---|")
        for g in sorted(report.get("gaps", []), key=lambda g: (g["service"], g["region"], g["api"])):
            w(f"| {md(g['service'])} | {md(g['region'])} | {md(g['api'])} | {md(g['error'])} |")
        w()
        w("Prowler's errors (its `--log-file` at level ERROR; Prowler carries on and reports what it")
        w("read, so a failed listing can turn into a pass or a missing finding):")
        w()
        w("| where (Prowler function) | regions | error | effect (explanations.toml) |")
        w("|---|---|---|---|")
        errs = defaultdict(set)
        fns = v.get("prowler_error_functions", {})
        for where, region, msg in prowler_errors(self.work / "prowler-errors.log"):
            fn = fns.get(where, "")
            errs[(f"{where}{' (' + fn + ')' if fn else ''}", msg)].add(region or "-")
        notes = []
        if self.explanations_path.exists():
            notes = tomllib.loads(self.explanations_path.read_text()).get("prowler_error", [])
        for (where, msg), regions in sorted(errs.items()):
            note = next((n["effect"] for n in notes if n["match"] in where or n["match"] in msg), "")
            w(f"| {md(where)} | {', '.join(sorted(regions))} | {md(msg)} | {md(' '.join(note.split()))} |")
        w()

    def totals_section(self):
        w = self.w
        w("## Totals")
        w()
        w("Over the controls both tools map; one row per (control, resource).")
        w()
        w("| framework | " + " | ".join(CLASSES) + " |")
        w("|---|" + "---|" * len(CLASSES))
        for fw, name in ((FSBP, "AWS FSBP"), ("cis", f"CIS {self.cis}")):
            w(f"| {name} | " + " | ".join(str(self.totals[(fw, k)]) for k in CLASSES) + " |")
        w()
        kinds = [d[2] for d in self.disagreements]
        w(f"Disagreements: {kinds.count('palisade-only')} Palisade only, {kinds.count('prowler-only')} "
          f"Prowler only; {self.unexplained} without an explanation.")
        by_class = defaultdict(int)
        for d in self.disagreements:
            by_class[d[4]["class"] if d[4] else "UNEXPLAINED"] += 1
        w()
        w("| reason | disagreements |")
        w("|---|---|")
        for k in sorted(by_class):
            w(f"| {md(k)} | {by_class[k]} |")
        w()

    def per_control(self):
        w = self.w
        w("## Per control")
        w()
        w("| control | title | Palisade rules | Prowler checks | both fail | both pass | Palisade only "
          "| Prowler only | not evaluated | one tool passes |")
        w("|---|---|---|---|---|---|---|---|---|---|")
        for ckey, title, info, counts in self.summary:
            w(f"| {ckey} | {md(title)} | {', '.join(info['p_checks'])} | {', '.join(info['w_checks'])} | "
              + " | ".join(str(counts[k]) for k in CLASSES) + " |")
        w()

    def disagreements_section(self):
        w = self.w
        w("## Disagreements")
        w()
        if not self.disagreements:
            w("None.")
            w()
        for ckey, label, kind, row, e in self.disagreements:
            side = "Palisade fails, Prowler " if kind == "palisade-only" else "Prowler fails, Palisade "
            other = row["w"] if kind == "palisade-only" else row["p"]
            other_checks = row["w_checks"] if kind == "palisade-only" else row["p_checks"]
            other_text = {"none": "has no finding", "pass": "passes", "not_evaluated": "did not evaluate it",
                          "error": "errored"}.get(other, other)
            w(f"### {ckey} · {md(label)}")
            w()
            w(f"- {side}{other_text}" + (f" ({', '.join(other_checks)})" if other != "none" else "") + ".")
            if row["p_fail"]:
                w(f"- Palisade: {', '.join(f'`{c}`' for c in row['p_fail'])}"
                  + (f" — {md(row['p_msgs'][0])}" if row["p_msgs"] else ""))
            if row["w_fail"]:
                w(f"- Prowler: {', '.join(f'`{c}`' for c in row['w_fail'])}"
                  + (f" — {md(row['w_msgs'][0])}" if row["w_msgs"] else ""))
            if row["gap"]:
                w(f"- Palisade coverage gap: {md(row['gap'][0])}")
            if e:
                w(f"- **{md(e['class'])}**: {self.reason(e, f'{ckey} · {md(label)}')}")
            else:
                w("- **UNEXPLAINED**")
            w()

    def agreement_notes_section(self):
        w = self.w
        w("## Notes on agreements")
        w()
        w("Agreement is not correctness: rows where both tools give the same verdict and a note in")
        w("`explanations.toml` says that verdict is wrong or needs a caveat.")
        w()
        if not self.agreement_notes:
            w("None.")
        for ckey, label, kind, e in self.agreement_notes:
            where = f"{ckey} · {md(label)}"
            verdict = "both pass" if kind == "agree-pass" else "both fail"
            w(f"- {where} ({verdict}): **{md(e['class'])}**: {self.reason(e, where)}")
        w()

    def one_sided_rows(self):
        w = self.w
        w("## Not evaluated and one-sided passes")
        w()
        w("Rows where a tool could not judge (not evaluated) or only one tool reported a pass; no")
        w("tool fails them, so they are not disagreements.")
        w()
        w("| control | resource | Palisade | Prowler | note |")
        w("|---|---|---|---|---|")
        for ckey, _, info, _ in self.summary:
            for row in info["rows"]:
                kind = classify(row, True)
                if kind not in ("not-evaluated", "one-tool-pass"):
                    continue
                p = STATUS_TEXT[row["p"]] + (" (gap)" if row["gap"] else "")
                label = label_of(row["subject"], self.names)
                e = explain(row, kind, ckey, label, self.explanations)
                note = f"{e['class']}: {self.reason(e, f'{ckey} · {md(label)}')}" if e else ""
                w(f"| {ckey} | {md(label)} | {p} | {STATUS_TEXT[row['w']]} | {md(note)} |")
        w()

    def not_comparable(self):
        w = self.w
        w("## Controls only one tool maps (not comparable)")
        w()
        silent = sum(1 for o in self.one_sided if not o[3])
        w(f"With at least one result on this account ({silent} more controls mapped by one tool have none).")
        w()
        w("| control | title | mapped by | checks | resources | failing |")
        w("|---|---|---|---|---|---|")
        prowler_fw = {FSBP: self.mapping.get("fsbp", {}), "cis": self.mapping.get(f"CIS-{self.cis_prowler}", {})}
        for ckey, title, info, n, nfail in self.one_sided:
            if not n:
                continue
            who = "Palisade" if info["p_any"] else "Prowler"
            if info["p_any"]:
                fw = FSBP if ckey.startswith("fsbp:") else "cis"
                listed = prowler_fw[fw].get(ckey.split(":", 1)[1])
                if listed is None:
                    who += " (not in Prowler's catalogue)"
                elif not listed:
                    who += " (Prowler lists it without a check)"
                else:
                    who += f" (Prowler's checks are outside the services scanned: {', '.join(sorted(listed))})"
            checks = info["p_checks"] if info["p_any"] else info["w_checks"]
            title = title or "(not in Palisade's catalogue)"
            w(f"| {ckey} | {md(title)} | {who} | {', '.join(checks)} | {n} | {nfail} |")
        w()

    def explanation_status(self):
        w = self.w

        def item(e):
            checks = ", " + ", ".join(e["checks"]) if e.get("checks") else ""
            return f"- {', '.join(e['controls'])} ({e['side']}{checks}): {md(e['class'])}"
        unused = [e for e in self.explanations if not e["used"]]
        self.pending = [e for e in unused if e.get("expected")]
        self.stale = [e for e in unused if not e.get("expected") and e["side"] in DISAGREE]
        self.idle = [e for e in unused if not e.get("expected") and e["side"] not in DISAGREE]
        w("## Explanations no longer needed")
        w()
        w("Entries of `benches/accuracy/explanations.toml` for a disagreement that did not occur in this")
        w("run: it is resolved (or has changed shape). Remove them once confirmed.")
        w()
        if not self.stale:
            w("None.")
        for e in self.stale:
            w(item(e))
        if self.pending:
            w()
            w("Written ahead for a change not seen in this run (the `expected` field names it):")
            w()
            for e in self.pending:
                w(f"- {', '.join(e['controls'])} ({e['side']}): {md(e['class'])}, once {md(e['expected'])} is in")
        if self.idle:
            w()
            w("Notes (on rows no tool fails) that matched no row in this run:")
            w()
            for e in self.idle:
                w(item(e))
        w()

    def text(self):
        self.intro_and_method()
        self.versions_and_errors()
        self.totals_section()
        self.per_control()
        self.disagreements_section()
        self.agreement_notes_section()
        self.one_sided_rows()
        self.not_comparable()
        self.explanation_status()
        return "\n".join(self.lines)


def render(work, explanations_path, strict):
    """Writes docs/accuracy.md; returns the exit code (1: --strict and unexplained)."""
    doc = Document(work, explanations_path)
    (ROOT / "docs/accuracy.md").write_text(doc.text())
    print(f"wrote docs/accuracy.md: {len(doc.disagreements)} disagreement(s), {doc.unexplained} unexplained, "
          f"{len(doc.stale)} explanation(s) and {len(doc.idle)} note(s) unused, {len(doc.pending)} written ahead",
          file=sys.stderr)
    return 1 if strict and doc.unexplained else 0
