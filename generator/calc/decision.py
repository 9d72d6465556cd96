"""Decision tables in the Python engine: the measured value's band crossed with each
condition axis; the one matching cell gives the recommendation, its action ids, its
evidence and its citations. Twin of the decision part of calc-engine.js."""

from __future__ import annotations

from .engine import Run
from .program import DecisionDef

__all__ = ["decide"]


def decide(run: Run, dec: DecisionDef) -> None:
    value = run.env.get(dec.measure)
    if value is None:
        return
    band = next(b for b in dec.bands if (b.min is None or value >= b.min) and (b.below is None or value < b.below))
    chosen = {"band": band.id} | {axis.id: run.env.get(axis.id) for axis in dec.axes}
    cell = next(c for c in dec.cells if all(chosen[axis] in values for axis, values in c.match))
    references = dict(run.program.references)
    recommendation = dec.not_covered_text if cell.not_covered else cell.action
    run.out.update(
        {
            "measured_value": value,
            "measured_unit": dec.unit,
            "grade": band.id,
            "grade_label": band.label,
            "scale": dec.scale,
            "pathway": cell.pathway,
            "recommendation": recommendation,
            "actions": list(cell.actions),
            "evidence": cell.evidence,
            "guideline_grade": cell.guideline_grade,
            "strength": cell.strength,
            "not_covered": cell.not_covered,
            "link": cell.link,
            "cite": list(cell.cite),
            "citations": [
                {"id": r.id, "label": r.label, "text": r.text, "url": r.url} for r in (references[c] for c in cell.cite)
            ],
        }
    )
    values = {"value": run.num(value, dec.unit), "unit": dec.unit, "band": band.label, "scale": dec.scale or ""}
    run.working.append(run.say("w_band", values))
    if band.text:
        run.working.append(band.text)
    # The grade tag: the band, its published limits, its scale (e.g. "Grade 4 (below 25, scale v5)").
    said = ", ".join(x for x in (band.boundary, dec.scale) if x)
    run.show("grade", run.text["grade"], band.label + (f" ({said})" if said else ""))
    run.show("recommendation", run.text["recommendation"], recommendation or "")
    if cell.guideline_grade:
        run.show("guideline_grade", run.text["guideline_grade"], cell.guideline_grade)
    if cell.evidence:
        run.show("evidence", run.text["evidence"], cell.evidence)
