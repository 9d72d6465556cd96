"""The clinical hazard log (content/safety/hazards.yaml).

Each hazard says how the handbook could harm a patient, what stops it, and what
risk is left. Controls are named so that a test can prove each one exists: a test
function, a function in the generator, or a field of a content file. A clinical
safety officer signs the log; an unsigned log blocks a release.
"""

from __future__ import annotations

import datetime as dt
import re
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import Field, StringConstraints, model_validator

from .common import Id, Model, Text

__all__ = ["Control", "ControlKind", "Hazard", "HazardLog", "ResidualRisk", "SignOff"]


class ControlKind(StrEnum):
    """What kind of thing a control is, which says how its `ref` is written."""

    test = "test"
    """An automated test: ref is tests/<file>.py::<test function>."""
    code = "code"
    """A guard or validation rule in the generator: ref is generator.<module>:<function or class>."""
    content = "content"
    """A field of a content file that holds the control: ref is content/<file>.yaml#<dotted.field.path>."""
    process = "process"
    """A human step (review, sign-off): ref names it; no test can prove it exists."""


# The forms a ref takes, by kind; checked here so a typo is a located error.
_REF_FORMS = {
    ControlKind.test: r"^tests/[\w/]+\.py::\w+$",
    ControlKind.code: r"^generator(\.\w+)+:\w+$",
    ControlKind.content: r"^content/[\w/.-]+\.yaml#[\w.-]+$",
    ControlKind.process: r"^[a-z0-9]+(-[a-z0-9]+)*$",
}


class Control(Model):
    """One thing that mitigates a hazard, named so its existence can be checked."""

    kind: ControlKind
    """test, code, content or process."""
    ref: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    """What it is: tests/test_x.py::test_name, generator.module:function, content/file.yaml#field.path,
    or a short id for a process."""
    text: Text
    """What the control does against the hazard, in words."""

    @model_validator(mode="after")
    def _ref_form(self) -> Control:
        if not re.match(_REF_FORMS[self.kind], self.ref):
            raise ValueError(f"a {self.kind.value} control's ref must match {_REF_FORMS[self.kind]} (got '{self.ref}')")
        return self


class ResidualRisk(StrEnum):
    """Risk left once the controls work, as the editors judge it."""

    low = "low"
    medium = "medium"
    high = "high"


class Hazard(Model):
    """A way the handbook could contribute to harm."""

    id: Id
    """Identifier, e.g. platelet-unit-confusion."""
    title: Text
    """Short name of the hazard."""
    cause: Text
    """What goes wrong (in the content, the software or its use)."""
    effect: Text
    """What could happen to the patient."""
    controls: list[Control] = Field(min_length=1)
    """What mitigates it; at least one."""
    residual_risk: ResidualRisk
    """low, medium or high, after the controls."""
    residual_note: Text
    """Why the residual risk is what it is, and what the reader must still do."""
    calculators: list[Id] = []
    """Ids of the calculators (content/calculators/<id>.yaml) this hazard concerns."""


class SignOff(Model):
    """The clinical safety officer's signature on this edition of the log."""

    name: Text
    """Name of the clinical safety officer."""
    role: Text
    """Their role and registration, e.g. "Clinical safety officer, consultant haematologist"."""
    date: dt.date
    """Date of signature (YYYY-MM-DD)."""


class HazardLog(Model):
    """content/safety/hazards.yaml: the hazards and who signed the log off."""

    sign_off: SignOff | None = None
    """The clinical safety officer's sign-off; empty until someone has reviewed the log (a release refuses it)."""
    status: Literal["draft", "signed"] = "draft"
    """draft until signed; signed requires sign_off."""
    hazards: list[Hazard] = Field(min_length=1)
    """The hazards."""

    @model_validator(mode="after")
    def _consistent(self) -> HazardLog:
        if self.status == "signed" and self.sign_off is None:
            raise ValueError("a signed hazard log names its clinical safety officer (expected sign_off: {name, ...})")
        if self.status == "draft" and self.sign_off is not None:
            raise ValueError("a hazard log with a sign_off has status: signed (got draft)")
        seen: set[str] = set()
        for hazard in self.hazards:
            if hazard.id in seen:
                raise ValueError(f"hazard id '{hazard.id}' is used twice")
            seen.add(hazard.id)
        return self
