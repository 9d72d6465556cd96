"""The sentences of the engines, as templates ({name} filled in). They travel in the
program so the two engines cannot drift apart; none carries a clinical number."""

from __future__ import annotations

TEXT: dict[str, str] = {
    "required": "{label} is required.",
    "not_number": "{label} must be a number (use a point for decimals, no thousands separators).",
    "not_positive": "{label} must be greater than zero.",
    "negative": "{label} must not be negative.",
    "out_of_range": "{label} must be between {min} and {max} {unit}.",
    "out_of_range_positive": "{label} must be greater than 0 and at most {max} {unit}.",
    "warn_low": "{label} is below {limit} {unit}: check the value.",
    "warn_high": "{label} is above {limit} {unit}: check the value.",
    "unknown_choice": "{label}: choose one of the listed options.",
    "unknown_input": "Unknown input '{key}': not an input of this calculator.",
    "not_boolean": "{label} must be ticked or not (true or false).",
    "both_units": "{label}: give it in {unit} or in {alt_unit}, not both.",
    "needs_kg": "{regimen} is dosed per kg: the dosing weight is needed.",
    "needs_m2": "{regimen} is dosed per m²: height and weight are needed for the body surface area.",
    "cap": "Dose capped at the maximum per {scope} ({cap}{patient}).",
    "cap_patient": " = {limit} {unit} at {base} {per}",
    "per_dose": "dose",
    "per_day": "day",
    "per_course": "course",
    "no_combination": (
        "No combination of {product} presentations is within {percent}% of {dose} {unit} without passing a "
        "maximum: give the exact dose and ask pharmacy."
    ),
    "no_sizes": "Presentations of {product} are not recorded in the handbook: ask pharmacy.",
    "no_schedule": (
        "No {indication} infusion schedule of {product} is recorded in the handbook: follow the product label."
    ),
    # The labels ask for the minimum practicable rate in patients at risk (second review, W6).
    # Bedside review 5: with no number at all there was no hard stop; the label maximum is
    # said as a ceiling never to pass, not as a rate to reach.
    "no_risk_max": (
        "Risk of renal failure or thrombosis: the handbook records no lower maximum rate of {product} for it. "
        "Give it at the lowest practicable rate, as the label asks, and agree any increase with pharmacy or "
        "haematology; the label maximum, {ceiling_ml_per_h} mL/h, is a ceiling never to pass, not a target."
    ),
    "unlicensed": "{product} is not licensed for {indication} at this age ({licensed}): check the label.",
    "not_licensed_for": (
        "{product} is not licensed for {indication} in the licences recorded here ({licensed}): "
        "check the local licence before using it for {indication}."
    ),
    "licence_unknown": (
        "The licensed indications and ages of {product} are not recorded in the handbook: check the label."
    ),
    "w_convert": "{value} {alt_unit} = {converted} {unit}",
    "w_dose_kg": "{dose_text} × {base} kg = {dose} {unit}",
    "w_dose_m2": "{dose_text} × {base} m² = {dose} {unit}",
    "w_dose_fixed": "Fixed dose: {dose} {unit}",
    "w_cap": "Capped at the maximum per {scope} ({cap}{patient}): {dose} {unit}",
    "w_course": "{dose} {unit} × {times} = {total} {unit} in all",
    "w_round": "Rounded each {each}: {dose} → {amount} {unit} = {vials} ({deviation}%, within {percent}%)",
    # Presentations are single-use: every dose of a course is made from its own (review D5).
    "w_round_course": "{amount} {unit} × {times} = {course} {unit} in all, from new {new} each {each}",
    "w_volume": "Volume = {dose} {unit} ÷ {per_ml} {unit}/mL = {ml} mL",
    "w_rate": "{rate} mg/kg/min × {weight} kg ÷ {per_ml} {unit}/mL = {ml_per_h} mL/h",
    "w_band": "{value} {unit}: {band} ({scale})",
    "step_open": "Start at {ml_per_h} mL/h ({rate} mg/kg/min).",
    "step_timed": "{ml_per_h} mL/h ({rate} mg/kg/min) for {minutes} min.",
    "step_max": "Increase as tolerated up to {ml_per_h} mL/h ({rate} mg/kg/min), the maximum.",
    # At risk, the label asks for the minimum practicable rate: never "as tolerated" (bedside review 5).
    "step_max_risk": (
        "Keep to the lowest practicable rate; increase only if needed, never above {ml_per_h} mL/h "
        "({rate} mg/kg/min), the maximum for patients at risk."
    ),
    "step_time": "Shortest infusion time: {time}.",
    "pump_max": (
        "The label maximum, {ml_per_h} mL/h, is above {pump} mL/h, the fastest rate the infusion pumps are "
        "set to accept: run the pump at no more than {pump} mL/h (the infusion takes longer)."
    ),
    "step_hold": (
        "Keep to the lowest practicable rate; increase only as pharmacy or haematology agree, never above "
        "{ceiling_ml_per_h} mL/h ({ceiling_rate} mg/kg/min), the label maximum."
    ),
    "hours": "h",
    "minutes": "min",
    "vial": "vial",
    "vials": "vials",
    "syringe": "syringe",
    "syringes": "syringes",
    "tablet": "tablet",
    "tablets": "tablets",
    "yes": "yes",
    "no": "no",
    "s_dose_per_day": "Dose per day",
    "s_course": "Course total",
    "s_times": " over {days_text}",
    # A course length as read aloud: "1 day", "5 days" (days_text in results and headlines).
    "days_one": "{days} day",
    "days_many": "{days} days",
    "s_dispensed": "Dispensed",
    "s_dispensed_once": "{amount} {unit} = {vials} ({deviation}% from the prescribed dose)",
    "s_dispensed_each": (
        "{amount} {unit} each {each} = {vials}, new {new} each {each}; "
        "{course} {unit} in all ({deviation}% from the prescribed course)"
    ),
    "s_volume": "Volume per dose",
    "grade": "Grade",
    "recommendation": "Recommendation",
    "evidence": "Evidence",
    "guideline_grade": "Guideline grade",
    "result": "Result",
    "working": "Working",
    "sources": "Sources",
    "unit": "Unit",
}
