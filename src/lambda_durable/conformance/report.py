"""Verdict lines and the closing tally.

``PASS id`` / ``FAIL id: why`` / ``OPTIONAL_FAIL id: why``, then ``N passed, M failed``
alone on the last line. An optional requirement's failure is shown but counted in
neither number: it must not block a run.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import Enum

from attrs import frozen


class VerdictKind(str, Enum):
    PASS = "PASS"
    FAIL = "FAIL"
    OPTIONAL_FAIL = "OPTIONAL_FAIL"


@frozen
class Verdict:
    requirement_id: str
    kind: VerdictKind
    reason: str | None = None

    @classmethod
    def failed(cls, requirement_id: str, reason: str, optional: bool = False) -> Verdict:
        kind = VerdictKind.OPTIONAL_FAIL if optional else VerdictKind.FAIL
        return cls(requirement_id, kind, reason)

    def line(self) -> str:
        text = f"{self.kind.value} {self.requirement_id}"
        if self.reason is None:
            return text
        return f"{text}: {' '.join(self.reason.split())}"


@frozen
class Tally:
    passed: int
    failed: int

    @classmethod
    def of(cls, verdicts: Iterable[Verdict]) -> Tally:
        kinds = [v.kind for v in verdicts]
        return cls(kinds.count(VerdictKind.PASS), kinds.count(VerdictKind.FAIL))

    def line(self) -> str:
        return f"{self.passed} passed, {self.failed} failed"

    @property
    def exit_status(self) -> int:
        return 1 if self.failed else 0
