"""selfassess: adult social care self-assessment for the CQC, from checklists to report.

The library API, for a council analyst's script or notebook::

    from pipeline import Workspace, collect, validate, build

    ws = Workspace("wealdshire").require()
    stage1 = collect(ws)                  # reads inputs/stage1/, writes findings.xlsx
    checked = validate(ws)                # every rule over every input
    print(len(checked.findings.errors), "errors")
    build(ws, draft=True)                 # outputs/self-assessment.docx

Each command of the ``selfassess`` command line is one function here, returning a result
object rather than printing. Names are imported on first use, so that importing the package
(and ``selfassess --help``) stays fast.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from pipeline._version import __version__

# name -> (module, attribute)
_EXPORTS = {
    "Workspace": ("pipeline.workspace", "Workspace"),
    "Framework": ("pipeline.framework", "Framework"),
    "Finding": ("pipeline.model.findings", "Finding"),
    "Findings": ("pipeline.model.findings", "Findings"),
    "Severity": ("pipeline.model.findings", "Severity"),
    "Inputs": ("pipeline.model.inputs", "Inputs"),
    "CollectResult": ("pipeline.model.stage1", "CollectResult"),
    "GenerateResult": ("pipeline.app", "GenerateResult"),
    "ValidationResult": ("pipeline.app", "ValidationResult"),
    "BuildResult": ("pipeline.app", "BuildResult"),
    "SelfAssessError": ("pipeline.errors", "SelfAssessError"),
    "init": ("pipeline.app", "init_workspace"),
    "generate_checklists": ("pipeline.app", "generate_checklists"),
    "generate_summaries": ("pipeline.app", "generate_summaries"),
    "collect": ("pipeline.app", "collect"),
    "read_inputs": ("pipeline.app", "read_inputs"),
    "validate": ("pipeline.app", "validate_workspace"),
    "status": ("pipeline.app", "workspace_status"),
    "build": ("pipeline.app", "build_report"),
    "import_survey": ("pipeline.app", "import_survey"),
    "ImportResult": ("pipeline.app", "ImportResult"),
}

__all__ = [
    "BuildResult",
    "CollectResult",
    "Finding",
    "Findings",
    "Framework",
    "GenerateResult",
    "ImportResult",
    "Inputs",
    "SelfAssessError",
    "Severity",
    "ValidationResult",
    "Workspace",
    "__version__",
    "build",
    "collect",
    "generate_checklists",
    "generate_summaries",
    "import_survey",
    "init",
    "read_inputs",
    "status",
    "validate",
]
assert set(__all__) == {*_EXPORTS, "__version__"}

if TYPE_CHECKING:
    from pipeline.app import (
        BuildResult,
        GenerateResult,
        ImportResult,
        ValidationResult,
        collect,
        generate_checklists,
        generate_summaries,
        import_survey,
        read_inputs,
    )
    from pipeline.app import build_report as build
    from pipeline.app import init_workspace as init
    from pipeline.app import validate_workspace as validate
    from pipeline.app import workspace_status as status
    from pipeline.errors import SelfAssessError
    from pipeline.framework import Framework
    from pipeline.model.findings import Finding, Findings, Severity
    from pipeline.model.inputs import Inputs
    from pipeline.model.stage1 import CollectResult
    from pipeline.workspace import Workspace


def __getattr__(name: str) -> Any:
    try:
        module, attribute = _EXPORTS[name]
    except KeyError:
        raise AttributeError(f"module 'pipeline' has no attribute {name!r}") from None
    value = getattr(import_module(module), attribute)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
