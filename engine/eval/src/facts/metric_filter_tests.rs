//! Tests of the metric filter pattern parser and the coverage comparison.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use crate::facts::trail::{benchmark, CONTROLS};

fn bench(key: &str) -> Pattern {
    benchmark(key).expect("benchmark pattern")
}

fn covers_key(key: &str, filter: &str) -> Coverage {
    covers(&bench(key), filter)
}

#[test]
fn every_benchmark_pattern_parses_and_covers_itself() {
    for c in CONTROLS {
        let p = parse(c.pattern).unwrap_or_else(|e| panic!("{}: {e}", c.key));
        assert_eq!(covers(&p, c.pattern), Coverage::Covers, "{}", c.key);
    }
}

#[test]
fn spacing_quoting_order_and_grouping_do_not_matter() {
    // CloudTrail changes, reordered, quoted, unparenthesised, extra spaces.
    let f = r#"{$.eventName="StopLogging"||$.eventName = "StartLogging" ||  ($.eventName=DeleteTrail) || ($.eventName = UpdateTrail) || ($.eventName = CreateTrail)}"#;
    assert_eq!(covers_key("cloudtrail_changes", f), Coverage::Covers);
    // The older CIS form without the eventSource condition is broader.
    let f = "{ ($.eventName = CreateRoute) || ($.eventName = CreateRouteTable) || ($.eventName = ReplaceRoute) || ($.eventName = ReplaceRouteTableAssociation) || ($.eventName = DeleteRouteTable) || ($.eventName = DeleteRoute) || ($.eventName = DisassociateRouteTable) }";
    assert_eq!(covers_key("route_table_changes", f), Coverage::Covers);
}

#[test]
fn a_filter_missing_one_event_does_not_cover() {
    let f = "{ ($.eventName = CreateTrail) || ($.eventName = UpdateTrail) || ($.eventName = StartLogging) || ($.eventName = StopLogging) }";
    match covers_key("cloudtrail_changes", f) {
        Coverage::Misses(e) => assert!(e.contains("DeleteTrail"), "{e}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn broader_filters_cover_and_narrower_ones_do_not() {
    // Wildcards broader than the benchmark's.
    let f = r#"{ ($.errorCode = "*Unauthorized*") || ($.errorCode = "Access*") }"#;
    assert_eq!(covers_key("unauthorized_api_calls", f), Coverage::Covers);
    // Dropping the benchmark's exclusions is broader.
    let f = r#"{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") }"#;
    assert_eq!(covers_key("unauthorized_api_calls", f), Coverage::Covers);
    // No leading wildcard: misses "Client.UnauthorizedOperation".
    let f = r#"{ ($.errorCode = "UnauthorizedOperation") || ($.errorCode = "AccessDenied*") }"#;
    assert!(matches!(
        covers_key("unauthorized_api_calls", f),
        Coverage::Misses(_)
    ));
    // Sign-in without MFA: the older, broader CIS form covers the newer one.
    let f = r#"{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") }"#;
    assert_eq!(
        covers_key("console_signin_without_mfa", f),
        Coverage::Covers
    );
    // An extra condition the benchmark does not have narrows it.
    let f = r#"{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") && ($.sourceIPAddress = "10.*") }"#;
    assert!(matches!(
        covers_key("console_signin_without_mfa", f),
        Coverage::Misses(_)
    ));
    // Root usage: without the NOT EXISTS condition the filter is broader.
    let f = r#"{ $.userIdentity.type = "Root" }"#;
    assert_eq!(covers_key("root_usage", f), Coverage::Covers);
    // ... but EXISTS instead of NOT EXISTS misses direct root use.
    let f = r#"{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy EXISTS }"#;
    assert!(matches!(covers_key("root_usage", f), Coverage::Misses(_)));
}

#[test]
fn precedence_is_and_before_or() {
    let p = parse("{ $.a = 1 || $.b = 2 && $.c = 3 }").unwrap();
    let ev = |a: f64, b: f64, c: f64| -> Event {
        [("a", a), ("b", b), ("c", c)]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), Value::Num(v)))
            .collect()
    };
    assert!(p.matches(&ev(1.0, 0.0, 0.0)));
    assert!(!p.matches(&ev(0.0, 2.0, 0.0)));
    assert!(p.matches(&ev(0.0, 2.0, 3.0)));
}

#[test]
fn malformed_patterns_cover_nothing_with_a_reason() {
    for (f, why) in [
        ("", "not a JSON filter pattern"),
        ("ERROR", "not a JSON filter pattern"),
        ("[ip, user, ...]", "not a JSON filter pattern"),
        ("{ $.eventName = DeleteTrail", "expected '}'"),
        ("{ ($.eventName = DeleteTrail }", "expected ')'"),
        ("{ $.eventName = }", "expected a value"),
        ("{ $.eventName }", "expected an operator"),
        ("{ eventName = DeleteTrail }", "expected a field"),
        ("{ $.eventName = \"DeleteTrail }", "unterminated"),
        ("{ $.eventName = %Delete.*% }", "regular expression"),
        ("{ $.eventName > DeleteTrail }", "needs a number"),
        ("{ $.eventName = A } extra", "after '}'"),
        ("{ $.x IS MAYBE }", "unknown keyword"),
        ("{ $.x = 1 &| $.y = 2 }", "unexpected"),
    ] {
        match covers_key("cloudtrail_changes", f) {
            Coverage::Unparsable(e) => assert!(e.contains(why), "{f:?}: {e}"),
            other => panic!("{f:?}: {other:?}"),
        }
    }
    let deep = format!("{{ {}$.a = 1{} }}", "(".repeat(200), ")".repeat(200));
    assert!(matches!(parse(&deep), Err(e) if e.contains("nested")));
    let long = format!("{{ $.a = \"{}\" }}", "x".repeat(5000));
    assert!(parse(&long).is_err());
    // Odd bytes never panic.
    for f in [
        "{",
        "}",
        "{ ( }",
        "{ $. = 1 }",
        "{ $.a = \"\\",
        "{ $.a != \u{0} }",
        "{ || }",
    ] {
        let _ = covers_key("root_usage", f);
    }
}

#[test]
fn wildcards_and_values() {
    assert!(glob(
        "*UnauthorizedOperation",
        "Client.UnauthorizedOperation"
    ));
    assert!(glob("AccessDenied*", "AccessDenied"));
    assert!(glob("a*b*c", "aXbYc"));
    assert!(!glob("a*b*c", "aXcYb"));
    assert!(glob("*", ""));
    assert!(!glob("abc", "abcd"));
    let p = parse(r#"{ $.x IS NULL || $.y IS TRUE || $.z NOT EXISTS || $.n >= 10 }"#).unwrap();
    let ev = |k: &str, v: Value| -> Event {
        [("z".to_owned(), Value::Num(0.0)), (k.to_owned(), v)]
            .into_iter()
            .collect()
    };
    assert!(p.matches(&ev("x", Value::Null)));
    assert!(p.matches(&ev("y", Value::Bool(true))));
    assert!(p.matches(&ev("n", Value::Num(10.0))));
    assert!(!p.matches(&ev("n", Value::Num(9.0))));
    assert!(!p.matches(&ev("y", Value::Bool(false))));
}
