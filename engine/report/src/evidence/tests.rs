//! Unit tests of the evidence bundle: OSCAL documents valid against NIST's
//! schema (with its regex patterns enforced), CSV escaping, verification.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use chrono::TimeZone as _;

use super::*;
use crate::testing::{pack, Scan};

fn bundle(scan: &Scan) -> Bundle {
    let mut report = scan.report();
    report.snapshot_uri = SNAPSHOT.into();
    let bytes = std::fs::read(palisade_test_kit::fixture(
        scan.snapshot
            .path
            .strip_prefix("fixtures")
            .expect("fixture path")
            .to_str()
            .expect("utf-8"),
    ))
    .expect("snapshot bytes");
    build(
        &report,
        EvidenceOptions {
            frameworks: pack().frameworks.iter().collect(),
            generated: Utc.with_ymd_and_hms(2026, 11, 30, 0, 0, 0).unwrap(),
            snapshot_bytes: &bytes,
            extra: vec![("index.html".into(), b"<html></html>".to_vec())],
        },
    )
    .expect("bundle")
}

fn schema() -> jsonschema::Validator {
    let path = palisade_test_kit::fixture("oscal/oscal_assessment-results_schema.json");
    let schema: serde_json::Value =
        serde_json::from_slice(&std::fs::read(path).expect("schema")).expect("schema JSON");
    jsonschema::validator_for(&schema).expect("schema compiles")
}

fn errors(v: &jsonschema::Validator, doc: &serde_json::Value) -> Vec<String> {
    v.iter_errors(doc)
        .map(|e| format!("{}: {e}", e.instance_path))
        .collect()
}

#[test]
fn every_oscal_document_of_the_demo_and_hostile_snapshots_is_schema_valid() {
    let v = schema();
    for scan in [Scan::of("demo/snapshot.json"), Scan::hostile()] {
        let b = bundle(&scan);
        let docs: Vec<_> = b
            .files
            .iter()
            .filter(|(p, _)| p.ends_with("assessment-results.json"))
            .collect();
        assert_eq!(docs.len(), pack().frameworks.len());
        for (path, bytes) in docs {
            let doc: serde_json::Value = serde_json::from_slice(bytes).expect(path);
            let errs = errors(&v, &doc);
            assert!(errs.is_empty(), "{path}: {errs:#?}");
        }
    }
}

#[test]
fn the_validator_enforces_the_schema_patterns() {
    // A control id that is not a token, a UUID that is not v4/v5 and a
    // timestamp without time zone must each be rejected: the patterns use
    // \p{L} and \p{N}, which a validator could silently skip.
    let v = schema();
    let b = bundle(&Scan::of("demo/snapshot.json"));
    let bytes = &b.files["frameworks/cis-aws-6.0/assessment-results.json"];
    let good: serde_json::Value = serde_json::from_slice(bytes).unwrap();
    let sel = "/assessment-results/results/0/reviewed-controls/control-selections/0/include-controls/0/control-id";
    let mutations: [(&str, serde_json::Value); 4] = [
        (sel, "2.4".into()),
        (
            "/assessment-results/uuid",
            "00000000-0000-1000-8000-000000000000".into(),
        ),
        (
            "/assessment-results/metadata/last-modified",
            "2026-11-30T00:00:00".into(),
        ),
        (
            "/assessment-results/metadata/props/0/value",
            " padded".into(),
        ),
    ];
    for (pointer, value) in mutations {
        let mut bad = good.clone();
        *bad.pointer_mut(pointer).expect(pointer) = value;
        assert!(!errors(&v, &bad).is_empty(), "{pointer} accepted");
    }
    // `format` keywords are asserted too: an href with spaces is not a URI
    // reference.
    let mut href = good.clone();
    *href
        .pointer_mut("/assessment-results/import-ap/href")
        .unwrap() = "not a uri".into();
    assert!(
        !errors(&v, &href).is_empty(),
        "format uri-reference not checked"
    );
    // A token with a non-ASCII letter is accepted (\p{L} really is Unicode).
    let mut ok = good.clone();
    *ok.pointer_mut(sel).unwrap() = "é-2.4".into();
    assert!(errors(&v, &ok).is_empty());
}

#[test]
fn control_tokens_are_ncnames_and_keep_distinct_ids_distinct() {
    assert_eq!(
        oscal::control_token("nist-800-53-r5", "AC-2(12)"),
        "ac-2.12"
    );
    assert_eq!(oscal::control_token("aws-fsbp", "IAM.5"), "IAM.5");
    assert_eq!(
        oscal::control_token("cis-aws-6.0", "2.4"),
        "cis-aws-6.0_2.4"
    );
    for fw in &pack().frameworks {
        let mut tokens: Vec<String> = fw
            .controls
            .iter()
            .map(|c| oscal::control_token(&fw.id, &c.id))
            .collect();
        tokens.sort();
        let n = tokens.len();
        tokens.dedup();
        assert_eq!(tokens.len(), n, "{}", fw.id);
    }
}

#[test]
fn hostile_strings_are_inert_in_the_csv_and_exact_in_oscal() {
    let scan = Scan::hostile();
    let b = bundle(&scan);
    let csv = String::from_utf8(b.files["frameworks/cis-aws-6.0/controls.csv"].clone()).unwrap();
    let user = &scan.snapshot.snapshot.accounts[0].iam.users[0].arn;
    assert!(user.contains("=HYPERLINK("), "fixture changed: {user}");
    // Every field is quoted; no field starts a formula.
    for field in csv.split("\",\"") {
        let f = field.trim_start_matches('"');
        assert!(!f.starts_with(['=', '+', '-', '@']), "{f:?}");
    }
    let oscal: serde_json::Value =
        serde_json::from_slice(&b.files["frameworks/cis-aws-6.0/assessment-results.json"]).unwrap();
    let items = oscal
        .pointer("/assessment-results/results/0/local-definitions/inventory-items")
        .and_then(|v| v.as_array())
        .unwrap();
    assert!(items.iter().any(|i| i["description"] == user.as_str()));
}

#[test]
fn verify_reports_changed_added_and_removed_files() {
    let b = bundle(&Scan::of("demo/snapshot.json"));
    let ok = manifest::verify("b", &b.files).unwrap();
    assert!(ok.is_intact(), "{ok:?}");
    assert_eq!(ok.checked, b.files.len() - 1);
    assert_eq!(ok.manifest_sha256, b.manifest_sha256());
    let mut files = b.files.clone();
    files.get_mut(REPORT_JSON).unwrap()[0] ^= 1;
    files.remove(ARTIFACT);
    files.insert("extra.txt".into(), Vec::new());
    let v = manifest::verify("b", &files).unwrap();
    assert_eq!(v.changed.len(), 1);
    assert_eq!(v.changed[0].path, REPORT_JSON);
    assert_eq!(v.removed, [ARTIFACT]);
    assert_eq!(v.added, ["extra.txt"]);
    files.insert(MANIFEST.into(), b"{\"format\": 1}".to_vec());
    let e = manifest::verify("b", &files).unwrap_err().to_string();
    assert!(e.starts_with("b/manifest.json:1:"), "{e}");
}

#[test]
fn the_zip_reads_back_as_the_bundle_and_is_reproducible() {
    let b = bundle(&Scan::of("demo/snapshot.json"));
    let t = Utc.with_ymd_and_hms(2026, 11, 30, 0, 0, 0).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let z = dir.path().join("b.zip");
    let bytes = write::zip_bytes(&b, t, &z).unwrap();
    assert_eq!(
        bytes,
        write::zip_bytes(&bundle(&Scan::of("demo/snapshot.json")), t, &z).unwrap()
    );
    std::fs::write(&z, &bytes).unwrap();
    assert_eq!(write::read_zip(&z).unwrap(), b.files);
    let out = dir.path().join("out");
    write::write_dir(&b, &out, false).unwrap();
    assert_eq!(write::read_dir(&out).unwrap(), b.files);
    assert!(write::write_dir(&b, &out, false).is_err());
    write::write_dir(&b, &out, true).unwrap();
    // Nothing but the bundle and the zip is left next to it.
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
}

#[test]
fn extra_files_are_hashed_and_bad_paths_refused() {
    let b = bundle(&Scan::of("demo/snapshot.json"));
    let m: serde_json::Value = serde_json::from_slice(&b.files[MANIFEST]).unwrap();
    let paths: Vec<&str> = m["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert!(paths.contains(&"index.html"));
    let mut sorted = paths.clone();
    sorted.sort_unstable();
    assert_eq!(paths, sorted);
    for bad in ["../x", "/x", "a//b", "a/./b", "a b", ""] {
        assert!(check_path(bad).is_err(), "{bad:?}");
    }
}

#[test]
fn a_change_anywhere_in_the_manifest_is_found() {
    let b = bundle(&Scan::of("demo/snapshot.json"));
    let m = b.files[MANIFEST].clone();
    assert_eq!(manifest::self_check(&m), Some(true));
    for i in 0..m.len() {
        let mut bytes = m.clone();
        bytes[i] = if bytes[i] == b'0' { b'1' } else { b'0' };
        // Either the self hash no longer matches, or the field is not where
        // it belongs (verify then refuses the manifest as malformed).
        assert_ne!(manifest::self_check(&bytes), Some(true), "byte {i}");
    }
    // And verify says so.
    let mut files = b.files.clone();
    // The last hex digit of self_sha256 (before `"\n}\n`).
    let d = &mut files.get_mut(MANIFEST).unwrap()[m.len() - 5];
    *d = if *d == b'0' { b'1' } else { b'0' };
    let v = manifest::verify("b", &files).unwrap();
    assert!(v.manifest_changed && !v.is_intact());
}
