"""Loading Palisade's, Checkov's and cfn-guard's results on the IaC corpus and
joining them per (file, resource, concept).

Pure functions over the raw outputs compare.py keeps: Palisade's JSON report,
Checkov's JSON report (one entry per framework) and cfn-guard's JSON output.
A *concept* (benches/iac/mapping.toml) is one condition both sides judge,
e.g. "SSH open to the internet": the Palisade rules and the peer check ids that
test it. A concept fails on a resource when any of its rules (or checks) fails
there. No I/O but reading files.
"""
import json
import re
import tomllib
from collections import defaultdict
from pathlib import Path, PurePosixPath

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
PEERS = ("checkov", "cfn-guard")
SIDES = ("palisade-only", "peer-only")
REASON_CLASSES = ("peer-bug", "peer-gap", "different-concept", "documented-choice", "palisade-gap", "corpus-artifact")
# Order of strength when one side has several results for one concept on one
# resource (several rules, several sub-resources): one fail makes it fail.
RANK = {"fail": 4, "not_evaluated": 3, "error": 3, "pass": 2, "skip": 1}


# --------------------------------------------------------------------------
# Files and resource names
# --------------------------------------------------------------------------

def file_kind(path):
    """'terraform' for a plan (*.tfplan.json), else 'cloudformation'."""
    return "terraform" if str(path).endswith(".tfplan.json") else "cloudformation"


def match_file(reported, files):
    """The corpus file (a repository-relative path from `files`) a tool's
    reported path names: equal after normalising, else the longest file path
    that is a suffix of it (tools print absolute paths, './x', '/x', or paths
    relative to the common parent of their inputs). None when nothing fits."""
    if reported is None:
        return None
    rep = str(reported).replace("\\", "/")
    if rep.startswith("file://"):
        rep = rep[len("file://"):]
    rep = re.sub(r"^(\./)+", "", rep)
    best = None
    for f in files:
        if rep == f or rep.endswith("/" + f) or (f.endswith(rep.lstrip("/")) and rep.count("/") >= 1
                                                  and f.endswith("/" + rep.lstrip("/"))):
            if best is None or len(f) > len(best):
                best = f
    return best


def top_level(rest):
    """The template logical id or plan address a Palisade resource id names
    after its '<uri>#': everything up to the first '/' or '#' that is not
    inside [...] (plan index keys may hold either, e.g. aws_x.y["a/b"]). An
    ARN (an AWS managed policy the file attaches) runs to the first '#'."""
    if rest.startswith("arn:"):
        return rest.split("#", 1)[0]
    depth = 0
    quoted = False
    for i, ch in enumerate(rest):
        if quoted:
            if ch == "\\":
                continue
            if ch == '"':
                quoted = False
        elif ch == '"' and depth:
            quoted = True
        elif ch == "[":
            depth += 1
        elif ch == "]":
            depth = max(0, depth - 1)
        elif ch in "/#" and depth == 0:
            return rest[:i]
    return rest


def split_palisade_id(rid):
    """(uri, top-level resource) of a Palisade IaC resource id '<uri>#<rest>'."""
    uri, sep, rest = rid.partition("#")
    if not sep:
        return rid, ""
    return uri, top_level(rest)


# --------------------------------------------------------------------------
# Each tool's results as (file, resource, check, status, line)
# --------------------------------------------------------------------------

def palisade_results(report, files):
    """Palisade's JSON report -> result tuples. Results on resources outside
    the corpus files (account-level rows) are dropped."""
    out = []
    for r in report.get("results", []):
        rid = r.get("resource", {}).get("id", "")
        uri, subject = split_palisade_id(rid)
        loc = r.get("location") or {}
        f = match_file(uri, files) or match_file(loc.get("uri"), files)
        if f is None or not subject:
            continue
        out.append((f, subject, r.get("rule_id"), r.get("status"), loc.get("line"), rid))
    return out


def checkov_resource(name, kind):
    """Checkov names a template resource 'AWS::EC2::SecurityGroup.Logical' and
    a plan resource by its address; both become what Palisade's ids carry."""
    if kind == "cloudformation" and "::" in name:
        return name.rsplit(".", 1)[-1]
    return name


def checkov_results(doc, files):
    """Checkov's `-o json` (a dict for one framework, a list for several)."""
    out = []
    reports = doc if isinstance(doc, list) else [doc]
    for rep in reports:
        if not isinstance(rep, dict):
            continue
        res = rep.get("results", {})
        for key, status in (("failed_checks", "fail"), ("passed_checks", "pass"), ("skipped_checks", "skip")):
            for c in res.get(key, []):
                f = None
                for field in ("repo_file_path", "file_abs_path", "file_path"):
                    f = match_file(c.get(field), files)
                    if f:
                        break
                if f is None:
                    continue
                lines = c.get("file_line_range") or [None, None]
                out.append((f, checkov_resource(c.get("resource", ""), file_kind(f)), c.get("check_id"),
                            status, tuple(lines)))
    return out


def guard_results(docs, files):
    """cfn-guard `validate -o json -z -S none` prints one list with a document
    per data file (`docs`: the JSON values read from its output, lists or
    documents). Each names its
    file (`name`), and lists the rules that did not hold in `not_compliant`
    (with the offending resource in each check's path), plus the names of
    the rules that held (`compliant`) and those with nothing to judge
    (`not_applicable`). A rule that held, or held on the resources a failing
    rule does not name, is a pass the document does not attach to resources:
    it is recorded on the pseudo resource '*' (the rest of the template)."""
    out = []
    flat = []
    for d in docs:
        flat.extend(d if isinstance(d, list) else [d])
    for d in flat:
        if not isinstance(d, dict):
            continue
        f = match_file(d.get("name"), files)
        if f is None:
            continue
        for rule in d.get("not_compliant", []) or []:
            name = rule.get("Rule", {}).get("name") if isinstance(rule.get("Rule"), dict) else rule.get("name")
            for res in sorted(guard_failed_resources(rule)):
                out.append((f, res, name, "fail", None))
            # The resources the rule did not name held.
            out.append((f, "*", name, "pass", None))
        for name in d.get("compliant", []) or []:
            out.append((f, "*", name, "pass", None))
    return out


_RESOURCE_PATH = re.compile(r"^/Resources/([^/]+)")


def guard_failed_resources(rule):
    """Logical ids of the resources a non-compliant guard rule names (its
    checks' `path` values are JSON pointers like /Resources/WebSG/Properties/...)."""
    found = set()

    def walk(node):
        if isinstance(node, dict):
            for k, v in node.items():
                if k == "path" and isinstance(v, str):
                    m = _RESOURCE_PATH.match(v)
                    if m:
                        found.add(m.group(1))
                else:
                    walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(rule)
    return found or {"*"}


# --------------------------------------------------------------------------
# Mapping and join
# --------------------------------------------------------------------------

def load_mapping(path=HERE / "mapping.toml"):
    """{'concepts': [...], 'unmapped': [...]} with each concept's check ids per
    peer as sets."""
    data = tomllib.loads(Path(path).read_text())
    concepts = []
    for c in data.get("concept", []):
        concepts.append({
            "id": c["id"], "title": c["title"],
            "palisade": set(c.get("palisade", [])),
            "checkov": set(c.get("checkov", [])),
            "cfn-guard": set(c.get("cfn-guard", [])),
            "note": c.get("note", "").strip(),
        })
    return {"concepts": concepts, "unmapped": data.get("unmapped", [])}


def line_owner(line, ranges):
    """The one peer resource whose line range holds `line`, else None."""
    hits = [name for name, (lo, hi) in ranges.items() if lo is not None and lo <= line <= hi]
    return hits[0] if len(hits) == 1 else None


def align_palisade(pal, peer):
    """Palisade names a resource by logical id / address like the peers; where
    a Palisade subject is not a resource any peer result names in that file
    (a sub-resource modelled under another owner), the line of the finding is
    placed in the peer's resource line ranges instead."""
    names = defaultdict(set)
    ranges = defaultdict(dict)
    for f, res, _check, _status, lines in peer:
        names[f].add(res)
        if isinstance(lines, tuple) and len(lines) == 2 and lines[0] is not None:
            ranges[f][res] = lines
    out = []
    for f, res, check, status, line, *rest in pal:
        if res not in names[f] and isinstance(line, int):
            res = line_owner(line, ranges[f]) or res
        out.append((f, res, check, status, line, *rest))
    return out


def combine(statuses):
    """One status from several: the strongest by RANK."""
    best = None
    for s in statuses:
        if s in RANK and (best is None or RANK[s] > RANK[best]):
            best = s
    return best


def collect(results, check_to_concepts):
    """{(file, resource, concept): [status, ...]} and the checks behind fails."""
    statuses = defaultdict(list)
    failing = defaultdict(set)
    for f, res, check, status, *_ in results:
        for cid in check_to_concepts.get(check, ()):
            statuses[(f, res, cid)].append(status)
            if status == "fail":
                failing[(f, res, cid)].add(check)
    return statuses, failing


def failing_ids(results, check_to_concepts):
    """{(file, resource, concept): Palisade resource ids of the fails} (the
    sub-resource ids say which rule or statement failed, e.g. .../egress/default)."""
    out = defaultdict(set)
    for f, res, check, status, _line, *rid in results:
        if status == "fail" and rid:
            for cid in check_to_concepts.get(check, ()):
                out[(f, res, cid)].add(rid[0])
    return out


def join(concepts, pal, peer, peer_name, files):
    """Rows per (file, resource, concept) for one peer, on the files the peer
    reads (cfn-guard: templates only). Each row has both sides' combined
    status (None = no result), the failing checks and its class."""
    pal_map = defaultdict(set)
    peer_map = defaultdict(set)
    for c in concepts:
        if not c[peer_name]:
            continue
        for r in c["palisade"]:
            pal_map[r].add(c["id"])
        for k in c[peer_name]:
            peer_map[k].add(c["id"])
    pal = [r for r in align_palisade(pal, peer) if r[0] in files]
    ps, pf = collect(pal, pal_map)
    pids = failing_ids(pal, pal_map)
    pal_fails = defaultdict(set)
    for f, res, check, status, *_ in pal:
        if status == "fail":
            pal_fails[(f, res)].add(check)
    ws, wf = collect([r for r in peer if r[0] in files], peer_map)
    # A peer pass on '*' (cfn-guard: the rule held on the whole template)
    # stands for every resource of that file without a peer result.
    whole = {(f, cid): st for (f, res, cid), st in ws.items() if res == "*"}
    rows = []
    for key in sorted(set(ps) | {k for k in ws if k[1] != "*"}):
        f, res, cid = key
        p = combine(ps.get(key, []))
        w = combine(ws.get(key, []) or whole.get((f, cid), []))
        rows.append({"file": f, "resource": res, "type": resource_type(f, res), "concept": cid,
                     "palisade": p, "peer": w,
                     "palisade_checks": sorted(pf.get(key, ())), "peer_checks": sorted(wf.get(key, ())),
                     "palisade_fails": sorted(pal_fails.get((f, res), ())),
                     "palisade_ids": sorted(pids.get(key, ())), "class": classify(p, w)})
    return pair_owner_rows(rows)


def pair_owner_rows(rows):
    """One finding, two subjects: Palisade reports a grant or an entry on the
    resource that holds it (the user, the network ACL, the role) where a peer
    reports it on the resource that attaches it (aws_iam_user_policy,
    aws_network_acl_rule, AWS::IAM::Policy), which Palisade does not judge
    on its own. In one (file, concept), Palisade-only fails that the peer
    passed or did not judge, and peer-only fails on resources Palisade has
    no result for, are one agreement: they are merged into one agree-fail
    row naming both subjects."""
    groups = defaultdict(lambda: ([], []))
    for i, r in enumerate(rows):
        if r["class"] == "palisade-only" and r["peer"] in (None, "pass"):
            groups[(r["file"], r["concept"])][0].append(i)
        elif r["class"] == "peer-only" and r["palisade"] is None:
            groups[(r["file"], r["concept"])][1].append(i)
    drop, merged = set(), []
    for (f, cid), (ps, ws) in sorted(groups.items()):
        if not ps or not ws:
            continue
        drop |= set(ps) | set(ws)
        merged.append({
            "file": f, "concept": cid, "palisade": "fail", "peer": "fail", "class": "agree-fail",
            "resource": ", ".join(rows[i]["resource"] for i in ps) + " / " + ", ".join(rows[i]["resource"] for i in ws),
            "type": "", "paired": True, "palisade_fails": [], "palisade_ids": [],
            "palisade_checks": sorted({c for i in ps for c in rows[i]["palisade_checks"]}),
            "peer_checks": sorted({c for i in ws for c in rows[i]["peer_checks"]}),
        })
    return [r for i, r in enumerate(rows) if i not in drop] + merged


_TYPES = {}


def resource_type(path, resource, root=ROOT):
    """The CloudFormation type of a template's logical id, or the Terraform
    type of a plan address (module path and index dropped); '' if unknown."""
    if file_kind(path) == "terraform":
        m = re.search(r"(?:^|\.)((?:aws|data\.aws)_[a-z0-9_]+)\.[^.\[]+(?:\[[^\]]*\])?$", resource)
        return m.group(1) if m else ""
    if path not in _TYPES:
        types = {}
        try:
            text = (Path(root) / path).read_text()
        except OSError:
            text = ""
        if path.endswith(".json"):
            try:
                res = json.loads(text).get("Resources", {})
                types = {k: v.get("Type", "") for k, v in res.items() if isinstance(v, dict)}
            except (ValueError, AttributeError):
                types = {}
        else:
            for m in re.finditer(r"^  ([A-Za-z0-9]+):[ \t]*\n(?:[ \t]*(?:#.*)?\n|    (?!Type:).*\n)*?    Type:[ \t]*['\"]?([A-Za-z0-9:]+)",
                                 text, re.M):
                types.setdefault(m.group(1), m.group(2))
        _TYPES[path] = types
    return _TYPES[path].get(resource, "")


def classify(p, w):
    """agree-fail | agree-pass | palisade-only | peer-only | not-evaluated | one-side."""
    if p == "fail" and w == "fail":
        return "agree-fail"
    if p == "fail":
        return "palisade-only"
    if p == "not_evaluated" or p == "error":
        return "not-evaluated"
    if w == "fail":
        return "peer-only"
    if p == "pass" and w == "pass":
        return "agree-pass"
    return "one-side"


# --------------------------------------------------------------------------
# Explanations
# --------------------------------------------------------------------------

def load_explanations(path=HERE / "explanations.toml"):
    data = tomllib.loads(Path(path).read_text())
    out = []
    for i, e in enumerate(data.get("explanation", [])):
        side = e.get("side")
        if side not in SIDES:
            raise ValueError(f"explanation {i + 1}: side must be one of {SIDES}, not {side!r}")
        if e.get("class") not in REASON_CLASSES:
            raise ValueError(f"explanation {i + 1}: class must be one of {REASON_CLASSES}, not {e.get('class')!r}")
        if not e.get("concepts"):
            raise ValueError(f"explanation {i + 1}: concepts is required")
        e = dict(e)
        e["index"] = i
        e["anchor"] = "iac-why-" + (e.get("anchor") or str(i + 1))
        out.append(e)
    return out


def _any_substring(value, patterns):
    if patterns is None:
        return True
    if isinstance(patterns, str):
        patterns = [patterns]
    return any(p in value for p in patterns)


def explain(row, peer_name, explanations):
    """The first explanation whose fields all match a disagreement row."""
    side = "palisade-only" if row["class"] == "palisade-only" else "peer-only"
    for e in explanations:
        if e["side"] != side or row["concept"] not in e["concepts"]:
            continue
        if e.get("peer") and e["peer"] != peer_name:
            continue
        failing = row["palisade_checks"] if side == "palisade-only" else row["peer_checks"]
        if e.get("checks") and not set(e["checks"]) & set(failing):
            continue
        if not _any_substring(row["file"], e.get("file")):
            continue
        if not _any_substring(row["resource"], e.get("resource")):
            continue
        if "kind" in e and e["kind"] != file_kind(row["file"]):
            continue
        if e.get("types") and row.get("type") not in e["types"]:
            continue
        if e.get("palisade_fails") and not set(e["palisade_fails"]) & set(row.get("palisade_fails", ())):
            continue
        if e.get("palisade_id") and not any(_any_substring(i, e["palisade_id"]) for i in row.get("palisade_ids", ())):
            continue
        return e
    return None


def peer_checks_on_scope(listing, scope_types):
    """The peer check ids whose resource types are among `scope_types`, from
    a {check id: [resource type, ...]} listing of the installed peer."""
    return {cid for cid, types in listing.items() if set(types) & scope_types}


def undocumented_peer_checks(mapping, listing, scope_types, peer_name):
    """Peer checks on the compared services that neither a concept nor an
    `unmapped` entry of mapping.toml accounts for (the gap list must stay
    empty: every detection the peer has on these services is either judged
    by Palisade too or has a documented reason)."""
    known = set()
    for c in mapping["concepts"]:
        known |= c[peer_name]
    for u in mapping["unmapped"]:
        if u.get("peer") == peer_name:
            known |= set(u.get("checks", []))
    return sorted(peer_checks_on_scope(listing, scope_types) - known)


def read_json_stream(text):
    """Every JSON value in a text of concatenated JSON documents (cfn-guard
    prints one per data file, not an array)."""
    dec = json.JSONDecoder()
    i, out = 0, []
    while True:
        while i < len(text) and text[i] not in "{[":
            i += 1
        if i >= len(text):
            return out
        try:
            val, i = dec.raw_decode(text, i)
        except json.JSONDecodeError:
            i += 1
            continue
        out.append(val)


def rel(path, root=ROOT):
    """A repository-relative POSIX path."""
    p = Path(path).resolve()
    try:
        return str(PurePosixPath(p.relative_to(root)))
    except ValueError:
        return str(PurePosixPath(p))
