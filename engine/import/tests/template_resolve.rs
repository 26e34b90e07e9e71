//! Template resolution: parameters, pseudo parameters, mappings, conditions
//! and every intrinsic function, with unknowns and errors at positions.

use palisade_import::cfn::template::{Resource, Template};
use palisade_import::parse::parse;
use palisade_import::{Node, Options, Pos, Value};
use serde_json::json;

fn p(line: usize, column: usize) -> Pos {
    Pos { line, column }
}

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

fn resolve(text: &str) -> Template {
    resolve_with(text, &Options::default())
}

fn err(text: &str) -> String {
    err_with(text, &Options::default())
}

fn err_with(text: &str, opts: &Options) -> String {
    match try_resolve(text, opts) {
        Ok(t) => panic!("expected an error, got {t:?}"),
        Err(e) => e,
    }
}

fn res<'t>(t: &'t Template, id: &str) -> &'t Resource {
    match t.resources.iter().find(|r| r.logical_id == id) {
        Some(r) => r,
        None => panic!("no resource {id}"),
    }
}

/// A resource's properties as JSON (unknowns as `${unknown}`).
fn props(t: &Template, id: &str) -> serde_json::Value {
    res(t, id).properties.to_json(&mut |_, _| {})
}

/// Property `key` of resource `id`.
fn prop<'t>(t: &'t Template, id: &str, key: &str) -> &'t Node {
    match res(t, id).properties.get(key) {
        Some(n) => n,
        None => panic!("{id} has no property {key}"),
    }
}

fn unknown(n: &Node) -> &str {
    match &n.value {
        Value::Unknown(r) => r,
        v => panic!("expected an unknown, got {v:?}"),
    }
}

/// A template with `params` and one resource `R` with `props`.
fn one(params: &str, props: &str) -> String {
    format!(
        "Parameters:\n{params}\nResources:\n  R:\n    Type: AWS::X::Y\n    Properties:\n{props}"
    )
}

#[test]
fn parameters_take_the_given_value_else_the_default_else_are_unknown() {
    let text = one(
        "  A: {Type: String, Default: da}\n  B: {Type: String, Default: db}\n  C: {Type: String}\n  \
         N: {Type: Number, Default: 22}\n",
        "      A: !Ref A\n      B: !Ref B\n      C: !Ref C\n      N: !Ref N\n",
    );
    let mut opts = Options::default();
    opts.parameters.insert("B".into(), "given".into());
    let t = resolve_with(&text, &opts);
    assert_eq!(prop(&t, "R", "A").as_str(), Some("da"));
    assert_eq!(prop(&t, "R", "B").as_str(), Some("given"));
    assert_eq!(
        unknown(prop(&t, "R", "C")),
        "parameter C has no default and no value was given"
    );
    assert_eq!(prop(&t, "R", "N").value, Value::Number("22".into()));
}

#[test]
fn list_parameters_are_split_on_commas() {
    let text = one(
        "  L: {Type: CommaDelimitedList, Default: 'a, b,c'}\n  S: {Type: 'List<AWS::EC2::Subnet::Id>'}\n  \
         N: {Type: 'List<Number>', Default: '80,443'}\n  E: {Type: CommaDelimitedList, Default: ''}\n",
        "      L: !Ref L\n      S: !Ref S\n      N: !Ref N\n      E: !Ref E\n      \
         First: !Select [0, !Ref L]\n",
    );
    let mut opts = Options::default();
    opts.parameters
        .insert("S".into(), "subnet-1,subnet-2".into());
    let t = resolve_with(&text, &opts);
    let j = props(&t, "R");
    assert_eq!(j["L"], json!(["a", "b", "c"]));
    assert_eq!(j["S"], json!(["subnet-1", "subnet-2"]));
    assert_eq!(j["N"], json!([80, 443]));
    assert_eq!(j["E"], json!([]));
    assert_eq!(j["First"], json!("a"));
}

#[test]
fn ssm_parameter_types_are_unknown() {
    let text = one(
        "  Ami: {Type: 'AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>', Default: /ami/latest}\n",
        "      Ami: !Ref Ami\n",
    );
    let t = resolve(&text);
    assert_eq!(
        unknown(prop(&t, "R", "Ami")),
        "parameter Ami is read from SSM parameter /ami/latest at deployment"
    );
}

#[test]
fn parameter_errors_name_the_parameter() {
    // A value for a parameter the template does not declare is ignored: one
    // scan reads many templates with one set of values.
    let mut opts = Options::default();
    opts.parameters.insert("Nope".into(), "x".into());
    resolve_with(&one("  A: {Type: String}\n", "      A: 1\n"), &opts);
    let mut opts = Options::default();
    opts.parameters.insert("N".into(), "abc".into());
    let e = err_with(&one("  N: {Type: Number}\n", "      A: 1\n"), &opts);
    assert!(
        e.contains("parameter N is of type Number, but its value \"abc\""),
        "{e}"
    );
}

#[test]
fn pseudo_parameters() {
    let props_text = "      Region: !Ref AWS::Region\n      Partition: !Ref AWS::Partition\n      \
                      Suffix: !Ref AWS::URLSuffix\n      Account: !Ref AWS::AccountId\n      \
                      Stack: !Ref AWS::StackName\n      Id: !Ref AWS::StackId\n      \
                      Arns: !Ref AWS::NotificationARNs\n";
    let text = one("  X: {Type: String, Default: x}\n", props_text);
    let t = resolve(&text);
    let j = props(&t, "R");
    assert_eq!(j["Region"], "us-east-1");
    assert_eq!(j["Partition"], "aws");
    assert_eq!(j["Suffix"], "amazonaws.com");
    // Without --account-id: the symbolic own account of the IaC account.
    assert_eq!(j["Account"], palisade_import::UNKNOWN_ACCOUNT);
    assert_eq!(
        unknown(prop(&t, "R", "Stack")),
        "AWS::StackName is known only at deployment"
    );
    assert_eq!(
        unknown(prop(&t, "R", "Id")),
        "AWS::StackId is known only at deployment"
    );
    assert!(unknown(prop(&t, "R", "Arns")).starts_with("AWS::NotificationARNs"));
    let opts = Options {
        region: Some("cn-north-1".into()),
        account_id: Some("123456789012".into()),
        ..Options::default()
    };
    let j = props(&resolve_with(&text, &opts), "R");
    assert_eq!(j["Region"], "cn-north-1");
    assert_eq!(j["Partition"], "aws-cn");
    assert_eq!(j["Suffix"], "amazonaws.com.cn");
    assert_eq!(j["Account"], "123456789012");
    let opts = Options {
        region: Some("us-gov-west-1".into()),
        ..Options::default()
    };
    assert_eq!(
        props(&resolve_with(&text, &opts), "R")["Partition"],
        "aws-us-gov"
    );
}

#[test]
fn no_value_removes_the_property_or_list_item() {
    let text = one(
        "  X: {Type: String, Default: x}\n",
        "      Gone: !Ref AWS::NoValue\n      Kept: 1\n      List: [a, !Ref AWS::NoValue, b]\n      \
         Nested: {Inner: {Ref: AWS::NoValue}}\n",
    );
    let j = props(&resolve(&text), "R");
    assert_eq!(j, json!({"Kept": 1, "List": ["a", "b"], "Nested": {}}));
}

#[test]
fn refs_and_get_atts_to_resources_are_references() {
    let text = "Resources:\n  Role:\n    Type: AWS::IAM::Role\n  R:\n    Type: AWS::X::Y\n    \
                Properties:\n      A: !Ref Role\n      B: !GetAtt Role.Arn\n      \
                C: {\"Fn::GetAtt\": [Role, RoleId]}\n      D: !GetAtt Role.Outputs.X\n";
    let t = resolve(text);
    let r = |target: &str, attr: Option<&str>| Value::Ref {
        target: target.into(),
        attr: attr.map(str::to_owned),
    };
    assert_eq!(prop(&t, "R", "A").value, r("Role", None));
    assert_eq!(prop(&t, "R", "B").value, r("Role", Some("Arn")));
    assert_eq!(prop(&t, "R", "C").value, r("Role", Some("RoleId")));
    assert_eq!(prop(&t, "R", "D").value, r("Role", Some("Outputs.X")));
    // Resources without Properties have a null node at their key.
    assert!(res(&t, "Role").properties.is_null());
    assert_eq!(res(&t, "Role").properties.pos, p(2, 3));
    assert_eq!(res(&t, "R").pos, p(4, 3));
    assert_eq!(res(&t, "R").resource_type, "AWS::X::Y");
}

#[test]
fn references_to_undefined_names_are_errors_at_their_position() {
    let e = err("Resources:\n  R:\n    Type: A::B::C\n    Properties:\n      A: !Ref Missing\n");
    assert!(
        e.starts_with("t.yaml:5:10: Ref to Missing, which is not a parameter"),
        "{e}"
    );
    let e =
        err("Resources:\n  R:\n    Type: A::B::C\n    Properties:\n      A: !GetAtt Nope.Arn\n");
    assert!(
        e.starts_with("t.yaml:5:10: Fn::GetAtt of Nope, which is not a resource"),
        "{e}"
    );
}

#[test]
fn resolved_values_keep_the_position_of_their_expression() {
    let text = one(
        "  Cidr: {Type: String, Default: 0.0.0.0/0}\n",
        "      CidrIp: !Ref Cidr\n      Long:\n        Ref: Cidr\n",
    );
    let t = resolve(&text);
    let c = prop(&t, "R", "CidrIp");
    assert_eq!(c.as_str(), Some("0.0.0.0/0"));
    assert_eq!(c.pos, p(8, 15));
    assert_eq!(
        res(&t, "R").properties.key("CidrIp").map(|k| k.pos),
        Some(p(8, 7))
    );
    assert_eq!(prop(&t, "R", "Long").pos, p(10, 9));
}

#[test]
fn sub_substitutes_parameters_pseudo_parameters_resources_and_variables() {
    let text = "Parameters:\n  Env: {Type: String, Default: prod}\n  Open: {Type: String}\n\
                Resources:\n  Bucket:\n    Type: AWS::S3::Bucket\n  R:\n    Type: A::B::C\n    \
                Properties:\n      \
                A: !Sub 'arn:${AWS::Partition}:s3:::${Env}-${Bucket}/${Bucket.Arn}'\n      \
                B: !Sub ['${Name}-${Env}', {Name: !Ref Env}]\n      \
                C: !Sub '${!Literal}-${ Env }'\n      \
                D: !Sub 'x-${Open}'\n      \
                E: !Sub ['${X}', {X: !GetAtt Bucket.Arn}]\n      \
                F: !Sub 'no vars, ${unclosed'\n";
    let t = resolve(text);
    let j = props(&t, "R");
    assert_eq!(j["A"], "arn:aws:s3:::prod-${Bucket}/${Bucket.Arn}");
    assert_eq!(j["B"], "prod-prod");
    assert_eq!(j["C"], "${Literal}-prod");
    assert_eq!(
        unknown(prop(&t, "R", "D")),
        "parameter Open has no default and no value was given"
    );
    assert_eq!(j["E"], "${Bucket.Arn}");
    assert_eq!(j["F"], "no vars, ${unclosed");
    let e = err("Resources:\n  R:\n    Type: A::B::C\n    Properties:\n      A: !Sub '${Nope}'\n");
    assert!(e.starts_with("t.yaml:5:10: Fn::Sub uses ${Nope}"), "{e}");
}

#[test]
fn join_select_split_length_base64() {
    let text = one(
        "  L: {Type: CommaDelimitedList, Default: 'a,b'}\n  U: {Type: String}\n",
        "      Join: !Join ['-', [x, !Ref L, !Ref AWS::Region]]\n      \
         JoinRef: !Join ['', ['arn:', !GetAtt R.Arn]]\n      \
         JoinUnknown: !Join ['', [a, !Ref U]]\n      \
         Select: !Select ['1', [a, b, c]]\n      \
         Split: !Split [',', 'a,b,,c']\n      \
         SelectSplit: !Select [2, !Split ['/', 'x/y/z']]\n      \
         Length: !Length [a, b, c]\n      \
         Base64: !Base64 'echo hi'\n",
    );
    let text = text.replace(
        "!Join ['-', [x, !Ref L, !Ref AWS::Region]]",
        "!Join ['-', !Ref L]",
    );
    let t = resolve(&text);
    let j = props(&t, "R");
    assert_eq!(j["Join"], "a-b");
    assert_eq!(j["JoinRef"], "arn:${R.Arn}");
    assert_eq!(
        unknown(prop(&t, "R", "JoinUnknown")),
        "parameter U has no default and no value was given"
    );
    assert_eq!(j["Select"], "b");
    assert_eq!(j["Split"], json!(["a", "b", "", "c"]));
    assert_eq!(j["SelectSplit"], "z");
    assert_eq!(j["Length"], json!(3));
    assert_eq!(j["Base64"], "echo hi");
}

#[test]
fn select_out_of_range_is_an_error() {
    let e =
        err("Resources:\n  R:\n    Type: A::B::C\n    Properties:\n      A: !Select [3, [a, b]]\n");
    assert!(
        e.starts_with("t.yaml:5:10: Fn::Select index 3 is out of range for a list of 2"),
        "{e}"
    );
}

#[test]
fn runtime_only_functions_are_unknown() {
    let text = "Resources:\n  Vpc:\n    Type: AWS::EC2::VPC\n  R:\n    Type: A::B::C\n    \
                Properties:\n      \
                Azs: !GetAZs ''\n      Az: !Select [0, !GetAZs '']\n      \
                Imp: !ImportValue shared-vpc-id\n      Cidr: !Cidr ['10.0.0.0/16', 4, 8]\n      \
                Tr: {'Fn::Transform': {Name: MyMacro}}\n      \
                Cidrs: !Select [0, !GetAtt Vpc.CidrBlockAssociations]\n      \
                Secret: '{{resolve:secretsmanager:db:SecretString:password}}'\n";
    let t = resolve(text);
    assert_eq!(
        unknown(prop(&t, "R", "Azs")),
        "Fn::GetAZs: the Availability Zones of us-east-1 are known only at deployment"
    );
    assert!(unknown(prop(&t, "R", "Az")).starts_with("Fn::GetAZs"));
    assert_eq!(
        unknown(prop(&t, "R", "Imp")),
        "value imported from another stack's export shared-vpc-id"
    );
    assert!(unknown(prop(&t, "R", "Cidr")).starts_with("Fn::Cidr"));
    assert!(unknown(prop(&t, "R", "Tr")).starts_with("Fn::Transform MyMacro"));
    assert_eq!(
        unknown(prop(&t, "R", "Cidrs")),
        "element 0 of ${Vpc.CidrBlockAssociations}, known only after deployment"
    );
    assert_eq!(
        unknown(prop(&t, "R", "Secret")),
        "dynamic reference {{resolve:secretsmanager:db:SecretString:password}} is resolved at deployment"
    );
}

#[test]
fn to_json_string_renders_known_values() {
    let text = one(
        "  U: {Type: String}\n",
        "      Known: !ToJsonString {a: [1, x], b: true}\n      Unknown: !ToJsonString {a: !Ref U}\n",
    );
    let t = resolve(&text);
    let known = prop(&t, "R", "Known").as_str().unwrap_or_default();
    let back: serde_json::Value = serde_json::from_str(known).unwrap_or_default();
    assert_eq!(back, json!({"a": [1, "x"], "b": true}));
    assert_eq!(
        unknown(prop(&t, "R", "Unknown")),
        "parameter U has no default and no value was given"
    );
}

#[test]
fn find_in_map_with_known_unknown_and_missing_keys() {
    let text = "Parameters:\n  Env: {Type: String, Default: prod}\n  U: {Type: String}\n\
                Mappings:\n  Cidrs:\n    prod: {Ssh: 10.0.0.0/8, Ports: [22, 443]}\n    \
                dev: {Ssh: 0.0.0.0/0}\n\
                Resources:\n  R:\n    Type: A::B::C\n    Properties:\n      \
                A: !FindInMap [Cidrs, !Ref Env, Ssh]\n      \
                B: !FindInMap [Cidrs, !Ref U, Ssh]\n      \
                C: !FindInMap [Cidrs, staging, Ssh, {DefaultValue: 192.168.0.0/16}]\n      \
                D: !FindInMap [Cidrs, prod, Ports]\n";
    let t = resolve(text);
    let j = props(&t, "R");
    assert_eq!(j["A"], "10.0.0.0/8");
    assert_eq!(prop(&t, "R", "A").pos, p(12, 10));
    assert_eq!(
        unknown(prop(&t, "R", "B")),
        "Fn::FindInMap in Cidrs with a key that is unknown: parameter U has no default and no value was given"
    );
    assert_eq!(j["C"], "192.168.0.0/16");
    assert_eq!(j["D"], json!([22, 443]));
    let e = err(&text.replace("[Cidrs, !Ref Env, Ssh]", "[Cidrs, prod, Http]"));
    assert!(
        e.starts_with("t.yaml:12:10: Fn::FindInMap [Cidrs, prod, Http]: mapping Cidrs key prod has no key Http"),
        "{e}"
    );
    let e = err(&text.replace("[Cidrs, !Ref Env, Ssh]", "[Nope, prod, Ssh]"));
    assert!(e.contains("there is no mapping Nope"), "{e}");
}

#[test]
fn unknown_intrinsic_functions_and_bad_shapes_are_errors() {
    let e =
        err("Resources:\n  R:\n    Type: A::B::C\n    Properties:\n      A: {'Fn::Bogus': [1]}\n");
    assert!(
        e.starts_with("t.yaml:5:11: unknown intrinsic function Fn::Bogus"),
        "{e}"
    );
    let e =
        err("Resources:\n  R:\n    Type: A::B::C\n    Properties:\n      A: !Join [only-one]\n");
    assert!(
        e.starts_with("t.yaml:5:10: Fn::Join takes [delimiter, [values]]"),
        "{e}"
    );
    let e = err("Resources:\n  R:\n    Type: A::B::C\n    Properties:\n      A: !If [C, 1]\n");
    assert!(e.contains("Fn::If takes [condition"), "{e}");
    let e = err("Resources:\n  R:\n    Type: A::B::C\n    Properties:\n      A: !Ref [x]\n");
    assert!(e.contains("Ref takes the name"), "{e}");
    // A multi-key map holding an Fn:: key is data, not a call.
    let t = resolve(
        "Resources:\n  R:\n    Type: A::B::C\n    Properties:\n      A: {'Fn::X': 1, b: 2}\n",
    );
    assert_eq!(props(&t, "R")["A"], json!({"Fn::X": 1, "b": 2}));
}

#[test]
fn malformed_resources_are_errors_with_position() {
    let e = err("Parameters: {}\n");
    assert!(
        e.starts_with("t.yaml:1:1: the template has no Resources"),
        "{e}"
    );
    let e = err("Resources: [a]\n");
    assert!(e.starts_with("t.yaml:1:12: Resources must be a map"), "{e}");
    let e = err("Resources:\n  R:\n    Properties: {}\n");
    assert!(e.starts_with("t.yaml:2:3: resource R has no Type"), "{e}");
    let e = err("Resources:\n  R: text\n");
    assert!(e.starts_with("t.yaml:2:6: resource R must be a map"), "{e}");
    let e = err("Resources:\n  R:\n    Type: A::B::C\n    Properties: [1]\n");
    assert!(
        e.starts_with("t.yaml:4:17: the Properties of resource R must be a map"),
        "{e}"
    );
    assert!(err("- a\n").contains("must be a map"));
}

#[test]
fn json_templates_resolve_with_positions() {
    let text = r#"{
  "Parameters": {"Port": {"Type": "Number", "Default": "22"}},
  "Resources": {
    "Sg": {
      "Type": "AWS::EC2::SecurityGroup",
      "Properties": {
        "SecurityGroupIngress": [{"CidrIp": "0.0.0.0\/0", "FromPort": {"Ref": "Port"}}],
        "GroupName": {"Fn::Join": ["-", ["web", {"Ref": "AWS::Region"}]]}
      }
    }
  }
}"#;
    let t = resolve(text);
    let j = props(&t, "Sg");
    assert_eq!(j["SecurityGroupIngress"][0]["CidrIp"], "0.0.0.0/0");
    assert_eq!(j["SecurityGroupIngress"][0]["FromPort"], json!(22));
    assert_eq!(j["GroupName"], "web-us-east-1");
    assert_eq!(res(&t, "Sg").pos, p(4, 5));
    let rule = &prop(&t, "Sg", "SecurityGroupIngress").items()[0];
    assert_eq!(rule.key("CidrIp").map(|k| k.pos), Some(p(7, 35)));
    assert_eq!(rule.get("FromPort").map(|n| n.pos), Some(p(7, 71)));
}

#[test]
fn transforms_are_listed_and_resources_taken_as_written() {
    let t = resolve(
        "Transform: AWS::Serverless-2016-10-31\nResources:\n  F:\n    Type: AWS::Serverless::Function\n    \
         Properties: {Handler: index.handler}\n",
    );
    assert_eq!(t.transforms, ["AWS::Serverless-2016-10-31"]);
    assert_eq!(res(&t, "F").resource_type, "AWS::Serverless::Function");
    let t = resolve("Transform: [AWS::LanguageExtensions, {Name: Mine}]\nResources: {}\n");
    assert_eq!(t.transforms, ["AWS::LanguageExtensions", "Mine"]);
}

#[test]
fn resources_keep_template_order() {
    let t =
        resolve("Resources:\n  Z: {Type: A::B::C}\n  A: {Type: A::B::C}\n  M: {Type: A::B::C}\n");
    let ids: Vec<&str> = t.resources.iter().map(|r| r.logical_id.as_str()).collect();
    assert_eq!(ids, ["Z", "A", "M"]);
}

#[test]
fn deeply_nested_properties_resolve() {
    let mut inner = String::from("!Sub '${AWS::Region}'");
    for i in 0..200 {
        inner = if i % 2 == 0 {
            format!("{{k: {inner}}}")
        } else {
            format!("!If [C, {inner}, z]")
        };
    }
    let text = format!(
        "Conditions:\n  C: !Equals [a, a]\nResources:\n  R:\n    Type: A::B::C\n    \
         Properties:\n      P: {inner}\n"
    );
    let t = match try_resolve(&text, &Options::default()) {
        Ok(t) => t,
        Err(e) => panic!("{e}"),
    };
    let mut n = &t.resources[0].properties;
    for _ in 0..101 {
        n = match n.get("P").or_else(|| n.get("k")) {
            Some(x) => x,
            None => break,
        };
    }
    assert_eq!(n.as_str(), Some("us-east-1"));
}
