"""selfassess: adult social care self-assessment for the CQC, from checklists to report."""

__version__ = "0.1.0"
