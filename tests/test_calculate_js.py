"""The JavaScript engine: its node tests (the shared vectors), and identical results
from both engines for a few thousand generated inputs (one node process for all)."""

from __future__ import annotations

import gzip
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.calculate import compute

ROOT = Path(__file__).resolve().parent.parent
ENGINE = ROOT / "theme" / "assets" / "javascripts" / "calculator.js"
VECTORS = sorted((ROOT / "tests" / "vectors").glob("*.json"))
NODE = shutil.which("node")

if NODE is None:  # a missing engine runtime is a failure, never a skip
    pytest.fail("node is not installed: the JavaScript engine's tests need Node 20", pytrace=False)

# Reads the specs (first line), then one {"spec": name, "inputs": {...}} per line;
# writes one result per line.
RUNNER = """
const engine = require(process.argv[1]);
const lines = require("fs").readFileSync(0, "utf8").split("\\n").filter(Boolean);
const specs = JSON.parse(lines[0]);
const out = lines.slice(1).map((line) => {
  const job = JSON.parse(line);
  return JSON.stringify(engine.compute(specs[job.spec], job.inputs));
});
process.stdout.write(out.join("\\n") + "\\n");
"""


def test_node_test_suite_passes() -> None:
    """`node --test tests/js/` (the JavaScript side of the shared vectors)."""
    result = subprocess.run(
        [NODE, "--test", "tests/js/"], cwd=ROOT, capture_output=True, text=True, check=False, timeout=120
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "# fail 0" in result.stdout
    assert "# pass 0" not in result.stdout


def test_engine_is_under_8_kb_gzip() -> None:
    size = len(gzip.compress(ENGINE.read_bytes(), compresslevel=9))
    assert size < 8 * 1024, f"calculator.js is {size} bytes gzip"


def _same(a: Any, b: Any, where: str = "") -> str | None:
    """First difference between two parsed JSON values; numbers must be equal exactly
    and booleans are not numbers."""
    if isinstance(a, bool) or isinstance(b, bool) or a is None or b is None or isinstance(a, str):
        return None if (type(a) is type(b) and a == b) else f"{where}: {a!r} != {b!r}"
    if isinstance(a, int | float) and isinstance(b, int | float):
        return None if a == b else f"{where}: {a!r} != {b!r}"
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return next((d for i, (x, y) in enumerate(zip(a, b, strict=True)) if (d := _same(x, y, f"{where}[{i}]"))), None)
    if isinstance(a, dict) and isinstance(b, dict) and set(a) == set(b):
        return next((d for k in a if (d := _same(a[k], b[k], f"{where}.{k}"))), None)
    return f"{where}: {a!r} != {b!r}"


def _run_js(specs: dict[str, Any], jobs: list[dict[str, Any]]) -> list[Any]:
    stdin = "\n".join([json.dumps(specs), *(json.dumps(job) for job in jobs)]) + "\n"
    result = subprocess.run(
        [NODE, "-e", RUNNER, str(ENGINE)], input=stdin, capture_output=True, text=True, check=True, timeout=300
    )
    return [json.loads(line) for line in result.stdout.splitlines()]


def _number_text(low: float, high: float, wild: float) -> st.SearchStrategy[Any]:
    """Mostly plausible numbers (so many inputs are accepted), as numbers and as typed
    text, plus out-of-range, malformed and wrongly typed values."""
    plausible = st.floats(min_value=low, max_value=high, allow_nan=False, allow_infinity=False)
    anything = st.floats(min_value=-wild, max_value=wild, allow_nan=False, allow_infinity=False)
    return st.one_of(
        plausible,
        plausible,
        plausible.map(lambda x: f"{x:.1f}"),
        plausible.map(lambda x: f" {x:g} "),
        st.integers(min_value=int(low), max_value=int(high)),
        anything,
        st.sampled_from(["", " ", "abc", "96,5", "1e3", "-0", "0", ".5", "5.", "+7", "∞", "٣", "1_000"]),
        st.booleans(),
        st.none(),
        st.just([1]),
    )


def _optional(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(strategy, strategy, strategy, st.just("<absent>"))


def _inputs(spec: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    if spec["kind"] == "weight-dose":
        fields = {
            "weight_kg": _number_text(0.5, 300, 2000),
            "height_cm": _number_text(30, 240, 1000),
            "age_years": _number_text(0, 100, 300),
            "sex": st.sampled_from([*spec["sexes"], *spec["sexes"], "other", "", 1]),
            "regimen": st.sampled_from([*(r["id"] for r in spec["regimens"] for _ in range(3)), "nope"]),
            "product": st.sampled_from([*(p["id"] for p in spec["products"]), None, "", "nope"]),
            "renal_or_thrombotic_risk": st.sampled_from([True, False, None, "yes", 1]),
        }
    else:
        names = spec["inputs"]
        fields = {
            names["value"]: _number_text(1, 400, 3_000_000),
            names["unit"]: st.sampled_from([*(u["unit"] for u in spec["units"] for _ in range(3)), "g/L", None]),
            names["condition"]: st.sampled_from([*(v["id"] for v in spec["table"]["condition"]["values"]), "x", 3]),
        }
    plain = st.fixed_dictionaries({k: _optional(v) for k, v in fields.items()}).map(
        lambda d: {k: v for k, v in d.items() if v != "<absent>"}
    )
    if spec["kind"] != "weight-dose":
        return plain
    # Weight and height are also typed in lb and in (weight_lb, height_in): the value
    # moves to the other unit's field, stays, or is given in both (a refusal).
    alternatives = {"weight_kg": ("weight_lb", 1 / 0.45359237), "height_cm": ("height_in", 1 / 2.54)}
    how = st.sampled_from(["keep", "keep", "move", "both"])

    def retype(d: dict[str, Any], weight_how: str, height_how: str) -> dict[str, Any]:
        for (field, (alt, per)), choice in zip(alternatives.items(), (weight_how, height_how), strict=True):
            if field in d and choice != "keep":
                value = d[field]
                d[alt] = value * per if isinstance(value, float) else value
                if choice == "move":
                    del d[field]
        return d

    return st.builds(retype, plain, how, how)


@pytest.mark.parametrize("path", VECTORS, ids=lambda p: p.stem)
def test_both_engines_give_identical_json(path: Path) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    spec = data["spec"]
    samples: list[dict[str, Any]] = [case["inputs"] for case in data["cases"]]

    @settings(max_examples=1500, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(_inputs(spec))
    def collect(inputs: dict[str, Any]) -> None:
        samples.append(inputs)

    collect()
    assert len(samples) > 1000
    js = _run_js({"spec": spec}, [{"spec": "spec", "inputs": inputs} for inputs in samples])
    assert len(js) == len(samples)
    outcomes = {True: 0, False: 0}
    for inputs, js_result in zip(samples, js, strict=True):
        py_result = json.loads(json.dumps(compute(spec, inputs)))
        difference = _same(py_result, js_result)
        assert difference is None, f"engines differ for {json.dumps(inputs)}: {difference}"
        outcomes[py_result["ok"]] += 1
    # The generator must reach both accepted and refused inputs, or it proves little.
    assert outcomes[True] > 100 and outcomes[False] > 100, outcomes


def test_least_waste_rounding_past_a_cap_is_warned_alike() -> None:
    """The content rounds to the nearest 5 g; a hospital may choose whole vials instead
    (least-waste-vials). Rounded up to whole vials a dose can break the course maximum
    too: both engines say so, naming the largest whole-vial dose within it, or none."""
    data = json.loads((ROOT / "tests" / "vectors" / "ivig-dose.json").read_text(encoding="utf-8"))
    vials = json.loads(json.dumps(data["spec"]))
    vials["rounding"] = {"policy": "least-waste-vials", "step_g": None, "cite": []}
    only_20 = json.loads(json.dumps(vials))
    privigen = next(p for p in only_20["products"] if p["id"] == "privigen")
    privigen["vial_sizes_g"], privigen["vial_tenths"] = [20], [200]
    inputs = {"weight_kg": 45, "regimen": "itp-400mg-5d", "product": "privigen"}
    head = "Rounded to 20 g a day, the course (100 g) exceeds the 2 g/kg course maximum (90 g for 45 kg); "
    # 0.4 x 45 = 18 g: covered by one 20 g vial (x 5 = 100 g > 2 x 45 = 90 g). The largest
    # whole-vial total not above 18 g is 10 + 5 = 15 g from 40/20/10/5 g vials; from 20 g
    # vials alone there is none.
    expected = {
        "vials": head + "15 g a day stays within it.",
        "only_20": head + "no dose made up of whole vials stays within it.",
    }
    specs = {"vials": vials, "only_20": only_20}
    js = _run_js(specs, [{"spec": name, "inputs": inputs} for name in specs])
    for (name, spec), js_result in zip(specs.items(), js, strict=True):
        py_result = json.loads(json.dumps(compute(spec, inputs)))
        assert _same(py_result, js_result) is None
        assert py_result["rounded_dose_per_day_g"] == 20
        assert py_result["warnings"][-1] == {"field": "rounded_dose_per_day_g", "message": expected[name]}
