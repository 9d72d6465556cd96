// The JavaScript engine against the shared vectors (the same files pytest runs against
// generator/calc). Run: node --test tests/js/
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const path = require("node:path");
const { compute, fmt, parseNumber, version } = require("../../theme/assets/javascripts/calc-engine.js");

const dir = path.join(__dirname, "..", "vectors");
const files = fs.readdirSync(dir).filter((f) => f.endsWith(".json")).sort();

// Differences between an output and an expected (sub)value; numbers to 1e-9 relative,
// as in tests/test_calc_vectors.py.
function close(actual, expected, where) {
  if (expected === null || typeof expected === "string" || typeof expected === "boolean") {
    return actual === expected ? [] : [`${where}: ${JSON.stringify(actual)} != ${JSON.stringify(expected)}`];
  }
  if (typeof expected === "number") {
    if (typeof actual !== "number") return [`${where}: ${JSON.stringify(actual)} is not a number`];
    const ok = Math.abs(actual - expected) <= Math.max(1e-9 * Math.max(Math.abs(actual), Math.abs(expected)), 1e-12);
    return ok ? [] : [`${where}: ${actual} != ${expected}`];
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual) || actual.length !== expected.length)
      return [`${where}: ${JSON.stringify(actual)} != ${JSON.stringify(expected)}`];
    return expected.flatMap((e, i) => close(actual[i], e, `${where}[${i}]`));
  }
  const keys = Object.keys(expected).sort();
  if (actual === null || typeof actual !== "object" || JSON.stringify(Object.keys(actual).sort()) !== JSON.stringify(keys))
    return [`${where}: ${JSON.stringify(actual)} != ${JSON.stringify(expected)}`];
  return keys.flatMap((k) => close(actual[k], expected[k], `${where}.${k}`));
}

test("there are vectors for both calculators", () => {
  const ids = files.map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), "utf8")).calculator);
  assert.ok(ids.includes("ivig-dose") && ids.includes("itp-grade"), ids.join(", "));
});

test("the engine reads the program format the compiler writes (calculator.js refuses another)", () => {
  for (const file of files) {
    const data = JSON.parse(fs.readFileSync(path.join(dir, file), "utf8"));
    assert.equal(data.program.engine, version, file);
  }
});

for (const file of files) {
  const data = JSON.parse(fs.readFileSync(path.join(dir, file), "utf8"));
  data.cases.forEach((c, i) => {
    test(`${path.basename(file, ".json")}[${i}] ${c.name}`, () => {
      const result = JSON.parse(JSON.stringify(compute(data.program, c.inputs)));
      const differences = Object.keys(c.expect).flatMap((k) => close(k in result ? result[k] : "<absent>", c.expect[k], k));
      assert.deepEqual(differences, []);
    });
  });
}

test("display rules round half up, no trailing zeros, a leading zero, like the Python twin", () => {
  const d = { default: [2, null], by_unit: [["mL/h", 1, null], ["sig", null, 3]] };
  const cases = [[75.26220472440946, null, "75.26"], [75, null, "75"], [0.125, null, "0.13"], [22.25, "mL/h", "22.3"],
    [-2.5, "mL/h", "-2.5"], [0.05, "mL/h", "0.1"], [-0.001, null, "0"], [0.5, null, "0.5"], [1234.5678, "sig", "1235"],
    [0.0012345, "sig", "0.00123"]];
  assert.deepEqual(cases.map(([x, u]) => fmt(x, d, u)), cases.map((c) => c[2]));
});

test("parseNumber refuses what is not a plain decimal", () => {
  assert.deepEqual(
    ["96", " 96.5 ", ".5", "5.", "+3", "96,5", "1e3", "0x10", "", true, [], null, Infinity].map(parseNumber),
    [96, 96.5, 0.5, 5, 3, "bad", "bad", "bad", "missing", "bad", "bad", "missing", "bad"],
  );
});
