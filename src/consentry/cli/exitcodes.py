"""The process exit codes of the ``consentry`` command (also listed in ``consentry --help``)."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0  # done
    INTERNAL = 1  # a bug: please report it (CONSENTRY_DEBUG=1 shows the traceback)
    USAGE = 2  # the command line itself is wrong (unknown option, missing argument)
    PARTIAL = 3  # finished, but some inputs failed; their errors are in the output
    INVALID = 4  # a named thing is missing or conflicts, or a value is invalid


EXIT_CODES_HELP = (
    "Exit codes: 0 done; 1 internal error; 2 usage error; "
    "3 finished but some inputs failed (each failure is reported, the rest was done); "
    "4 a named thing is missing or conflicts, or a value is invalid "
    "(unknown bank, bank exists, bad radius...)."
)
