"""The project's own errors: each names the file (or record) and the problem."""

from __future__ import annotations

from pathlib import Path


class PolicyError(Exception):
    """Base class of every error the pipeline reports to users."""


class InputError(PolicyError):
    """An input file that cannot be turned into a document."""

    def __init__(self, path: str | Path, reason: str) -> None:
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


class ConfigError(PolicyError):
    """A params.yaml group or a models/ resource that is missing or malformed."""

    def __init__(self, where: str | Path, reason: str) -> None:
        super().__init__(f"{where}: {reason}")
