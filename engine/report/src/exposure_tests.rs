//! Every output format shows a finding's reachability verdict, its
//! effective (adjusted) severity and its network path, and keeps the hop
//! labels (cloud strings) inert: SARIF valid against the 2.1.0 schema with
//! the path as a code flow, JSON exact, HTML text only, OCSF valid, ASFF
//! within the import limits, JUnit and the table escaped.

use serde_json::Value;

use crate::testing::{pack, raw_controls, unescaped_markdown, Scan};
use palisade_eval::result::Reachability;
use palisade_rules::Severity;

/// How many results carry a verdict: the two the test sets, and those the
/// demo organisation's own routing decides.
fn with_exposure(scan: &Scan) -> usize {
    scan.results.iter().filter(|r| r.exposure.is_some()).count()
}

/// The rule severity and the effective severity of result `i`.
fn severities(scan: &Scan, i: usize) -> (Severity, Severity) {
    let r = &scan.results[i];
    let rule = pack().rule(&r.rule_id).expect("rule").meta.severity;
    (rule, r.severity.unwrap_or(rule))
}

#[test]
fn json_carries_the_exposure_and_the_effective_severity() {
    let (scan, [reach, none]) = Scan::exposed();
    let report = scan.report();
    let doc: Value = serde_json::from_str(&crate::json::render(&report, None).unwrap()).unwrap();
    let rows = doc["results"].as_array().unwrap();
    for i in [reach, none] {
        let (rule, effective) = severities(&scan, i);
        let row = &rows[i];
        let e = scan.results[i].exposure.as_ref().unwrap();
        assert_eq!(row["severity"], effective.as_str());
        if rule == effective {
            assert!(row.get("rule_severity").is_none());
        } else {
            assert_eq!(row["rule_severity"], rule.as_str());
        }
        assert_eq!(row["exposure"]["verdict"], e.verdict.as_str());
        assert_eq!(row["exposure"]["reason"], e.reason.as_str());
        let path = row["exposure"]["path"].as_array().unwrap();
        assert_eq!(path.len(), e.path.len());
        for (p, h) in path.iter().zip(&e.path) {
            // JSON is data: exact strings, the consumer escapes.
            assert_eq!(p["kind"], h.kind.as_str());
            assert_eq!(p["id"], h.id.as_str());
            assert_eq!(p["label"], h.label.as_str());
        }
        assert!(row["message"].as_str().unwrap().starts_with(&e.summary()));
    }
    // Results without a verdict have no `exposure` key.
    let plain = rows.iter().filter(|r| r.get("exposure").is_none()).count();
    assert!(with_exposure(&scan) >= 2);
    assert_eq!(plain, rows.len() - with_exposure(&scan));
    // The summary counts failures at their effective severity.
    let fails_at = |s: Severity| {
        scan.results
            .iter()
            .filter(|r| r.status == palisade_eval::Status::Fail && report.severity(r) == s)
            .count()
    };
    for s in Severity::ALL {
        let want = fails_at(s);
        let got = doc["summary"]["failures_by_severity"][s.as_str()]
            .as_u64()
            .unwrap_or(0);
        assert_eq!(got as usize, want, "{s}");
    }
}

#[test]
fn sarif_has_the_path_as_a_code_flow_and_stays_schema_valid() {
    let (scan, [reach, none]) = Scan::exposed();
    let report = scan.report();
    let opts = crate::sarif::SarifOptions::default();
    let doc: Value = serde_json::from_str(&crate::sarif::render(&report, &opts).unwrap()).unwrap();
    palisade_test_kit::sarif::assert_valid(&doc);
    let results = doc["runs"][0]["results"].as_array().unwrap();
    let fid = |i: usize| scan.results[i].finding_id();
    let find = |i: usize| {
        results
            .iter()
            .find(|r| r["partialFingerprints"]["palisadeFindingId/v1"] == fid(i).as_str())
            .expect("the finding is a SARIF result")
    };
    let level = |s: Severity| match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    };
    for i in [reach, none] {
        let (rule, effective) = severities(&scan, i);
        let e = scan.results[i].exposure.as_ref().unwrap();
        let r = find(i);
        assert_eq!(r["level"], level(effective));
        assert_eq!(r["properties"]["severity"], effective.as_str());
        if rule != effective {
            assert_eq!(r["properties"]["ruleSeverity"], rule.as_str());
            assert_eq!(
                r["properties"]["security-severity"],
                effective.security_severity()
            );
        }
        assert_eq!(
            r["properties"]["reachability"]["verdict"],
            e.verdict.as_str()
        );
        assert_eq!(r["properties"]["reachability"]["reason"], e.reason.as_str());
        let flow = r["codeFlows"][0]["threadFlows"][0]["locations"]
            .as_array()
            .unwrap();
        assert_eq!(flow.len(), e.path.len());
        let related = r["relatedLocations"].as_array().unwrap();
        assert_eq!(related.len(), e.path.len());
        for ((step, rel), h) in flow.iter().zip(related).zip(&e.path) {
            for loc in [&step["location"], rel] {
                // GitHub requires a physical location on every location.
                let phys = &loc["physicalLocation"];
                assert_eq!(
                    phys["artifactLocation"]["uri"],
                    "fixtures/demo/snapshot.json"
                );
                assert!(phys["region"]["startLine"].as_u64().unwrap() >= 1);
                assert_eq!(loc["logicalLocations"][0]["name"], h.id.as_str());
                assert_eq!(loc["logicalLocations"][0]["kind"], h.kind.as_str());
                let text = loc["message"]["text"].as_str().unwrap();
                assert!(unescaped_markdown(text).is_empty(), "{text:?}");
                assert!(raw_controls(text).is_empty(), "{text:?}");
            }
        }
        // The result message says the verdict, Markdown-inert.
        let text = r["message"]["text"].as_str().unwrap();
        let verdict = match e.verdict {
            Reachability::Reachable => "Reachable from the internet",
            Reachability::NotReachable => "Not reachable",
            Reachability::Unknown => "Reachability unknown",
        };
        assert!(text.contains(verdict), "{text}");
        let (_, after) = text.rsplit_once("). ").expect("a second sentence");
        assert!(unescaped_markdown(after).is_empty(), "{text:?}");
    }
    // The exact hostile strings stay available to machines.
    let path = &find(reach)["properties"]["reachability"]["path"];
    let e = scan.results[reach].exposure.as_ref().unwrap();
    assert_eq!(path[2]["label"], e.path[2].label.as_str());
}

#[test]
fn html_carries_the_path_as_data_and_never_as_markup() {
    let (scan, [reach, none]) = Scan::exposed();
    let report = scan.report();
    let html = crate::html::render(&report, &crate::html::HtmlOptions::default());
    // The hostile id and label cannot close the data element or add one.
    assert_eq!(html.matches("</script>").count(), 2, "data and code only");
    assert!(!html.contains("<img"));
    let raw = html
        .split("<script type=\"application/json\" id=\"data\">")
        .nth(1)
        .and_then(|t| t.split("</script>").next())
        .unwrap();
    let data: Value = serde_json::from_str(raw).unwrap();
    let exposure = data["results"]["exposure"].as_array().unwrap();
    assert_eq!(exposure.len(), with_exposure(&scan));
    let e = scan.results[reach].exposure.as_ref().unwrap();
    let row = exposure.iter().find(|x| x[0] == reach).unwrap();
    assert_eq!(row[1], 0, "reachable");
    assert_eq!(row[2], e.reason.as_str());
    assert_eq!(row[3][2][1], e.path[2].id.as_str());
    assert_eq!(row[3][2][2], e.path[2].label.as_str());
    // Adjusted severities go in as ranks.
    let adjusted = data["results"]["severity"].as_array().unwrap();
    for i in [reach, none] {
        let (rule, effective) = severities(&scan, i);
        let entry = adjusted.iter().find(|x| x[0] == i);
        assert_eq!(entry.is_some(), rule != effective, "result {i}");
    }
}

#[test]
fn ocsf_puts_the_path_in_evidences_and_stays_valid() {
    let (scan, [reach, _]) = Scan::exposed();
    let text = crate::ocsf::render(&scan.report()).unwrap();
    let events: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let ev = &events[reach];
    let (_, effective) = severities(&scan, reach);
    assert_eq!(ev["severity_id"], crate::ocsf::severity(effective).0);
    let e = scan.results[reach].exposure.as_ref().unwrap();
    let evidence = &ev["evidences"][0];
    assert_eq!(evidence["data"]["verdict"], "reachable");
    assert_eq!(
        evidence["resources"].as_array().unwrap().len(),
        e.path.len()
    );
    assert_eq!(evidence["resources"][2]["name"], e.path[2].label.as_str());
    assert!(ev["status_detail"]
        .as_str()
        .unwrap()
        .starts_with("reachable from the internet"));
    assert_eq!(
        events
            .iter()
            .filter(|e| e.get("evidences").is_some())
            .count(),
        with_exposure(&scan)
    );
    // py-ocsf-models accepts every event (skipped without Python and the models).
    let python = palisade_test_kit::moto::python();
    if palisade_test_kit::moto::check_python(&python, &["py_ocsf_models"]).is_err() {
        eprintln!("py_ocsf_models not installed: OCSF model validation skipped");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("events.jsonl");
    std::fs::write(&file, &text).unwrap();
    let script = palisade_test_kit::root().join("engine/cli/tests/ocsf_validate.py");
    let o = std::process::Command::new(&python)
        .arg(&script)
        .arg(&file)
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "{out}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        out.contains(&format!("{} events, 0 invalid", events.len())),
        "{out}"
    );
}

#[test]
fn asff_carries_the_verdict_within_the_limits() {
    let (mut scan, [reach, none]) = Scan::exposed();
    // A path far over the ProductFields value limit.
    let e = scan.results[none].exposure.as_mut().unwrap();
    e.path = (0..500)
        .map(|n| palisade_eval::result::PathHop {
            kind: "security_group_rule".into(),
            id: format!("arn:aws:ec2:us-east-1:111111111111:security-group-rule/sgr-{n:017}"),
            label: "x".repeat(300),
        })
        .collect();
    e.reason = "é".repeat(3000);
    let text = crate::asff::render(&scan.report(), &crate::asff::AsffOptions::default()).unwrap();
    let all: Vec<Value> = serde_json::from_str(&text).unwrap();
    for f in &all {
        assert_eq!(crate::asff::check(f), Vec::<String>::new(), "{f}");
    }
    for i in [reach, none] {
        let (rule, effective) = severities(&scan, i);
        let f = &all[i];
        assert_eq!(
            f["Severity"]["Label"],
            crate::asff::severity_label(effective)
        );
        assert_eq!(f["Severity"]["Original"], effective.as_str());
        let fields = &f["ProductFields"];
        if rule != effective {
            assert_eq!(fields["palisade/RuleSeverity"], rule.as_str());
        }
        let e = scan.results[i].exposure.as_ref().unwrap();
        assert_eq!(fields["palisade/Reachability"], e.verdict.as_str());
        assert!(fields["palisade/NetworkPath"]
            .as_str()
            .unwrap()
            .starts_with(&format!("{} {}", e.path[0].kind, e.path[0].id)));
    }
    assert!(all[reach]["Description"]
        .as_str()
        .unwrap()
        .starts_with("reachable from the internet: on tcp 22"));
}

#[test]
fn junit_and_table_show_the_verdict_escaped() {
    let (scan, [reach, _]) = Scan::exposed();
    let report = scan.report();
    let xml = crate::junit::render(&report);
    let doc = roxmltree::Document::parse(&xml).expect("well-formed XML");
    let e = scan.results[reach].exposure.as_ref().unwrap();
    let failure = doc
        .descendants()
        .filter(|n| n.has_tag_name("failure"))
        .find(|n| {
            n.text()
                .is_some_and(|t| t.contains(&scan.results[reach].finding_id()))
        })
        .expect("the finding's failure");
    let text = failure.text().unwrap();
    assert!(text.contains(&e.summary()), "{text}");
    // The parsed text is the label: the XML escaped its markup (and put
    // U+FFFD for the escape character, which XML 1.0 cannot carry).
    let label = e.path[2].label.replace('\u{1b}', "\u{FFFD}");
    assert!(text.contains(&label), "{text}");
    let (_, effective) = severities(&scan, reach);
    assert_eq!(failure.attribute("type"), Some(effective.as_str()));

    let table = crate::table::render(&report, false);
    assert!(
        table.contains("reachable from the internet: on tcp 22"),
        "{table}"
    );
    assert!(table.contains("path: 0.0.0.0/0 -> igw-1 -> "), "{table}");
    assert!(raw_controls(&table).is_empty());
}
