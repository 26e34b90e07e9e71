//! Template conditions (`Conditions`, resource `Condition`, `Fn::If`) and a
//! generated 10,000-resource template.

use std::time::Instant;

use palisade_import::cfn::template::Template;
use palisade_import::parse::parse;
use palisade_import::{Node, Options, Value};
use serde_json::json;

fn try_resolve(text: &str, opts: &Options) -> Result<Template, String> {
    let doc = parse("t.yaml", text).map_err(|e| e.to_string())?;
    Template::resolve("t.yaml", &doc, opts).map_err(|e| e.to_string())
}

fn resolve_with(text: &str, opts: &Options) -> Template {
    match try_resolve(text, opts) {
        Ok(t) => t,
        Err(e) => panic!("resolve failed: {e}"),
    }
}

fn err(text: &str) -> String {
    match try_resolve(text, &Options::default()) {
        Ok(t) => panic!("expected an error, got {t:?}"),
        Err(e) => e,
    }
}

fn ids(t: &Template) -> Vec<&str> {
    t.resources.iter().map(|r| r.logical_id.as_str()).collect()
}

fn prop<'t>(t: &'t Template, id: &str, key: &str) -> &'t Node {
    let r = t.resources.iter().find(|r| r.logical_id == id);
    match r.and_then(|r| r.properties.get(key)) {
        Some(n) => n,
        None => panic!("{id} has no property {key}"),
    }
}

const TEMPLATE: &str = "\
Parameters:
  Env: {Type: String, Default: prod}
  Region2: {Type: String}
Conditions:
  IsProd: !Equals [!Ref Env, prod]
  IsDev: !Not [!Condition IsProd]
  IsEast: !Equals [!Ref AWS::Region, us-east-1]
  ProdEast: !And [!Condition IsProd, !Condition IsEast]
  DevOrEast: !Or [!Condition IsDev, !Condition IsEast]
  Unsure: !Equals [!Ref Region2, eu-west-1]
  UnsureAndDev: !And [!Condition Unsure, !Condition IsDev]
  UnsureOrProd: !Or [!Condition Unsure, !Condition IsProd]
  NotUnsure: !Not [!Condition Unsure]
Resources:
  Prod: {Type: A::B::C, Condition: IsProd}
  Dev: {Type: A::B::C, Condition: IsDev}
  ProdEast: {Type: A::B::C, Condition: ProdEast}
  DevOrEast: {Type: A::B::C, Condition: DevOrEast}
  Unsure: {Type: A::B::C, Condition: Unsure}
  UnsureAndDev: {Type: A::B::C, Condition: UnsureAndDev}
  UnsureOrProd: {Type: A::B::C, Condition: UnsureOrProd}
  NotUnsure: {Type: A::B::C, Condition: NotUnsure}
  R:
    Type: A::B::C
    Properties:
      Size: !If [IsProd, large, small]
      Gone: !If [IsDev, x, !Ref AWS::NoValue]
      Same: !If [Unsure, 10.0.0.0/8, 10.0.0.0/8]
      Differs: !If [Unsure, 10.0.0.0/8, 0.0.0.0/0]
      List: [a, !If [IsDev, b, !Ref AWS::NoValue], c]
      AsValue: !Equals [!Ref Env, prod]
";

#[test]
fn resource_conditions_leave_out_false_and_keep_unknown() {
    let t = resolve_with(TEMPLATE, &Options::default());
    // Unknown conditions keep the resource, saying why its deployment is
    // unknown (the importer then leaves every check on it not evaluated).
    assert_eq!(
        ids(&t),
        [
            "Prod",
            "ProdEast",
            "DevOrEast",
            "Unsure",
            "UnsureOrProd",
            "NotUnsure",
            "R"
        ]
    );
    let unknown: Vec<&str> = t
        .resources
        .iter()
        .filter(|r| r.condition_unknown.is_some())
        .map(|r| r.logical_id.as_str())
        .collect();
    assert_eq!(unknown, ["Unsure", "NotUnsure"]);
    assert!(t.resources[3]
        .condition_unknown
        .as_deref()
        .is_some_and(|w| w.contains("Unsure") && w.contains("Region2")));
    let mut opts = Options::default();
    opts.parameters.insert("Env".into(), "dev".into());
    opts.parameters.insert("Region2".into(), "eu-west-1".into());
    opts.region = Some("eu-west-1".into());
    let t = resolve_with(TEMPLATE, &opts);
    assert_eq!(
        ids(&t),
        [
            "Dev",
            "DevOrEast",
            "Unsure",
            "UnsureAndDev",
            "UnsureOrProd",
            "R"
        ]
    );
}

#[test]
fn fn_if_picks_a_branch_or_is_unknown() {
    let t = resolve_with(TEMPLATE, &Options::default());
    assert_eq!(prop(&t, "R", "Size").as_str(), Some("large"));
    let r = t
        .resources
        .iter()
        .find(|r| r.logical_id == "R")
        .map(|r| &r.properties);
    assert!(r.and_then(|p| p.get("Gone")).is_none());
    assert_eq!(prop(&t, "R", "Same").as_str(), Some("10.0.0.0/8"));
    assert_eq!(
        prop(&t, "R", "Differs").value,
        Value::Unknown(
            "Fn::If on condition Unsure, whose value is unknown (parameter Region2 has no default \
             and no value was given)"
                .into()
        )
    );
    assert_eq!(
        prop(&t, "R", "List").to_json(&mut |_, _| {}),
        json!(["a", "c"])
    );
    assert_eq!(prop(&t, "R", "AsValue").value, Value::Bool(true));
    let mut opts = Options::default();
    opts.parameters.insert("Env".into(), "dev".into());
    let t = resolve_with(TEMPLATE, &opts);
    assert_eq!(prop(&t, "R", "Size").as_str(), Some("small"));
    assert_eq!(prop(&t, "R", "Gone").as_str(), Some("x"));
    assert_eq!(
        prop(&t, "R", "List").to_json(&mut |_, _| {}),
        json!(["a", "b", "c"])
    );
}

#[test]
fn comparing_a_resource_value_is_unknown() {
    let t = resolve_with(
        "Conditions:\n  C: !Equals [!GetAtt B.Arn, x]\nResources:\n  B: {Type: A::B::C}\n  \
         R:\n    Type: A::B::C\n    Properties:\n      P: !If [C, 1, 2]\n",
        &Options::default(),
    );
    assert_eq!(
        prop(&t, "R", "P").value,
        Value::Unknown(
            "Fn::If on condition C, whose value is unknown (${B.Arn}, known only after deployment)"
                .into()
        )
    );
}

#[test]
fn a_cycle_in_conditions_is_an_error_naming_it() {
    let e = err(
        "Conditions:\n  A: !Not [!Condition B]\n  B: !And [!Condition C, !Equals [a, a]]\n  \
         C: !Condition A\nResources:\n  R: {Type: A::B::C, Condition: A}\n",
    );
    assert!(
        e.starts_with("t.yaml:2:3: a cycle in Conditions: A -> B -> C -> A"),
        "{e}"
    );
    // Also when no resource uses the conditions.
    let e = err("Conditions:\n  X: !Condition X\nResources:\n  R: {Type: A::B::C}\n");
    assert!(
        e.starts_with("t.yaml:2:3: a cycle in Conditions: X -> X"),
        "{e}"
    );
}

#[test]
fn undefined_and_malformed_conditions_are_errors() {
    let e = err("Resources:\n  R: {Type: A::B::C, Condition: Nope}\n");
    assert!(
        e.starts_with("t.yaml:2:33: undefined condition Nope"),
        "{e}"
    );
    let e =
        err("Resources:\n  R:\n    Type: A::B::C\n    Properties:\n      P: !If [Nope, 1, 2]\n");
    assert!(
        e.starts_with("t.yaml:5:15: undefined condition Nope"),
        "{e}"
    );
    let e = err("Conditions:\n  C: !Equals [a]\nResources:\n  R: {Type: A::B::C}\n");
    assert!(e.contains("Fn::Equals takes a list of two values"), "{e}");
    let e = err("Conditions:\n  C: {Foo: 1}\nResources:\n  R: {Type: A::B::C}\n");
    assert!(e.starts_with("t.yaml:2:6: expected a condition"), "{e}");
}

#[test]
fn a_generated_10000_resource_template_parses_and_resolves() {
    let mut text = String::from(
        "AWSTemplateFormatVersion: '2010-09-09'\nParameters:\n  Cidr: {Type: String, Default: 10.0.0.0/8}\n\
         Conditions:\n  IsEast: !Equals [!Ref AWS::Region, us-east-1]\nResources:\n",
    );
    for i in 0..10_000 {
        text.push_str(&format!(
            "  Sg{i}:\n    Type: AWS::EC2::SecurityGroup\n    Condition: IsEast\n    Properties:\n      \
             GroupDescription: !Sub 'groupé ${{AWS::Region}} {i}'\n      \
             VpcId: !Ref Sg{prev}\n      SecurityGroupIngress:\n        \
             - {{CidrIp: !Ref Cidr, FromPort: 22, ToPort: 22, IpProtocol: tcp}}\n        \
             - CidrIp: !If [IsEast, 0.0.0.0/0, !Ref AWS::NoValue]\n          FromPort: 443\n",
            prev = if i == 0 { 9_999 } else { i - 1 },
        ));
    }
    let start = Instant::now();
    let doc = match parse("big.yaml", &text) {
        Ok(d) => d,
        Err(e) => panic!("{e}"),
    };
    let parsed = start.elapsed();
    let t = match Template::resolve("big.yaml", &doc, &Options::default()) {
        Ok(t) => t,
        Err(e) => panic!("{e}"),
    };
    eprintln!(
        "10,000 resources, {} bytes: parse {parsed:?}, parse + resolve {:?} (debug build)",
        text.len(),
        start.elapsed()
    );
    assert_eq!(t.resources.len(), 10_000);
    let last = &t.resources[9_999];
    assert_eq!(last.logical_id, "Sg9999");
    let j = last.properties.to_json(&mut |_, _| {});
    assert_eq!(j["GroupDescription"], "groupé us-east-1 9999");
    assert_eq!(j["VpcId"], "${Sg9998}");
    assert_eq!(j["SecurityGroupIngress"][0]["CidrIp"], "10.0.0.0/8");
    assert_eq!(j["SecurityGroupIngress"][1]["CidrIp"], "0.0.0.0/0");
    assert_eq!(
        last.pos.line,
        text.lines().position(|l| l == "  Sg9999:").unwrap_or(0) + 1
    );
}

#[test]
fn truncated_templates_never_panic() {
    for (i, _) in TEMPLATE.char_indices() {
        if let Ok(doc) = parse("t.yaml", &TEMPLATE[..i]) {
            let _ = Template::resolve("t.yaml", &doc, &Options::default());
        }
    }
}
