//! The YAML / JSON parser: values, positions of keys and values, short-form
//! tags, anchors, errors with line:column, and content detection.

use palisade_import::parse::{detect, parse};
use palisade_import::{Kind, Node, Pos, Value};

fn p(line: usize, column: usize) -> Pos {
    Pos { line, column }
}

fn ok(text: &str) -> Node {
    match parse("t.yaml", text) {
        Ok(n) => n,
        Err(e) => panic!("parse failed: {e}"),
    }
}

fn err(text: &str) -> String {
    match parse("t.yaml", text) {
        Ok(n) => panic!("expected an error, got {n:?}"),
        Err(e) => e.to_string(),
    }
}

/// Plain JSON of a tree, positions dropped.
fn json(n: &Node) -> serde_json::Value {
    n.to_json(&mut |_, _| {})
}

#[test]
fn plain_scalars_follow_the_yaml_1_2_core_schema() {
    let n = ok(
        "a: null\nb: ~\nc:\nd: true\ne: False\nf: 22\ng: -1.5e3\nh: 0x1F\ni: yes\n\
                j: '22'\nk: \"true\"\nl: 2012-10-17\nm: 012345678901\nn: .inf\no: 1.10\n",
    );
    let v = |k: &str| n.get(k).map(|x| x.value.clone());
    assert_eq!(v("a"), Some(Value::Null));
    assert_eq!(v("b"), Some(Value::Null));
    assert_eq!(v("c"), Some(Value::Null));
    assert_eq!(v("d"), Some(Value::Bool(true)));
    assert_eq!(v("e"), Some(Value::Bool(false)));
    assert_eq!(v("f"), Some(Value::Number("22".into())));
    assert_eq!(v("g"), Some(Value::Number("-1.5e3".into())));
    assert_eq!(v("h"), Some(Value::Number("0x1F".into())));
    assert_eq!(v("i"), Some(Value::String("yes".into())));
    assert_eq!(v("j"), Some(Value::String("22".into())));
    assert_eq!(v("k"), Some(Value::String("true".into())));
    assert_eq!(v("l"), Some(Value::String("2012-10-17".into())));
    // The number keeps its text: an account id keeps its leading zero.
    assert_eq!(v("m"), Some(Value::Number("012345678901".into())));
    assert_eq!(v("n"), Some(Value::Number(".inf".into())));
    assert_eq!(v("o"), Some(Value::Number("1.10".into())));
}

#[test]
fn block_scalars_and_explicit_string_tags_are_strings() {
    let n = ok("a: |\n  x\n  y\nb: >-\n  folded\n  text\nc: !!str 22\nd: ! true\n");
    assert_eq!(n.get("a").and_then(Node::as_str), Some("x\ny\n"));
    assert_eq!(n.get("b").and_then(Node::as_str), Some("folded text"));
    assert_eq!(
        n.get("c").map(|x| &x.value),
        Some(&Value::String("22".into()))
    );
    assert_eq!(
        n.get("d").map(|x| &x.value),
        Some(&Value::String("true".into()))
    );
}

#[test]
fn keys_and_values_have_their_yaml_positions() {
    let text = "Resources:\n  Web:\n    Type: AWS::EC2::SecurityGroup\n    Properties:\n      \
                SecurityGroupIngress:\n        - CidrIp: 0.0.0.0/0\n          FromPort: 22\n";
    let n = ok(text);
    let res = n.get("Resources").unwrap();
    assert_eq!(n.key("Resources").unwrap().pos, p(1, 1));
    assert_eq!(res.key("Web").unwrap().pos, p(2, 3));
    let web = res.get("Web").unwrap();
    assert_eq!(web.get("Type").unwrap().pos, p(3, 11));
    let rule = &web
        .get("Properties")
        .unwrap()
        .get("SecurityGroupIngress")
        .unwrap()
        .items()[0];
    assert_eq!(rule.key("CidrIp").unwrap().pos, p(6, 11));
    assert_eq!(rule.get("CidrIp").unwrap().pos, p(6, 19));
    assert_eq!(rule.key("FromPort").unwrap().pos, p(7, 11));
    assert_eq!(rule.get("FromPort").unwrap().pos, p(7, 21));
    // Maps and lists start at their first key / item (flow: at the bracket).
    assert_eq!(n.pos, p(1, 1));
    assert_eq!(web.pos, p(3, 5));
    assert_eq!(rule.pos, p(6, 11));
    let list = web
        .get("Properties")
        .unwrap()
        .get("SecurityGroupIngress")
        .unwrap();
    assert_eq!(list.pos, p(6, 9));
    let flow = ok("a: {b: 1}\nc:   [1]\n");
    assert_eq!(flow.get("a").unwrap().pos, p(1, 4));
    assert_eq!(flow.get("c").unwrap().pos, p(2, 6));
}

#[test]
fn json_gets_positions_too() {
    let text = "{\n  \"Resources\": {\n    \"Web\": {\"Type\": \"AWS::IAM::Role\",\n      \
                \"Properties\": {\"Path\": \"/\"}}\n  }\n}\n";
    let n = ok(text);
    assert_eq!(n.pos, p(1, 1));
    assert_eq!(n.key("Resources").unwrap().pos, p(2, 3));
    let web = n.get("Resources").unwrap().get("Web").unwrap();
    assert_eq!(web.pos, p(3, 12));
    assert_eq!(web.key("Type").unwrap().pos, p(3, 13));
    assert_eq!(web.get("Type").unwrap().pos, p(3, 21));
    let props = web.get("Properties").unwrap();
    assert_eq!(props.key("Path").unwrap().pos, p(4, 22));
    assert_eq!(props.get("Path").unwrap().as_str(), Some("/"));
}

#[test]
fn json_quirks_parse() {
    // Escaped slash, unicode escapes (also a surrogate pair), no spaces
    // after ':' and ',', tabs as indentation, a large single-line document.
    let text = "{\"a\":\"x\\/y\",\"b\":\"\\u00e9\\u4e2d\",\"c\":\"\\ud83d\\ude00!\",\
                \"d\":[1,2.5,-3e2,true,false,null],\"e\":{}}";
    let n = ok(text);
    assert_eq!(n.get("a").and_then(Node::as_str), Some("x/y"));
    assert_eq!(n.get("b").and_then(Node::as_str), Some("é中"));
    assert_eq!(n.get("c").and_then(Node::as_str), Some("😀!"));
    assert_eq!(
        json(&n)["d"],
        serde_json::json!([1, 2.5, -300.0, true, false, null])
    );
    assert_eq!(
        n.get("d").unwrap().items()[2].value,
        Value::Number("-3e2".into())
    );
    let tabs = ok("{\n\t\"a\": {\n\t\t\"b\":\t[\"x\\ty\", \"\\\\ud800\"]\n\t}\n}\n");
    let b = tabs.get("a").unwrap().get("b").unwrap();
    assert_eq!(b.pos, p(3, 8));
    assert_eq!(json(b), serde_json::json!(["x\ty", "\\ud800"]));
    let lone = ok("{\"a\": \"\\ud800x\"}");
    assert_eq!(lone.get("a").and_then(Node::as_str), Some("\u{fffd}x"));
}

#[test]
fn a_large_single_line_json_document_parses_with_positions() {
    let items: Vec<String> = (0..20_000)
        .map(|i| format!("{{\"address\":\"aws_iam_user.u{i}\",\"values\":{{\"name\":\"u{i}\"}}}}"))
        .collect();
    let text = format!(
        "{{\"format_version\":\"1.2\",\"resources\":[{}]}}",
        items.join(",")
    );
    let n = ok(&text);
    let list = n.get("resources").unwrap().items();
    assert_eq!(list.len(), 20_000);
    let last = &list[19_999];
    assert_eq!(
        last.get("address").and_then(Node::as_str),
        Some("aws_iam_user.u19999")
    );
    assert_eq!(last.pos.line, 1);
    let col = text.find("{\"address\":\"aws_iam_user.u19999\"").unwrap() + 1;
    assert_eq!(last.pos.column, col);
}

#[test]
fn short_form_tags_become_long_form() {
    let n = ok(
        "a: !Ref Param\nb: !GetAtt Role.Arn\nc: !GetAtt [Role, Arn]\nd: !Sub '${A}-x'\n\
                e: !Join [',', [a, b]]\nf: !If [C, 1, 2]\ng: !Condition IsProd\nh: !GetAZs ''\n\
                i: !Equals [a, b]\nj: !ToJsonString {k: v}\nk: !GetAtt Stack.Outputs.Name\n",
    );
    let j = json(&n);
    assert_eq!(j["a"], serde_json::json!({"Ref": "Param"}));
    assert_eq!(j["b"], serde_json::json!({"Fn::GetAtt": ["Role", "Arn"]}));
    assert_eq!(j["c"], serde_json::json!({"Fn::GetAtt": ["Role", "Arn"]}));
    assert_eq!(j["d"], serde_json::json!({"Fn::Sub": "${A}-x"}));
    assert_eq!(j["e"], serde_json::json!({"Fn::Join": [",", ["a", "b"]]}));
    assert_eq!(j["f"], serde_json::json!({"Fn::If": ["C", 1, 2]}));
    assert_eq!(j["g"], serde_json::json!({"Condition": "IsProd"}));
    assert_eq!(j["h"], serde_json::json!({"Fn::GetAZs": ""}));
    assert_eq!(j["i"], serde_json::json!({"Fn::Equals": ["a", "b"]}));
    assert_eq!(j["j"], serde_json::json!({"Fn::ToJsonString": {"k": "v"}}));
    assert_eq!(
        j["k"],
        serde_json::json!({"Fn::GetAtt": ["Stack", "Outputs.Name"]})
    );
}

#[test]
fn every_short_form_tag_is_known() {
    for tag in [
        "Ref",
        "Condition",
        "GetAtt",
        "Sub",
        "Join",
        "Select",
        "Split",
        "If",
        "Equals",
        "And",
        "Or",
        "Not",
        "FindInMap",
        "Base64",
        "GetAZs",
        "ImportValue",
        "Cidr",
        "Transform",
        "Length",
        "ToJsonString",
    ] {
        let n = ok(&format!("a: !{tag} [x.y]\n"));
        let key = &n.get("a").unwrap().entries()[0].0.name;
        let want = if matches!(tag, "Ref" | "Condition") {
            tag.to_owned()
        } else {
            format!("Fn::{tag}")
        };
        assert_eq!(key, &want);
    }
}

#[test]
fn a_tagged_node_is_positioned_at_its_tag() {
    let n = ok("Value: !If\n  - IsProd\n  - a\n  - b\nOther:   !Ref   X\n");
    let v = n.get("Value").unwrap();
    assert_eq!(v.pos, p(1, 8));
    assert_eq!(v.entries()[0].0.pos, p(1, 8));
    assert_eq!(v.get("Fn::If").unwrap().items()[0].pos, p(2, 5));
    let o = n.get("Other").unwrap();
    assert_eq!(o.pos, p(5, 10));
    assert_eq!(o.get("Ref").unwrap().pos, p(5, 17));
    // Non-ASCII text before the tag: columns count characters.
    let n = ok("é: ü\nA: !Ref  B\n");
    assert_eq!(n.get("A").unwrap().pos, p(2, 4));
}

#[test]
fn an_unknown_tag_is_an_error_at_the_tag() {
    let e = err("a: 1\nb:  !Reff X\n");
    assert!(e.starts_with("t.yaml:2:5: unknown tag !Reff"), "{e}");
    let e = err("a: !!python/object x\n");
    assert!(e.contains("unknown tag !!python/object"), "{e}");
    let e = err("a: !GetAtt NoDot\n");
    assert!(e.contains("1:4") && e.contains("Resource.Attribute"), "{e}");
}

#[test]
fn anchors_and_aliases_are_copied() {
    let n = ok("base: &b {Effect: Allow, Action: ['s3:*']}\nuse: *b\nlist: [*b, *b]\n");
    let j = json(&n);
    assert_eq!(j["use"], j["base"]);
    assert_eq!(j["list"][1], j["base"]);
    assert_eq!(n.get("use").unwrap().pos, p(2, 6));
}

#[test]
fn billion_laughs_is_refused() {
    let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..12 {
        let prev = format!("*a{}", i - 1);
        let refs = [prev.as_str(); 10].join(", ");
        text.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
    }
    let e = err(&text);
    assert!(e.contains("aliases expand to more than"), "{e}");
}

#[test]
fn duplicate_keys_are_errors_with_position() {
    let e = err("a: 1\nb: 2\na: 3\n");
    assert!(
        e.starts_with("t.yaml:3:1: duplicate key \"a\" (first at 1:1)"),
        "{e}"
    );
    // Many keys: the set-backed check.
    let mut text: String = (0..100).map(|i| format!("k{i}: {i}\n")).collect();
    text.push_str("k57: again\n");
    let e = err(&text);
    assert!(e.starts_with("t.yaml:101:1: duplicate key \"k57\""), "{e}");
    let e = err("{\"a\": 1, \"a\": 2}");
    assert!(e.starts_with("t.yaml:1:10: duplicate key"), "{e}");
}

#[test]
fn malformed_input_is_an_error_with_line_and_column() {
    let e = err("a: 1\nb: [1, 2\nc: 3\n");
    assert!(e.starts_with("t.yaml:"), "{e}");
    assert!(e.contains("invalid YAML/JSON"), "{e}");
    // JSON is held to JSON's rules (YAML would read an empty value here).
    let e = err("{\"a\": 1,\n \"b\": }\n");
    assert!(e.starts_with("t.yaml:2:7: invalid JSON"), "{e}");
    let e = err("a:\n  b: 1\n c: 2\n");
    assert!(e.starts_with("t.yaml:3:"), "{e}");
}

#[test]
fn several_documents_are_refused() {
    let e = err("a: 1\n---\nb: 2\n");
    assert!(e.starts_with("t.yaml:2:1: a second YAML document"), "{e}");
    // One explicit document is fine.
    assert!(ok("---\na: 1\n").get("a").is_some());
}

#[test]
fn empty_input_is_null() {
    assert!(ok("").is_null());
    assert!(ok("# only a comment\n").is_null());
}

#[test]
fn nesting_is_bounded() {
    let deep = format!("{}{}", "[".repeat(300), "]".repeat(300));
    let e = err(&deep);
    assert!(
        e.contains("recursion limit") || e.contains("nesting deeper"),
        "{e}"
    );
    let deep: String = (0..300)
        .map(|i| format!("{}k:\n", "  ".repeat(i)))
        .collect();
    let e = err(&deep);
    assert!(e.contains("nesting deeper than 256 levels"), "{e}");
}

#[test]
fn complex_keys_are_refused() {
    let e = err("? [a, b]\n: c\n");
    assert!(e.contains("a map key must be a plain string"), "{e}");
}

#[test]
fn detect_tells_the_kind_from_the_content() {
    assert_eq!(
        detect("{\"format\": \"palisade-snapshot\", \"version\": 1}"),
        Some(Kind::Snapshot)
    );
    assert_eq!(
        detect("{\"format_version\": \"1.2\", \"terraform_version\": \"1.9.0\", \"planned_values\": {}}"),
        Some(Kind::TerraformPlan)
    );
    assert_eq!(
        detect("{\"AWSTemplateFormatVersion\": \"2010-09-09\", \"Resources\": {}}"),
        Some(Kind::CloudFormation)
    );
    assert_eq!(
        detect("Resources:\n  A:\n    Type: X\n"),
        Some(Kind::CloudFormation)
    );
    assert_eq!(
        detect("AWSTemplateFormatVersion: '2010-09-09'\n"),
        Some(Kind::CloudFormation)
    );
    // Nested keys do not count; a string `Resources` is not a template.
    assert_eq!(detect("{\"a\": {\"Resources\": {}}}"), None);
    assert_eq!(detect("Resources: none\n"), None);
    assert_eq!(detect("name: ci\non: push\n"), None);
    assert_eq!(detect("[1, 2]"), None);
    assert_eq!(detect(""), None);
    // Malformed templates are still recognised, so their error is reported.
    assert_eq!(detect("Resources:\n  A: [\n"), Some(Kind::CloudFormation));
    assert_eq!(detect("{\"Resources\": {,}}"), Some(Kind::CloudFormation));
    assert_eq!(
        detect("Resources:\n  A: !Bogus x\n"),
        Some(Kind::CloudFormation)
    );
}

#[test]
fn truncated_and_mangled_input_never_panics() {
    let text = "AWSTemplateFormatVersion: '2010-09-09'\nParameters:\n  P: {Type: String, Default: \"a\\u00e9\"}\n\
                Resources:\n  R: &r\n    Type: AWS::IAM::Role\n    Properties:\n      Doc: !Sub |\n        \
                x ${P}\n      List: [!Ref P, !GetAtt R.Arn, *r]\n      M: {'k': \"v\", ? q : w}\n";
    let json = "{\"a\": [1, {\"b\": \"\\ud83d\\ude00\\t\"}], \"c\": null}";
    for src in [text, json] {
        for (i, _) in src.char_indices() {
            let _ = parse("t", &src[..i]);
            let _ = detect(&src[..i]);
            for junk in [
                "[", "]", "{", "}", ":", "-", "!", "&", "*", "\"", "'", "\t", "\n", "\\",
            ] {
                let mangled = format!("{}{junk}{}", &src[..i], &src[i..]);
                let _ = parse("t", &mangled);
            }
        }
    }
}
