"""Loads OSCAL assessment-results documents with compliance-trestle.

Run by engine/cli/tests/evidence.rs (compliance_trestle_loads_every_document)
with the test virtual environment's Python. Each argument is a document;
for each one that trestle's pydantic model accepts, prints
`<path>: results=N observations=N findings=N`. Any document trestle rejects
raises, so the process fails and the Rust test shows why.
"""

import pathlib
import sys

from trestle.oscal.assessment_results import AssessmentResults


def main(paths):
    for p in paths:
        ar = AssessmentResults.oscal_read(pathlib.Path(p))
        if ar is None:
            raise SystemExit(f"{p}: trestle read nothing")
        results = ar.results or []
        observations = sum(len(r.observations or []) for r in results)
        findings = sum(len(r.findings or []) for r in results)
        print(f"{p}: results={len(results)} observations={observations} findings={findings}")


if __name__ == "__main__":
    main(sys.argv[1:])
