"""The one family of domain errors and the exit codes the CLI turns them into.

Every error a user can cause (a bad file, a bad rules file, a locked warehouse)
is a ChuanhuoError whose message says what is wrong and what to do. Library code
raises these; only the CLI prints them. Nothing here may print or exit.
"""

from __future__ import annotations

from enum import IntEnum
from pathlib import Path


class ExitCode(IntEnum):
    """Exit codes of every chuanhuo command, documented in the README."""

    OK = 0
    FAILED = 1
    BAD_INPUT = 2
    ROWS_REJECTED = 3
    WAREHOUSE_BUSY = 4
    BUILD_FAILED = 5
    BAD_RULES = 6
    NO_DATA = 7


class ChuanhuoError(Exception):
    """A problem a person can act on: `title` says what, `hint` what to do."""

    exit_code: ExitCode = ExitCode.FAILED

    def __init__(self, title: str, hint: str | None = None) -> None:
        super().__init__(title)
        self.title = title
        self.hint = hint

    def __str__(self) -> str:
        return self.title if not self.hint else f"{self.title}\n  hint: {self.hint}"


class InputFileError(ChuanhuoError):
    """A whole input file cannot be read: undecodable, unknown layout, no header."""

    exit_code = ExitCode.BAD_INPUT

    def __init__(
        self,
        path: Path | str,
        problem: str,
        hint: str | None = None,
        row: int | None = None,
    ) -> None:
        where = f"{path}" if row is None else f"{path}, row {row}"
        super().__init__(f"{where}: {problem}", hint)
        self.path = Path(path)
        self.row = row


class RegistryError(ChuanhuoError):
    """A registry or annual plan file that cannot be used as a whole."""

    exit_code = ExitCode.BAD_INPUT


class RulesError(ChuanhuoError):
    """A rules file that breaks its own contract (unknown key, weights not 1, ...)."""

    exit_code = ExitCode.BAD_RULES


class WarehouseBusyError(ChuanhuoError):
    """Another process holds the warehouse file (usually a running load)."""

    exit_code = ExitCode.WAREHOUSE_BUSY


class BuildError(ChuanhuoError):
    """dbt could not build or test the marts."""

    exit_code = ExitCode.BUILD_FAILED


class NoDataError(ChuanhuoError):
    """The warehouse has nothing for what was asked (no marts, no such year or unit)."""

    exit_code = ExitCode.NO_DATA
