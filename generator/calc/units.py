"""Units of the calculator language, checked with pint when content is validated.

Content writes units the way a clinician reads them (``x10^9/L``, ``mg/kg``, ``kg/m2``,
``mcg``); :func:`parse` turns them into pint units. The engines never see pint: the
compiler works out every conversion factor here and writes plain numbers into the
program, so both engines run on floats.
"""

from __future__ import annotations

import logging
import re
import shutil
from functools import cache
from pathlib import Path
from typing import Any

__all__ = ["UnitError", "dimensionless", "factor", "parse", "registry", "same_dimension", "show", "use_cache"]

log = logging.getLogger("handbook.units")
_cache_folder: Path | None = None


class UnitError(ValueError):
    """A unit the language does not know, or two units that cannot be converted."""


# Spellings of content that pint does not read as such. x10^9/L is "per nanolitre":
# 10^9 per litre is exactly one per nanolitre.
_SPELLINGS = {
    "x10^9/L": "1/nL",
    "/uL": "1/uL",
    "%": "percent",
    "1": "dimensionless",
    "units": "IU",
    "unit": "IU",
    "points": "dimensionless",
}


def use_cache(folder: Path) -> None:
    """Keep pint's parsed definitions in ``folder`` (the project's cache): a registry
    built from them takes a fifth of the time of parsing pint's definition files, which
    was most of what a build spends on units. Takes effect if no registry exists yet."""
    global _cache_folder
    _cache_folder = folder


@cache
def registry() -> Any:
    import pint

    reg = None
    if _cache_folder is not None:
        try:
            _cache_folder.mkdir(parents=True, exist_ok=True)
            reg = pint.UnitRegistry(autoconvert_offset_to_baseunit=True, cache_folder=_cache_folder)
        except Exception as exc:  # a read-only project, or a file an interrupted build cut short
            log.debug("pint's cache in %s is not usable (%s): parsing the definitions", _cache_folder, exc)
            shutil.rmtree(_cache_folder, ignore_errors=True)  # ours (the project's cache): made again next time
    if reg is None:
        reg = pint.UnitRegistry(autoconvert_offset_to_baseunit=True)
    reg.define("mcg = microgram")
    reg.define("IU = [international_unit]")
    return reg


def _pint_text(text: str) -> str:
    text = _SPELLINGS.get(text.strip(), text.strip())
    text = re.sub(r"\bx10\^9/L\b", "/nL", text)
    # m2 and cm2 are squares, as clinicians write them (kg/m2, mg/m2).
    text = re.sub(r"\b(m|cm)([23])\b", r"\1**\2", text)
    return text.replace("units", "IU")


@cache
def parse(text: str) -> Any:
    """The pint unit of a content unit string; :class:`UnitError` if unknown."""
    reg = registry()
    try:
        unit = reg.parse_units(_pint_text(text))
    except Exception as exc:  # pint raises several types for unknown names
        raise UnitError(f"unknown unit '{text}'") from exc
    return unit


def dimensionless(unit: Any) -> bool:
    return bool(unit.dimensionless) and registry().Quantity(1, unit).to("dimensionless").magnitude == 1


def same_dimension(a: Any, b: Any) -> bool:
    return registry().Quantity(1, a).dimensionality == registry().Quantity(1, b).dimensionality


def factor(source: Any, target: Any) -> float:
    """How many ``target`` make one ``source`` (1 in -> 2.54 cm gives 2.54)."""
    reg = registry()
    if not same_dimension(source, target):
        raise UnitError(f"cannot convert {show(source)} to {show(target)}")
    value = float(reg.Quantity(1, source).to(target).magnitude)
    # Exact decimal factors stay exact (0.1 * 10 = 1.0000000000000002 otherwise).
    rounded = float(f"{value:.12g}")
    return rounded if abs(rounded - value) <= 1e-15 * abs(value) else value


def show(unit: Any) -> str:
    """A unit for a message: pint's short form. A unit that could not be read (None:
    its own error is reported where it is written) shows as unknown."""
    if unit is None:
        return "unknown unit"
    text = f"{unit:~P}"
    return text or "no unit"
