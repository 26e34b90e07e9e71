"""Unit tests of the join (joining.py), on small hand-made results (no moto,
no Prowler): python3 -m unittest discover -s benches/accuracy -p 'test_*.py'"""
import sys
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import joining as c  # noqa: E402

ACCT = "123456789012"
SG = f"arn:aws:ec2:eu-west-1:{ACCT}:security-group/sg-1"


def palisade(rule, rid, rtype, status, region="eu-west-1"):
    return {"rule_id": rule, "status": status, "message": "",
            "resource": {"id": rid, "resource_type": rtype, "account_id": ACCT, "region": region}}


def prowler(check, uid, status, fsbp=(), cis=()):
    return {"metadata": {"event_code": check}, "status_code": status, "status_detail": "",
            "cloud": {"account": {"uid": ACCT}},
            "resources": [{"uid": uid, "name": ""}],
            "unmapped": {"compliance": {c.PROWLER_FSBP: list(fsbp), "CIS-6.0": list(cis)}}}


SNAPSHOT = {"accounts": [{"region_data": [{"ec2": {
    "security_groups": [{"arn": SG, "group_id": "sg-1", "group_name": "web"}],
    "security_group_rules": [{"arn": f"arn:aws:ec2:eu-west-1:{ACCT}:security-group-rule/sgr-1",
                              "group_id": "sg-1"}],
    "network_acls": []}}]}]}


def rows(report, findings, rules, ours, theirs):
    p, gaps, _ = c.palisade_rows({"results": report}, SNAPSHOT, rules, "6.0")
    w, _ = c.prowler_rows(findings, "6.0")
    return c.join(p, w, gaps, ours, theirs)


class JoinTest(unittest.TestCase):
    def test_rule_level_results_roll_up_to_the_security_group(self):
        rules = {"ssh": {"aws-fsbp": ["EC2.13"]}}
        out = rows(
            [palisade("ssh", f"arn:aws:ec2:eu-west-1:{ACCT}:security-group-rule/sgr-1",
                      "AWS::EC2::SecurityGroupRule", "fail")],
            [prowler("p22", SG, "PASS", fsbp=["EC2.13"])],
            rules, {(c.FSBP, "EC2.13"): {"ssh"}}, {(c.FSBP, "EC2.13"): {"p22"}})
        (row,) = out[(c.FSBP, "EC2.13")]["rows"]
        self.assertEqual(row["subject"], SG)
        self.assertEqual(c.classify(row, True), "palisade-only")

    def test_statement_and_key_ids_attribute_to_their_owner(self):
        rules = {"adm": {"aws-fsbp": ["IAM.1"]}}
        pol = f"arn:aws:iam::{ACCT}:policy/P"
        out = rows(
            [palisade("adm", pol + "#statement/0", "AWS::IAM::PolicyStatement", "fail", "global"),
             palisade("adm", pol + "#statement/1", "AWS::IAM::PolicyStatement", "pass", "global")],
            [prowler("padm", pol, "FAIL", fsbp=["IAM.1"])],
            rules, {(c.FSBP, "IAM.1"): {"adm"}}, {(c.FSBP, "IAM.1"): {"padm"}})
        (row,) = out[(c.FSBP, "IAM.1")]["rows"]
        self.assertEqual((row["subject"], c.classify(row, True)), (pol, "agree-fail"))

    def test_region_wide_prowler_finding_compares_per_region(self):
        rules = {"rec": {"aws-fsbp": ["Config.1"]}, "glob": {"aws-fsbp": ["Config.1"]}}
        out = rows(
            [palisade("rec", f"arn:aws:config:us-east-1:{ACCT}:config-recorder/default",
                      "AWS::Config::ConfigurationRecorder", "pass", "us-east-1"),
             palisade("rec", f"{ACCT}/eu-west-1", "AWS::Region", "fail"),
             palisade("glob", ACCT, "AWS::Account", "pass", "global")],
            [prowler("prec", f"arn:aws:config:us-east-1:{ACCT}:recorder", "PASS", fsbp=["Config.1"]),
             prowler("prec", f"arn:aws:config:eu-west-1:{ACCT}:recorder", "FAIL", fsbp=["Config.1"])],
            rules, {(c.FSBP, "Config.1"): {"rec", "glob"}}, {(c.FSBP, "Config.1"): {"prec"}})
        got = {r["subject"]: c.classify(r, True) for r in out[(c.FSBP, "Config.1")]["rows"]}
        self.assertEqual(got, {f"region:{ACCT}/us-east-1": "agree-pass",
                               f"region:{ACCT}/eu-west-1": "agree-fail"})

    def test_gap_makes_a_missing_palisade_result_not_evaluated(self):
        rules = {"log": {"aws-fsbp": ["WAF.11"]}}
        acl = f"arn:aws:wafv2:eu-west-1:{ACCT}:regional/webacl/a/1"
        out = rows(
            [palisade("log", f"{ACCT}/eu-west-1/gap/wafv2", "AWS::WAFv2::WebACL", "not_evaluated")],
            [prowler("plog", acl, "FAIL", fsbp=["WAF.11"])],
            rules, {(c.FSBP, "WAF.11"): {"log"}}, {(c.FSBP, "WAF.11"): {"plog"}})
        (row,) = out[(c.FSBP, "WAF.11")]["rows"]
        self.assertEqual((row["p"], c.classify(row, True)), ("not_evaluated", "prowler-only"))

    def test_gap_with_no_result_on_either_side_is_still_a_row(self):
        rules = {"root": {"aws-fsbp": ["IAM.9"]}}
        out = rows(
            [palisade("root", f"{ACCT}/global/gap/iam", "AWS::Account", "not_evaluated", "global")],
            [], rules, {(c.FSBP, "IAM.9"): {"root"}}, {(c.FSBP, "IAM.9"): {"proot"}})
        (row,) = out[(c.FSBP, "IAM.9")]["rows"]
        self.assertEqual((row["subject"], c.classify(row, True)), (f"account:{ACCT}", "not-evaluated"))

    def test_control_one_tool_maps_is_not_comparable(self):
        self.assertEqual(c.classify({"p": "fail", "w": "none"}, False), "not-comparable")


class ExplanationTest(unittest.TestCase):
    def test_match_needs_control_side_and_failing_check(self):
        e = {"controls": ["fsbp:IAM.1"], "side": "palisade-only", "checks": ["adm"], "class": "prowler-bug",
             "reason": "r", "used": 0, "index": 0}
        row = {"p_fail": ["adm"], "w_fail": [], "p_checks": ["adm"], "w_checks": ["x"]}
        self.assertIs(c.explain(row, "palisade-only", "fsbp:IAM.1", "iam policy/P", [e]), e)
        self.assertIsNone(c.explain(row, "prowler-only", "fsbp:IAM.1", "iam policy/P", [e]))
        self.assertIsNone(c.explain(row, "palisade-only", "fsbp:IAM.2", "iam policy/P", [e]))
        self.assertIsNone(c.explain(dict(row, p_fail=["other"]), "palisade-only", "fsbp:IAM.1", "x", [e]))

    def test_newest_common_cis_version(self):
        rules = {"r": {"cis-aws-3.0": ["1"], "cis-aws-5.0": ["1"], "cis-aws-6.0": ["1"]}}
        mapping = {"CIS-3.0": {}, "CIS-4.0.1": {}, "CIS-6.0": {}, "CIS-7.0": {}}
        self.assertEqual(c.pick_cis(rules, mapping)[:2], ("6.0", "6.0"))


if __name__ == "__main__":
    unittest.main()
