"""Checks of the deployment files in deploy/ (docs/deploy.md).

- Every Kubernetes manifest validates against the Kubernetes JSON schemas
  (kubernetes-validate, which ships them: no network access), strictly, so
  a misspelt field is an error.
- The kustomization is consistent: the files it lists exist, the shard
  count it sets is the one the pods are told, the config maps and service
  account the pods name are the ones it generates.
- Every pod is hardened as the restricted Pod Security profile requires and
  has resource requests and limits.
- The CloudFormation template passes cfn-lint.
- Each check fails on a deliberately broken temporary copy, so a check that
  cannot fail would be noticed.

Run by ./scripts/test with the test virtual environment (scripts/
test-requirements.txt pins kubernetes-validate and cfn-lint):
    python3 -m unittest discover -s deploy/tests -p 'test_*.py'
"""

import copy
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

import yaml

DEPLOY = Path(__file__).resolve().parent.parent
K8S = DEPLOY / "kubernetes"
TEMPLATE = DEPLOY / "aws-batch" / "template.yaml"
MEMBER_ROLE = DEPLOY / "aws-batch" / "member-role.yaml"
COLLECT_POLICY = DEPLOY.parent / "engine" / "collect" / "iam-policy.json"


class CfnLoader(yaml.SafeLoader):
    """Reads CloudFormation YAML: short-form tags (!Ref, !If) become None."""


CfnLoader.add_multi_constructor("!", lambda loader, suffix, node: None)


def tool(name):
    """The console script `name` of this interpreter's environment."""
    beside = Path(sys.executable).parent / name
    if beside.exists():
        return str(beside)
    found = shutil.which(name)
    if found is None:
        raise AssertionError(f"{name} is not installed: see scripts/test-requirements.txt")
    return found


def run(args):
    return subprocess.run(args, capture_output=True, text=True, check=False)


def manifests():
    """Every Kubernetes manifest (the kustomization itself is not one)."""
    return sorted(p for p in K8S.glob("*.yaml") if p.name != "kustomization.yaml")


def load_docs(path):
    with open(path, encoding="utf-8") as f:
        return [d for d in yaml.safe_load_all(f) if d is not None]


def kustomization():
    with open(K8S / "kustomization.yaml", encoding="utf-8") as f:
        return yaml.safe_load(f)


def pod_specs(doc):
    """(name, job spec, pod spec) of a Job or CronJob."""
    if doc["kind"] == "CronJob":
        job = doc["spec"]["jobTemplate"]["spec"]
    elif doc["kind"] == "Job":
        job = doc["spec"]
    else:
        return []
    return [(doc["metadata"]["name"], job, job["template"]["spec"])]


def all_pods():
    out = []
    for path in manifests():
        for doc in load_docs(path):
            out.extend(pod_specs(doc))
    return out


def validate_k8s(path):
    return run([tool("kubernetes-validate"), "--strict", "--quiet", str(path)])


def cfn_lint(path):
    return run([tool("cfn-lint"), str(path)])


class KubernetesSchemas(unittest.TestCase):
    def test_every_manifest_validates(self):
        files = manifests()
        self.assertGreaterEqual(len(files), 4, files)
        for path in files:
            with self.subTest(path=path.name):
                r = validate_k8s(path)
                self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def test_a_broken_manifest_is_rejected(self):
        text = (K8S / "collect-cronjob.yaml").read_text(encoding="utf-8")
        cases = {
            "wrong type": text.replace("completions: 4", "completions: four", 1),
            "misspelt field": text.replace("backoffLimitPerIndex:", "backofLimitPerIndex:", 1),
        }
        for what, broken in cases.items():
            self.assertNotEqual(broken, text, what)
            with self.subTest(what=what), tempfile.TemporaryDirectory() as tmp:
                path = Path(tmp) / "collect-cronjob.yaml"
                path.write_text(broken, encoding="utf-8")
                r = validate_k8s(path)
                self.assertNotEqual(r.returncode, 0, f"{what}: {r.stdout}{r.stderr}")


def patched_value(k, kind, name, path):
    """The value a JSON6902 `replace` patch of the kustomization sets."""
    for p in k.get("patches", []):
        t = p.get("target", {})
        if t.get("kind") != kind or t.get("name") != name:
            continue
        for op in yaml.safe_load(p["patch"]):
            if op["op"] == "replace" and op["path"] == path:
                return op["value"]
    return None


def settings(k):
    for g in k["configMapGenerator"]:
        if g["name"] == "palisade-settings":
            return dict(lit.split("=", 1) for lit in g["literals"])
    raise AssertionError("no palisade-settings generator")


def kustomization_problems(k):
    """What is inconsistent in kustomization `k` (a list of messages)."""
    problems = []
    docs = []
    for res in k["resources"]:
        if not (K8S / res).is_file():
            problems.append(f"resource {res} does not exist")
            continue
        docs.extend(load_docs(K8S / res))
    for g in k["configMapGenerator"]:
        for f in g.get("files", []):
            if not (K8S / f).is_file():
                problems.append(f"config map file {f} does not exist")
    names = {(d["kind"], d["metadata"]["name"]) for d in docs}
    for p in k.get("patches", []):
        t = p["target"]
        if (t["kind"], t["name"]) not in names:
            problems.append(f"patch target {t['kind']}/{t['name']} is not a resource")
    shards = int(settings(k)["PALISADE_SHARD_COUNT"])
    for field in ("completions", "parallelism"):
        v = patched_value(k, "CronJob", "palisade-collect", f"/spec/jobTemplate/spec/{field}")
        if v != shards:
            problems.append(f"{field} is {v!r}, PALISADE_SHARD_COUNT is {shards}")
    generated = {g["name"] for g in k["configMapGenerator"]}
    accounts = {d["metadata"]["name"] for d in docs if d["kind"] == "ServiceAccount"}
    images = {i["name"] for i in k.get("images", [])}
    for d in docs:
        for name, _, pod in pod_specs(d):
            if pod.get("serviceAccountName") not in accounts:
                problems.append(f"{name}: service account {pod.get('serviceAccountName')} not defined")
            for v in pod.get("volumes", []):
                cm = v.get("configMap", {}).get("name")
                if cm is not None and cm not in generated:
                    problems.append(f"{name}: config map {cm} not generated")
            for c in pod["containers"]:
                for e in c.get("envFrom", []):
                    cm = e.get("configMapRef", {}).get("name")
                    if cm not in generated:
                        problems.append(f"{name}: config map {cm} not generated")
                if c["image"].split(":")[0] not in images:
                    problems.append(f"{name}: image {c['image']} not set by the kustomization")
    return problems


class Kustomization(unittest.TestCase):
    def test_consistent(self):
        self.assertEqual(kustomization_problems(kustomization()), [])

    def test_a_shard_count_mismatch_is_found(self):
        k = kustomization()
        for g in k["configMapGenerator"]:
            if g["name"] == "palisade-settings":
                g["literals"] = [
                    "PALISADE_SHARD_COUNT=7" if lit.startswith("PALISADE_SHARD_COUNT=") else lit
                    for lit in g["literals"]
                ]
        problems = kustomization_problems(k)
        self.assertIn("completions is 4, PALISADE_SHARD_COUNT is 7", problems)
        self.assertIn("parallelism is 4, PALISADE_SHARD_COUNT is 7", problems)

    def test_a_missing_resource_is_found(self):
        k = kustomization()
        k["resources"].append("nope.yaml")
        self.assertIn("resource nope.yaml does not exist", kustomization_problems(k))

    def test_indexed_collect_job(self):
        pods = {name: (job, pod) for name, job, pod in all_pods()}
        job, pod = pods["palisade-collect"]
        self.assertEqual(job["completionMode"], "Indexed")
        self.assertEqual(job["completions"], job["parallelism"])
        self.assertIn("backoffLimitPerIndex", job)
        self.assertIn("activeDeadlineSeconds", job)
        env = {e["name"]: e for e in pod["containers"][0]["env"]}
        self.assertEqual(
            env["PALISADE_RUN_ID"]["valueFrom"]["fieldRef"]["fieldPath"],
            "metadata.labels['batch.kubernetes.io/job-name']",
        )
        args = " ".join(pod["containers"][0]["args"])
        for flag in ("--org", "--role-name", "--shard auto", "--shard-count", "--output \"s3://"):
            self.assertIn(flag, args)


def hardening_problems(pod):
    problems = []
    ps = pod.get("securityContext", {})
    if ps.get("runAsNonRoot") is not True:
        problems.append("pod runAsNonRoot")
    if ps.get("seccompProfile", {}).get("type") != "RuntimeDefault":
        problems.append("pod seccomp RuntimeDefault")
    for c in pod["containers"]:
        sc = c.get("securityContext", {})
        if sc.get("readOnlyRootFilesystem") is not True:
            problems.append(f"{c['name']} readOnlyRootFilesystem")
        if sc.get("allowPrivilegeEscalation") is not False:
            problems.append(f"{c['name']} allowPrivilegeEscalation")
        if sc.get("capabilities", {}).get("drop") != ["ALL"]:
            problems.append(f"{c['name']} drop ALL capabilities")
        res = c.get("resources", {})
        for kind in ("requests", "limits"):
            for r in ("cpu", "memory"):
                if r not in res.get(kind, {}):
                    problems.append(f"{c['name']} {kind}.{r}")
    return problems


class Hardening(unittest.TestCase):
    def test_every_pod_is_hardened(self):
        pods = all_pods()
        self.assertEqual(len(pods), 2)
        for name, _, pod in pods:
            with self.subTest(pod=name):
                self.assertEqual(hardening_problems(pod), [])

    def test_a_weakened_pod_is_found(self):
        _, _, pod = all_pods()[0]
        weak = copy.deepcopy(pod)
        weak["containers"][0]["securityContext"]["allowPrivilegeEscalation"] = True
        del weak["containers"][0]["resources"]["limits"]["memory"]
        self.assertEqual(
            hardening_problems(weak),
            [
                f"{weak['containers'][0]['name']} allowPrivilegeEscalation",
                f"{weak['containers'][0]['name']} limits.memory",
            ],
        )


class CloudFormation(unittest.TestCase):
    def test_template_passes_cfn_lint(self):
        r = cfn_lint(TEMPLATE)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def test_member_role_template_passes_cfn_lint(self):
        r = cfn_lint(MEMBER_ROLE)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def test_member_role_allows_exactly_the_collectors_policy(self):
        with open(COLLECT_POLICY, encoding="utf-8") as f:
            want = sorted(json.load(f)["Statement"][0]["Action"])
        with open(MEMBER_ROLE, encoding="utf-8") as f:
            role = yaml.load(f, Loader=CfnLoader)["Resources"]["MemberRole"]["Properties"]
        (policy,) = role["Policies"]
        (statement,) = policy["PolicyDocument"]["Statement"]
        self.assertEqual(
            sorted(statement["Action"]),
            want,
            "deploy/aws-batch/member-role.yaml must allow exactly the actions of "
            "engine/collect/iam-policy.json: copy them over",
        )

    def test_a_broken_template_is_rejected(self):
        text = TEMPLATE.read_text(encoding="utf-8")
        broken = text.replace("Type: AWS::Batch::JobQueue", "Type: AWS::Batch::JobQeue", 1)
        self.assertNotEqual(broken, text)
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "template.yaml"
            path.write_text(broken, encoding="utf-8")
            r = cfn_lint(path)
            self.assertNotEqual(r.returncode, 0, r.stdout + r.stderr)
            self.assertIn("JobQeue", r.stdout + r.stderr)


if __name__ == "__main__":
    os.chdir(DEPLOY.parent)
    unittest.main()
