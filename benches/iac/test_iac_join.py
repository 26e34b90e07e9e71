"""Unit tests of the IaC peer join (joining.py) on small hand-made outputs (no
peers installed): python3 -m unittest discover -s benches/iac -p 'test_*.py'"""
import sys
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import joining as j  # noqa: E402

T = "fixtures/iac/rules/ec2-sg-ssh-open-to-internet/cfn.fail.yaml"
P = "fixtures/iac/rules/ec2-sg-ssh-open-to-internet/tf.fail.tfplan.json"
FILES = [T, P]
CONCEPTS = [
    {"id": "sg-ssh", "title": "", "palisade": {"ec2-sg-ssh-open-to-internet"}, "checkov": {"CKV_AWS_24"},
     "cfn-guard": {"INCOMING_SSH_DISABLED"}, "note": ""},
    {"id": "iam-full-admin", "title": "", "palisade": {"iam-customer-policy-full-admin"}, "checkov": {"CKV_AWS_62"},
     "cfn-guard": set(), "note": ""},
]


def pal(rule, rid, status, line=None):
    return {"rule_id": rule, "status": status, "resource": {"id": rid}, "location": {"uri": rid.split("#")[0],
                                                                                     "line": line}}


def ck(check, path, resource, status, lines=(1, 5)):
    return {"check_id": check, "repo_file_path": "/" + path, "file_path": "/x", "resource": resource,
            "file_line_range": list(lines), "check_result": {"result": status}}


def ck_doc(failed=(), passed=()):
    return [{"check_type": "cloudformation", "results": {"failed_checks": list(failed),
                                                         "passed_checks": list(passed)}}]


class NamesTest(unittest.TestCase):
    def test_top_level_stops_at_sub_resource_outside_index_brackets(self):
        self.assertEqual(j.top_level("WebSg/ingress/0"), "WebSg")
        self.assertEqual(j.top_level('aws_security_group.web["a/b#c"]/ingress/1'), 'aws_security_group.web["a/b#c"]')
        self.assertEqual(j.top_level("module.net.aws_iam_policy.admin#statement/0"), "module.net.aws_iam_policy.admin")
        self.assertEqual(j.top_level("arn:aws:iam::aws:policy/AdministratorAccess#statement/0"),
                         "arn:aws:iam::aws:policy/AdministratorAccess")
        self.assertEqual(j.top_level("aws_vpc_security_group_ingress_rule.rdp[0]"),
                         "aws_vpc_security_group_ingress_rule.rdp[0]")

    def test_reported_paths_resolve_to_corpus_files(self):
        self.assertEqual(j.match_file("/work/repo/" + T, FILES), T)
        self.assertEqual(j.match_file("./" + T, FILES), T)
        # Checkov's terraform_plan file_path is relative to the inputs' common parent.
        self.assertEqual(j.match_file("/ec2-sg-ssh-open-to-internet/tf.fail.tfplan.json", FILES), P)
        self.assertIsNone(j.match_file("/elsewhere/other.yaml", FILES))

    def test_checkov_template_resources_become_logical_ids(self):
        rows = j.checkov_results(ck_doc(failed=[ck("CKV_AWS_24", T, "AWS::EC2::SecurityGroup.WebSg", "FAILED")]),
                                 FILES)
        self.assertEqual(rows, [(T, "WebSg", "CKV_AWS_24", "fail", (1, 5))])


class GuardTest(unittest.TestCase):
    def test_failing_resources_come_from_clause_paths_and_the_rest_pass(self):
        doc = [{"name": "/abs/" + T, "not_compliant": [{"Rule": {"name": "INCOMING_SSH_DISABLED", "checks": [
            {"Clause": {"Unary": {"check": {"Resolved": {"value": {"path": "/Resources/WebSg/Properties/X",
                                                                      "value": {"Path": "/Resources/Nope"}}}}}}}]}}],
                "compliant": ["SUBNET_AUTO_ASSIGN_PUBLIC_IP_DISABLED"], "not_applicable": []}]
        got = j.guard_results([doc], FILES)
        self.assertIn((T, "WebSg", "INCOMING_SSH_DISABLED", "fail", None), got)
        self.assertIn((T, "*", "INCOMING_SSH_DISABLED", "pass", None), got)
        self.assertIn((T, "*", "SUBNET_AUTO_ASSIGN_PUBLIC_IP_DISABLED", "pass", None), got)
        self.assertNotIn("Nope", {r[1] for r in got})

    def test_concatenated_documents_are_all_read(self):
        self.assertEqual(j.read_json_stream('{"a": 1}\n[{"b": 2}] trailing'), [{"a": 1}, [{"b": 2}]])


class JoinTest(unittest.TestCase):
    def join(self, p, peer, name="checkov", files=FILES):
        return {(r["file"], r["resource"], r["concept"]): r
                for r in j.join(CONCEPTS, j.palisade_results({"results": p}, FILES), peer, name, set(files))}

    def test_sub_resource_findings_roll_up_to_the_resource_the_peer_names(self):
        rows = self.join(
            [pal("ec2-sg-ssh-open-to-internet", T + "#WebSg/ingress/0", "fail"),
             pal("ec2-sg-ssh-open-to-internet", T + "#WebSg/ingress/1", "pass")],
            j.checkov_results(ck_doc(failed=[ck("CKV_AWS_24", T, "AWS::EC2::SecurityGroup.WebSg", "FAILED")]), FILES))
        self.assertEqual(rows[(T, "WebSg", "sg-ssh")]["class"], "agree-fail")

    def test_one_sided_fails_are_differences(self):
        rows = self.join(
            [pal("ec2-sg-ssh-open-to-internet", T + "#Ingress", "fail"),
             pal("iam-customer-policy-full-admin", T + "#Admin#statement/0", "pass")],
            j.checkov_results(ck_doc(
                failed=[ck("CKV_AWS_62", T, "AWS::IAM::ManagedPolicy.Admin", "FAILED")],
                passed=[ck("CKV_AWS_24", T, "AWS::EC2::SecurityGroupIngress.Ingress", "PASSED")]), FILES))
        self.assertEqual(rows[(T, "Ingress", "sg-ssh")]["class"], "palisade-only")
        self.assertEqual(rows[(T, "Admin", "iam-full-admin")]["class"], "peer-only")
        self.assertEqual(rows[(T, "Admin", "iam-full-admin")]["peer_checks"], ["CKV_AWS_62"])

    def test_owner_and_attachment_subjects_of_one_finding_pair_up(self):
        rows = self.join(
            [pal("iam-customer-policy-full-admin", P + "#aws_iam_user.erin", "fail")],
            j.checkov_results([{"results": {"failed_checks": [
                ck("CKV_AWS_62", P, "aws_iam_user_policy.erin_admin", "FAILED")]}}], FILES))
        (row,) = rows.values()
        self.assertEqual((row["class"], row["resource"]), ("agree-fail", "aws_iam_user.erin / aws_iam_user_policy.erin_admin"))

    def test_not_evaluated_is_not_a_pass(self):
        rows = self.join([pal("ec2-sg-ssh-open-to-internet", T + "#Ingress", "not_evaluated")],
                         j.checkov_results(ck_doc(passed=[ck("CKV_AWS_24", T, "AWS::EC2::SecurityGroupIngress.Ingress",
                                                             "PASSED")]), FILES))
        self.assertEqual(rows[(T, "Ingress", "sg-ssh")]["class"], "not-evaluated")

    def test_finding_on_an_owner_the_peer_does_not_name_is_placed_by_line(self):
        rows = self.join(
            [pal("iam-customer-policy-full-admin", P + "#aws_iam_role.app/policy/inline#statement/0", "fail", 40)],
            j.checkov_results([{"results": {"failed_checks": [
                ck("CKV_AWS_62", P, "aws_iam_role_policy.inline", "FAILED", (35, 45))]}}], FILES))
        self.assertEqual(rows[(P, "aws_iam_role_policy.inline", "iam-full-admin")]["class"], "agree-fail")

    def test_guard_whole_template_pass_stands_for_resources_it_did_not_name(self):
        guard = [(T, "*", "INCOMING_SSH_DISABLED", "pass", None)]
        rows = self.join([pal("ec2-sg-ssh-open-to-internet", T + "#Ingress", "fail")], guard, "cfn-guard", [T])
        self.assertEqual(rows[(T, "Ingress", "sg-ssh")]["peer"], "pass")
        self.assertEqual(rows[(T, "Ingress", "sg-ssh")]["class"], "palisade-only")

    def test_concepts_without_checks_of_the_peer_are_not_joined(self):
        rows = self.join([pal("iam-customer-policy-full-admin", T + "#Admin", "fail")], [], "cfn-guard", [T])
        self.assertEqual(rows, {})


class ExplanationTest(unittest.TestCase):
    def test_first_matching_explanation_wins_and_fields_filter(self):
        row = {"file": T, "resource": "Ingress", "concept": "sg-ssh", "class": "palisade-only",
               "palisade_checks": ["ec2-sg-ssh-open-to-internet"], "peer_checks": []}
        ex = [{"index": 0, "concepts": ["sg-ssh"], "side": "peer-only"},
              {"index": 1, "concepts": ["sg-ssh"], "side": "palisade-only", "peer": "cfn-guard"},
              {"index": 2, "concepts": ["sg-ssh"], "side": "palisade-only", "resource": "Other"},
              {"index": 3, "concepts": ["sg-ssh"], "side": "palisade-only", "kind": "cloudformation"},
              {"index": 4, "concepts": ["sg-ssh"], "side": "palisade-only"}]
        self.assertEqual(j.explain(row, "checkov", ex)["index"], 3)
        self.assertEqual(j.explain(row, "cfn-guard", ex)["index"], 1)

    def test_sub_resource_ids_and_other_fails_select_explanations(self):
        rows = j.join(CONCEPTS, j.palisade_results({"results": [
            pal("ec2-sg-ssh-open-to-internet", T + "#WebSg/egress/default", "fail"),
            pal("iam-customer-policy-full-admin", T + "#WebSg", "fail")]}, FILES), [], "checkov", {T})
        (row,) = [r for r in rows if r["concept"] == "sg-ssh"]
        ex = [{"index": 0, "concepts": ["sg-ssh"], "side": "palisade-only", "palisade_id": "/ingress/"},
              {"index": 1, "concepts": ["sg-ssh"], "side": "palisade-only", "palisade_fails": ["other-rule"]},
              {"index": 2, "concepts": ["sg-ssh"], "side": "palisade-only", "palisade_id": "/egress/default",
               "palisade_fails": ["iam-customer-policy-full-admin"]}]
        self.assertEqual(j.explain(row, "checkov", ex)["index"], 2)

    def test_resource_types_come_from_the_template_or_the_address(self):
        import tempfile
        with tempfile.TemporaryDirectory() as d:
            Path(d, "t.yaml").write_text("Parameters:\n  Env:\n    Type: String\nResources:\n  WebSg:\n"
                                         "    # the web tier\n    Type: AWS::EC2::SecurityGroup\n    Properties: {}\n")
            self.assertEqual(j.resource_type("t.yaml", "WebSg", root=d), "AWS::EC2::SecurityGroup")
        self.assertEqual(j.resource_type(P, 'module.a.aws_iam_policy.p["x"]'), "aws_iam_policy")

    def test_peer_checks_on_scope_need_a_concept_or_a_reason(self):
        mapping = {"concepts": CONCEPTS, "unmapped": [{"peer": "checkov", "checks": ["CKV_AWS_23"]}]}
        listing = {"CKV_AWS_24": ["aws_security_group"], "CKV_AWS_23": ["aws_security_group"],
                   "CKV_AWS_999": ["aws_security_group_rule"], "CKV_AWS_1000": ["aws_s3_bucket"]}
        self.assertEqual(j.undocumented_peer_checks(mapping, listing, {"aws_security_group", "aws_security_group_rule"},
                                                    "checkov"), ["CKV_AWS_999"])


class RepositoryTest(unittest.TestCase):
    def test_mapping_and_explanations_name_existing_rules_and_concepts(self):
        mapping = j.load_mapping()
        rules = {p.stem for p in (j.ROOT / "rules").rglob("*.toml") if p.parent.name not in ("frameworks", "pricing")}
        ids = {c["id"] for c in mapping["concepts"]}
        for c in mapping["concepts"]:
            self.assertTrue(c["palisade"] <= rules, f"{c['id']}: unknown rules {c['palisade'] - rules}")
            self.assertTrue(c["checkov"] or c["cfn-guard"], f"{c['id']} names no peer check")
        for e in j.load_explanations():
            self.assertTrue(set(e["concepts"]) <= ids, f"explanation {e['index'] + 1}: unknown concept")


if __name__ == "__main__":
    unittest.main()
