"""Exceptions for problems the tool cannot go on from; messages name the file and the fix."""

from __future__ import annotations


class SelfAssessError(Exception):
    """A problem a user can cause and fix: the CLI prints the message and exits with 1."""
