"""Validates OCSF JSON Lines (palisade scan --format ocsf) with py-ocsf-models.

Usage: python3 ocsf_validate.py FILE...

Each line must be one JSON object that py-ocsf-models' model of its class
(Compliance Finding 2003, Detection Finding 2004) accepts, and every key must
be an attribute the model knows, except the OCSF 1.5 attributes the models
lack (EXTRAS below), which are checked here by hand. Exit 1 on any problem.
"""

import json
import sys
import typing

from pydantic import BaseModel
from py_ocsf_models import OCSF_VERSION
from py_ocsf_models.events.findings.compliance_finding import ComplianceFinding
from py_ocsf_models.events.findings.detection_finding import DetectionFinding
from py_ocsf_models.events.findings.severity_id import SeverityID
from py_ocsf_models.objects.cloud import Cloud

CLASSES = {2003: ComplianceFinding, 2004: DetectionFinding}


def check_cloud(v):
    Cloud.model_validate(v)
    return unknown_keys(Cloud, v, "cloud")


def check_tags(v):
    if not isinstance(v, list) or not all(
        isinstance(t, dict) and set(t) == {"name", "value"}
        and all(isinstance(x, str) for x in t.values()) for t in v
    ):
        return ["tags: not a list of {name, value} strings"]
    return []


def check_compliance_status(v):
    ok = v in ("Unknown", "Pass", "Warning", "Fail", "Other")
    return [] if ok else [f"compliance.status: {v!r}"]


# OCSF 1.5.0 attributes py-ocsf-models 0.10.0 does not model: the cloud
# profile's `cloud` on Compliance Finding, `compliance.status` (the caption
# of status_id) and `resource_details.tags`.
EXTRAS = {
    "cloud": check_cloud,
    "compliance.status": check_compliance_status,
    "resources.tags": check_tags,
}


def model_of(annotation):
    """The pydantic model inside Optional[...] / list[...], if any."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        m = model_of(arg)
        if m is not None:
            return m
    return None


def unknown_keys(model, value, path):
    problems = []
    items = value if isinstance(value, list) else [value]
    for item in items:
        if not isinstance(item, dict):
            continue
        for key, v in item.items():
            full = f"{path}.{key}" if path else key
            extra = EXTRAS.get(full)
            if extra is not None:
                problems += extra(v)
                continue
            field = model.model_fields.get(key)
            if field is None:
                problems.append(f"{full}: not an attribute of {model.__name__}")
                continue
            inner = model_of(field.annotation)
            if inner is not None:
                problems += unknown_keys(inner, v, full)
    return problems


def check_line(line):
    event = json.loads(line)
    model = CLASSES.get(event.get("class_uid"))
    if model is None:
        return [f"class_uid {event.get('class_uid')!r} is not a finding class"]
    model.model_validate(event)
    problems = unknown_keys(model, event, "")
    if event["type_uid"] != event["class_uid"] * 100 + event["activity_id"]:
        problems.append("type_uid is not class_uid * 100 + activity_id")
    if event["metadata"]["version"] != OCSF_VERSION:
        problems.append(f"metadata.version {event['metadata']['version']} != {OCSF_VERSION}")
    caption = SeverityID(event["severity_id"]).name
    if event.get("severity") not in (caption, None):
        problems.append(f"severity {event['severity']!r} is not {caption!r}")
    return problems


def main(paths):
    count = 0
    failed = 0
    for path in paths:
        with open(path, encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                count += 1
                try:
                    problems = check_line(line)
                except Exception as e:  # a model's ValidationError, bad JSON
                    problems = [f"{type(e).__name__}: {e}"]
                if problems:
                    failed += 1
                    if failed <= 20:
                        print(f"{path}:{n}: {'; '.join(problems)}")
    print(f"{count} events, {failed} invalid")
    return 1 if failed or not count else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
