/* The JavaScript engine of the calculator language: interprets the compiled program
   (generator/calc/program.py) that the page embeds. Twin of generator/calc/engine.py,
   dosing.py, decision.py and display.py, function for function: the same operations in
   the same order, so both engines give identical JSON (tests/vectors/ and a property
   test hold them together). Nothing clinical lives here: every number, threshold and
   sentence comes from the program. Classic script (works from file://), no dependencies;
   exposes window.HandbookCalc and, under Node, module.exports. */
(function (root) {
  "use strict";
  var MISSING = "missing", BAD = "bad", TOL = 1e-9, MAX_GRID = 100000;
  var NUMBER = /^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)$/;

  function get(obj, key) { var v = Object.prototype.hasOwnProperty.call(obj, key) ? obj[key] : undefined; return v === undefined ? null : v; }
  function assign(a, b) { var out = {}, k; for (k in a) out[k] = a[k]; for (k in b || {}) out[k] = b[k]; return out; }
  function find(list, test) { for (var i = 0; i < list.length; i++) if (test(list[i])) return list[i]; return null; }

  // ------------------------------------------------------------------ display
  function ruleFor(display, unit) {
    var r = find(display.by_unit, function (u) { return u[0] === unit; });
    return r ? [r[1], r[2]] : display["default"];
  }
  function exponent(x) { var e = 0; while (x >= 10) { x /= 10; e += 1; } while (x < 1) { x *= 10; e -= 1; } return e; }
  function fmt(x, display, unit) {
    var rule = ruleFor(display, unit), d = rule[0], sig = rule[1];
    if (sig !== null && x !== 0) d = Math.max(0, sig - 1 - exponent(Math.abs(x)));
    d = d || 0;
    var n = Math.floor(x * Math.pow(10, d) + 0.5) / Math.pow(10, d);
    if (n === 0) n = 0;
    var s = n.toFixed(d);
    if (s.indexOf(".") >= 0) s = s.replace(/0+$/, "").replace(/\.$/, "");
    return s;
  }
  function fmtMinutes(minutes, text) {
    var total = Math.ceil(minutes - 1e-9), h = Math.floor(total / 60), m = total % 60;
    if (h && m) return h + " " + text.hours + " " + m + " " + text.minutes;
    return h ? h + " " + text.hours : m + " " + text.minutes;
  }
  // A content unit as a reader sees it: squares and cubes raised (kg/m2 -> kg/m²), as display.shown_unit.
  function shownUnit(u) { return u.replace(/\b(c?m)2\b/g, "$1\u00b2").replace(/\b(c?m)3\b/g, "$1\u00b3"); }
  function fill(template, slots, units, display) {
    return template.replace(/\{([a-z0-9_]+)\}/g, function (_, name) {
      var v = get(slots, name);
      if (v === null) return "–";
      if (typeof v === "boolean") return v ? "yes" : "no";
      if (typeof v === "number") return fmt(v, display, get(units, name));
      return String(v);
    });
  }

  // ------------------------------------------------------------------ run state
  function Run(p) {
    this.p = p; this.text = p.text; this.units = assign(p.units, p.field_units);
    this.env = assign(p.constants); this.errors = []; this.warnings = []; this.working = [];
    this.summary = []; this.steps = []; this.out = {};
  }
  Run.prototype.fill = function (t, extra) { return fill(t, assign(this.env, extra), this.units, this.p.display); };
  Run.prototype.say = function (key, values) { return fill(this.text[key], values, {}, this.p.display); };
  Run.prototype.error = function (field, message) { this.errors.push({ field: field, message: message }); };
  Run.prototype.warn = function (field, message) { this.warnings.push({ field: field, message: message }); };
  Run.prototype.num = function (x, unit) { return fmt(x, this.p.display, unit); };
  Run.prototype.show = function (key, label, text) { this.summary.push({ id: key, label: label, text: text }); };

  // ------------------------------------------------------------------ expressions
  function ipow(x, n) {
    if (n === 0.5) return x >= 0 ? Math.sqrt(x) : null;
    if (n === Math.trunc(n) && Math.abs(n) <= 16) {
      var out = 1;
      for (var i = 0; i < Math.abs(n); i++) out = out * x;
      return n >= 0 ? out : (out === 0 ? null : 1 / out);
    }
    return x < 0 ? null : Math.pow(x, n);
  }
  function evaluate(e, env, p) {
    if (!Array.isArray(e)) return e === undefined ? null : e;
    var op = e[0];
    if (op === "v") return get(env, e[1]);
    if (op === "s") return e[1];
    if (op === "present") return evaluate(e[1], env, p) !== null;
    if (op === "if") { var t = evaluate(e[1], env, p); return t === null ? null : evaluate(t ? e[2] : e[3], env, p); }
    if (op === "and" || op === "or") {
      var stop = op === "or", a = evaluate(e[1], env, p);
      if (a === stop) return stop;
      var b = evaluate(e[2], env, p);
      if (b === stop) return stop;
      return a === null || b === null ? null : !stop;
    }
    if (op === "points") {
      var chosen = evaluate(e[1], env, p), inp = find(p.inputs, function (i) { return i.id === e[1][1]; });
      var o = find(inp.options, function (x) { return x.id === chosen; });
      return o ? o.points : null;
    }
    var args = [];
    for (var i = 1; i < e.length; i++) { var v = evaluate(e[i], env, p); if (v === null) return null; args.push(v); }
    return apply(op, args);
  }
  function apply(op, a) {
    switch (op) {
      case "==": return a[0] === a[1];
      case "!=": return a[0] !== a[1];
      case "<": return a[0] < a[1];
      case "<=": return a[0] <= a[1];
      case ">": return a[0] > a[1];
      case ">=": return a[0] >= a[1];
      case "not": return !a[0];
    }
    var v;
    if (op === "+") v = a[0] + a[1];
    else if (op === "-") v = a[0] - a[1];
    else if (op === "*") v = a[0] * a[1];
    else if (op === "/") v = a[1] === 0 ? null : a[0] / a[1];
    else if (op === "neg") v = -a[0];
    else if (op === "pow") v = ipow(a[0], a[1]);
    else if (op === "sqrt") v = a[0] >= 0 ? Math.sqrt(a[0]) : null;
    else if (op === "abs") v = Math.abs(a[0]);
    else if (op === "min") v = Math.min.apply(null, a);
    else if (op === "max") v = Math.max.apply(null, a);
    else if (a[1] <= 0) v = null;
    else if (op === "round_to") v = Math.floor(a[0] / a[1] + 0.5) * a[1];
    else if (op === "floor_to") v = Math.floor(a[0] / a[1]) * a[1];
    else v = Math.ceil(a[0] / a[1]) * a[1];
    return v === null || isFinite(v) ? v : null;
  }

  // ------------------------------------------------------------------ inputs
  function parseNumber(value) {
    if (value === null || value === undefined) return MISSING;
    var n;
    if (typeof value === "string") {
      var text = value.replace(/^[ \t\n\r]+|[ \t\n\r]+$/g, "");
      if (text === "") return MISSING;
      if (!NUMBER.test(text)) return BAD;
      n = Number(text);
    } else if (typeof value === "number") n = value;
    else return BAD;
    return isFinite(n) ? n : BAD;
  }
  function limits(run, inp, number, field) {
    var s = inp.number, label = inp.label, unit = s.unit;
    var positiveOnly = s.min === 0 && !s.zero_allowed;
    var low = number < 0 || (number === 0 && !s.zero_allowed);
    if (low && !positiveOnly) { run.error(field, run.say(s.zero_allowed ? "negative" : "not_positive", { label: label })); return null; }
    if (low || number < s.min || number > s.max) {
      run.error(field, run.say(positiveOnly ? "out_of_range_positive" : "out_of_range",
        { label: label, min: run.num(s.min, unit), max: run.num(s.max, unit), unit: unit }));
      return null;
    }
    if (s.warn_below !== null && number < s.warn_below) run.warn(field, run.say("warn_low", { label: label, limit: run.num(s.warn_below, unit), unit: unit }));
    if (s.warn_above !== null && number > s.warn_above) run.warn(field, run.say("warn_high", { label: label, limit: run.num(s.warn_above, unit), unit: unit }));
    return number;
  }
  function readNumber(run, inp, inputs) {
    var s = inp.number, field = inp.id, raw = get(inputs, inp.id), factor = 1, typed = s.unit, i, alt;
    for (i = 0; i < inp.alternatives.length; i++) {
      alt = inp.alternatives[i];
      if (alt.field !== null && parseNumber(get(inputs, alt.field)) !== MISSING) {
        if (parseNumber(raw) !== MISSING) {
          run.error(alt.field, run.say("both_units", { label: inp.label, unit: s.unit, alt_unit: alt.unit }));
          return BAD;
        }
        field = alt.field; raw = get(inputs, alt.field); factor = alt.factor; typed = alt.unit;
      }
    }
    var number = parseNumber(raw);
    if (number === MISSING) return MISSING;
    if (inp.unit_field !== null) {
      var chosen = get(inputs, inp.unit_field), au = find(inp.alternatives, function (a) { return a.unit === chosen; });
      if (chosen !== s.unit && au === null) return BAD;
      if (au !== null) { factor = au.factor; typed = au.unit; }
    }
    if (number === BAD) { run.error(field, run.say("not_number", { label: inp.label })); return BAD; }
    var value = number * factor;
    if (factor !== 1) run.working.push(run.say("w_convert", { value: run.num(number, typed), alt_unit: typed, converted: run.num(value, s.unit), unit: s.unit }));
    var checked = limits(run, inp, value, field);
    return checked === null ? BAD : checked;
  }
  function read(run, inp, inputs) {
    if (inp.type === "number") return readNumber(run, inp, inputs);
    var value = get(inputs, inp.id);
    if (value === null || value === "") return MISSING;
    if (inp.type === "yesno") {
      if (typeof value === "boolean") return value;
      run.error(inp.id, run.say("not_boolean", { label: inp.label })); return BAD;
    }
    if (typeof value === "string" && find(inp.options, function (o) { return o.id === value; })) return value;
    run.error(inp.id, run.say("unknown_choice", { label: inp.label })); return BAD;
  }
  function readInputs(run, inputs) {
    var p = run.p, known = {}, states = {};
    p.inputs.forEach(function (i) { known[i.id] = 1; i.alternatives.forEach(function (a) { if (a.field) known[a.field] = 1; }); });
    Object.keys(inputs).sort().forEach(function (key) { if (!known[key]) run.error(key, run.say("unknown_input", { key: key })); });
    p.inputs.forEach(function (i) { states[i.id] = read(run, i, inputs); });
    p.inputs.forEach(function (i) { var st = states[i.id]; run.env[i.id] = st === MISSING || st === BAD ? null : st; });
    p.inputs.forEach(function (i) {
      if (states[i.id] !== MISSING) return;
      if (evaluate(i.required, run.env, p) === true) run.error(i.id, i.missing ? run.fill(i.missing) : run.say("required", { label: i.label }));
      else if (i.missing) run.warn(i.id, run.fill(i.missing));
    });
  }

  // ------------------------------------------------------------------ derived values
  function derive(run, d) {
    var p = run.p, env = run.env;
    if (d.cases.length) {
      var c = find(d.cases, function (x) { return evaluate(x.when, env, p) === true; });
      env[d.id] = c === null ? null : evaluate(c.value, env, p);
      if (c !== null && c.say) run.working.push(run.fill(c.say));
      if (c !== null && c.warn) run.warn(c.field || "", run.fill(c.warn));
    } else if (d.bands.length) {
      var x = evaluate(d.of, env, p), band = null;
      if (x !== null) band = find(d.bands, function (b) { return (b.min === null || x >= b.min) && (b.below === null || x < b.below); });
      env[d.id] = band && band.id; env[d.id + "_label"] = band && band.label; env[d.id + "_text"] = band && band.text;
      if (band) for (var name in band.sets) env[name] = evaluate(band.sets[name], env, p);
    } else {
      env[d.id] = evaluate(d.applies, env, p) === true ? evaluate(d.expr, env, p) : null;
    }
    if (env[d.id] !== null && d.working) run.working.push(run.fill(d.working));
  }
  function summarise(run, d) {
    var v = get(run.env, d.id), text;
    if (d.label === null || v === null) return;
    if (d.bands.length) text = run.env[d.id + "_label"];
    else if (typeof v === "boolean") text = run.text[v ? "yes" : "no"];
    else if (typeof v === "number") { var u = get(run.units, d.id) || ""; text = run.num(v, u) + (u === "" || u === "1" ? "" : " " + shownUnit(u)); }
    else text = v;
    run.show(d.id, d.label, text);
  }
  function refused(run) {
    var out = { ok: false, errors: run.errors, warnings: run.warnings };
    run.p.fields.forEach(function (k) { out[k] = null; });
    out.headline = null; out.summary = []; out.steps = []; out.working = [];
    return out;
  }

  // ------------------------------------------------------------------ dose
  function gcd(a, b) { while (b) { var t = a % b; a = b; b = t; } return a; }
  function combine(sizes, target, lower, upper) {
    var ints = sizes.map(function (s) { return Math.floor(s * 1000 + 0.5); }), g = 0, i, j, k;
    ints.forEach(function (x) { g = gcd(x, g); });
    var steps = ints.map(function (x) { return Math.floor(x / g); });
    var top = Math.floor(upper * (1 + TOL) * 1000 / g);
    if (top < 0 || top > MAX_GRID) return null;
    var inf = top + 1, best = [0], pick = [0];
    for (i = 1; i <= top; i++) { best.push(inf); pick.push(0); }
    for (i = 1; i <= top; i++) for (k = 0; k < steps.length; k++)
      if (steps[k] <= i && best[i - steps[k]] + 1 < best[i]) { best[i] = best[i - steps[k]] + 1; pick[i] = k; }
    var chosen = -1;
    for (j = 1; j <= top; j++) {
      var amount = j * g / 1000;
      if (best[j] >= inf || amount < lower * (1 - TOL)) continue;
      if (chosen < 0) { chosen = j; continue; }
      var old = Math.abs(chosen * g / 1000 - target), now = Math.abs(amount - target);
      if (now < old || (now === old && best[j] < best[chosen])) chosen = j;
    }
    if (chosen < 0) return null;
    var counts = sizes.map(function () { return 0; }), rest = chosen;
    while (rest > 0) { counts[pick[rest]] += 1; rest -= steps[pick[rest]]; }
    return [chosen * g / 1000, counts];
  }
  function applyCaps(run, dd, reg, base, d) {
    var bounds = [], perScope = { dose: 1, day: reg.per_day, course: reg.administrations };
    reg.caps.forEach(function (cap) {
      var limit = cap.per === null ? cap.amount : (base[cap.per] === null ? null : cap.amount * base[cap.per]);
      if (limit === null) return;
      var times = perScope[cap.scope];
      bounds.push(limit / times);
      if (d * times > limit * (1 + TOL)) {
        d = limit / times;
        var patient = cap.per === null ? "" : run.say("cap_patient", { limit: run.num(limit, dd.unit), unit: dd.unit, base: run.num(base[cap.per] || 0, cap.per), per: cap.per });
        var values = { scope: run.text["per_" + cap.scope], cap: cap.text, patient: patient };
        run.warn(dd.regimen_input, run.say("cap", values));
        run.working.push(run.say("w_cap", assign(values, { dose: run.num(d, dd.unit), unit: dd.unit })));
        run.out.capped = true;
      }
    });
    return [d, bounds];
  }
  function vialsText(run, dd, product, counts) {
    var parts = [], total = 0;
    product.sizes.forEach(function (size, i) {
      var c = counts[i]; total += c;
      if (c > 3) parts.push(c + " × " + run.num(size, dd.unit));
      else for (var k = 0; k < c; k++) parts.push(run.num(size, dd.unit));
    });
    return parts.join(" + ") + " " + dd.unit + " " + run.text[dd.presentation + (total > 1 ? "s" : "")];
  }
  // Each dose from its own whole presentations (single-use vials, review D5); as dosing._round.
  function round(run, dd, reg, product, d, bounds) {
    var s = dd.suffix, n = reg.administrations, pct = dd.within_percent || 0, upper = d * (1 + pct / 100);
    bounds.forEach(function (b) { upper = Math.min(upper, b); });
    var found = product.sizes.length ? combine(product.sizes, d, d * (1 - pct / 100), upper) : null;
    if (found === null) {
      run.warn(dd.product_input || "", run.say(product.sizes.length ? "no_combination" : "no_sizes",
        { product: product.name, percent: run.num(pct, "%"), dose: run.num(d, dd.unit), unit: dd.unit }));
      return;
    }
    var amount = found[0], counts = found[1], course = amount * n, o = run.out;
    o["rounded_dose_per_day_" + s] = amount * reg.per_day;
    o["dispensed_dose_" + s] = amount;
    o["dispensed_course_total_" + s] = course;
    o.deviation_percent = (amount - d) / d * 100;
    o.rounded_per = dd.round_per;
    o[dd.presentation + "s"] = [];
    product.sizes.forEach(function (size, i) { if (counts[i] > 0) { var v = {}; v["size_" + s] = size; v.count = counts[i]; o[dd.presentation + "s"].push(v); } });
    o.presentations_text = vialsText(run, dd, product, counts);
    var values = { each: run.text[n > 1 && reg.per_day === 1 ? "per_day" : "per_dose"], dose: run.num(d, dd.unit), amount: run.num(amount, dd.unit), unit: dd.unit,
      vials: o.presentations_text, deviation: run.num(o.deviation_percent, "%"), percent: run.num(pct, "%"),
      times: n, course: run.num(course, dd.unit), "new": run.text[dd.presentation + "s"] };
    run.working.push(run.say("w_round", values));
    if (n === 1) { run.show("dispensed", run.text.s_dispensed, run.say("s_dispensed_once", values)); return; }
    run.working.push(run.say("w_round_course", values));
    run.show("dispensed", run.text.s_dispensed, run.say("s_dispensed_each", values));
  }
  // At risk with no at-risk maximum recorded: the start rate, the label maximum only as a ceiling (as dosing._hold_start).
  // One rate in mg/kg/min as mL/h of the product, with the values its sentences quote (as dosing._pump_rate).
  function pumpRate(run, dd, product, rate) {
    var weight = run.env[dd.weight], mlh = rate * weight * dd.rate_factor / product.per_ml;
    return [mlh, { rate: run.num(rate, "mg/kg/min"), weight: run.num(weight, "kg"), per_ml: run.num(product.per_ml, null), unit: dd.unit,
      ml_per_h: run.num(mlh, "mL/h") }];
  }
  function holdStart(run, dd, product) {
    var rate = product.schedule.steps[0][0], pr = pumpRate(run, dd, product, rate), mlh = pr[0];
    var top = pumpRate(run, dd, product, product.schedule.max_rate);
    var values = assign(pr[1], { product: product.name, ceiling_ml_per_h: top[1].ml_per_h, ceiling_rate: top[1].rate });
    run.warn(dd.risk_input, run.say("no_risk_max", values));
    run.working.push(run.say("w_rate", values));
    run.working.push(run.say("w_rate", top[1]));
    run.out.ceiling_ml_per_h = top[0];
    run.steps.push(run.say("step_open", values));
    run.steps.push(run.say("step_hold", values));
    run.out.infusion_steps = [{ mg_per_kg_min: rate, ml_per_h: mlh, minutes: null, maximum: false }];
    run.out.start_ml_per_h = mlh;
  }
  function infusion(run, dd, product) {
    var sch = product.schedule, o = run.out;
    if (sch === null) { run.warn(dd.product_input || "", run.say("no_schedule", { indication: dd.indication || "", product: product.name })); o.infusion_steps = []; return; }
    // A risk found by the calculator itself (at_risk_when) counts whatever the answer (as dosing._infusion).
    var maxRate = sch.max_rate, rates = [], i, atRisk = dd.risk_input !== null && (get(run.env, dd.risk_input) === true ||
      (dd.risk_when !== null && dd.risk_when !== undefined && evaluate(dd.risk_when, run.env, run.p) === true));
    o.rate_at_risk = atRisk;
    if (atRisk && sch.max_rate_at_risk === null) { holdStart(run, dd, product); return; }
    if (atRisk) maxRate = sch.max_rate_at_risk;
    for (i = 0; i < sch.steps.length; i++) { if (sch.steps[i][0] >= maxRate) break; rates.push([sch.steps[i][0], sch.steps[i][1], false]); }
    rates.push([maxRate, null, true]);
    var steps = [];
    rates.forEach(function (r) {
      var pr = pumpRate(run, dd, product, r[0]), mlh = pr[0], values = pr[1];
      steps.push({ mg_per_kg_min: r[0], ml_per_h: mlh, minutes: r[1], maximum: r[2] });
      run.working.push(run.say("w_rate", values));
      run.steps.push(run.say(r[2] ? (atRisk ? "step_max_risk" : "step_max") : (r[1] !== null ? "step_timed" : "step_open"), assign(values, { minutes: r[1] })));
    });
    o.infusion_steps = steps; o.start_ml_per_h = steps[0].ml_per_h; o.max_ml_per_h = steps[steps.length - 1].ml_per_h;
    if (dd.pump_max_ml_per_h !== null && o.max_ml_per_h > dd.pump_max_ml_per_h)
      run.warn(dd.product_input || "", run.say("pump_max", { ml_per_h: run.num(o.max_ml_per_h, "mL/h"), pump: run.num(dd.pump_max_ml_per_h, "mL/h") }));
    var volume = o.volume_per_dose_ml, total = 0;
    for (i = 0; i < steps.length; i++) {
      var st = steps[i];
      if (st.maximum || st.minutes === null) continue;
      var given = st.ml_per_h * st.minutes / 60;
      if (given >= volume) { total += volume / st.ml_per_h * 60; volume = 0; break; }
      volume -= given; total += st.minutes;
    }
    total += volume / steps[steps.length - 1].ml_per_h * 60;
    o.shortest_infusion_minutes = total;
    o.shortest_infusion_text = fmtMinutes(total, run.text);
    run.steps.push(run.say("step_time", { time: o.shortest_infusion_text }));
  }
  // Silence would read as "licensed": warn when no licence is recorded, none covers the
  // indication, or none covers the age (as dosing._licence).
  function licence(run, dd, product) {
    var field = dd.product_input || "", wanted = (dd.indication || "").toLowerCase();
    var values = { product: product.name, indication: dd.indication || "",
      licensed: product.licensed.map(function (l) { return l.indication + ": " + l.ages; }).join("; ") };
    if (!product.licensed.length) { run.warn(field, run.say("licence_unknown", values)); return; }
    var uses = product.licensed.filter(function (l) { return l.indication.toLowerCase().indexOf(wanted) >= 0; });
    if (!uses.length) { run.warn(field, run.say("not_licensed_for", values)); return; }
    var age = dd.age_years ? get(run.env, dd.age_years) : null;
    if (age === null) return;
    if (find(uses, function (l) { return (l.min_age_years === null || age >= l.min_age_years) && (l.max_age_years === null || age < l.max_age_years); })) return;
    run.warn(field, run.say("unlicensed", values));
  }
  function dose(run, dd) {
    var reg = find(dd.regimens, function (r) { return r.id === get(run.env, dd.regimen_input); });
    if (reg === null) return;
    if (evaluate(reg.population, run.env, run.p) !== true) { run.error(dd.regimen_input, run.fill(reg.refuse)); return; }
    var base = { kg: get(run.env, dd.weight), m2: dd.surface_area ? get(run.env, dd.surface_area) : null };
    var per = reg.basis === "fixed" ? 1 : base[reg.basis];
    if (per === null) { run.error(dd.regimen_input, run.say("needs_" + reg.basis, { regimen: reg.name })); return; }
    var s = dd.suffix, o = run.out, d = reg.amount * per;
    o.capped = false;
    run.working.push(run.say("w_dose_" + reg.basis, { dose_text: reg.dose_text, base: run.num(per, reg.basis), dose: run.num(d, dd.unit), unit: dd.unit }));
    var capped = applyCaps(run, dd, reg, base, d); d = capped[0];
    o["dose_per_administration_" + s] = d; o.administrations_per_day = reg.per_day; o["dose_per_day_" + s] = d * reg.per_day; o.days = reg.days;
    o.days_text = run.say(reg.days === 1 ? "days_one" : "days_many", { days: reg.days });
    o["course_total_" + s] = d * reg.administrations;
    run.working.push(run.say("w_course", { dose: run.num(d, dd.unit), unit: dd.unit, times: reg.administrations, total: run.num(d * reg.administrations, dd.unit) }));
    run.show("dose_per_day", run.text.s_dose_per_day, run.num(d * reg.per_day, dd.unit) + " " + dd.unit);
    run.show("course_total", run.text.s_course, run.num(d * reg.administrations, dd.unit) + " " + dd.unit + run.say("s_times", { days_text: o.days_text }));
    var product = find(dd.products, function (x) { return dd.product_input && x.id === get(run.env, dd.product_input); });
    if (product === null) return;
    o.product_name = product.name;
    licence(run, dd, product);
    if (dd.round_per !== null) round(run, dd, reg, product, d, capped[1]);
    var given = ("dispensed_dose_" + s) in o ? o["dispensed_dose_" + s] : d;
    o.volume_per_dose_ml = given / product.per_ml;
    o.volume_per_day_ml = given * reg.per_day / product.per_ml;
    run.show("volume", run.text.s_volume, run.num(o.volume_per_dose_ml, "mL") + " mL");
    run.working.push(run.say("w_volume", { dose: run.num(given, dd.unit), unit: dd.unit, per_ml: run.num(product.per_ml, null), ml: run.num(o.volume_per_dose_ml, "mL") }));
    if (dd.indication !== null) infusion(run, dd, product);
  }

  // ------------------------------------------------------------------ decision
  function decide(run, dec) {
    var value = get(run.env, dec.measure);
    if (value === null) return;
    var band = find(dec.bands, function (b) { return (b.min === null || value >= b.min) && (b.below === null || value < b.below); });
    var chosen = { band: band.id };
    dec.axes.forEach(function (a) { chosen[a.id] = get(run.env, a.id); });
    var cell = find(dec.cells, function (c) { return Object.keys(c.match).every(function (axis) { return c.match[axis].indexOf(chosen[axis]) >= 0; }); });
    var rec = cell.not_covered ? dec.not_covered_text : cell.action;
    var o = run.out;
    o.measured_value = value; o.measured_unit = dec.unit; o.grade = band.id; o.grade_label = band.label; o.scale = dec.scale;
    o.pathway = cell.pathway; o.recommendation = rec; o.actions = cell.actions.slice(); o.evidence = cell.evidence;
    o.guideline_grade = cell.guideline_grade; o.strength = cell.strength;
    o.not_covered = cell.not_covered; o.link = cell.link; o.cite = cell.cite.slice();
    o.citations = cell.cite.map(function (c) { var r = run.p.references[c]; return { id: r.id, label: r.label, text: r.text, url: r.url }; });
    run.working.push(run.say("w_band", { value: run.num(value, dec.unit), unit: dec.unit, band: band.label, scale: dec.scale || "" }));
    if (band.text) run.working.push(band.text);  // a local split of the grade (decision.py)
    var said = [band.boundary, dec.scale].filter(function (x) { return x; }).join(", ");  // as decision.py
    run.show("grade", run.text.grade, band.label + (said ? " (" + said + ")" : ""));
    run.show("recommendation", run.text.recommendation, rec || "");
    if (cell.guideline_grade) run.show("guideline_grade", run.text.guideline_grade, cell.guideline_grade);
    if (cell.evidence) run.show("evidence", run.text.evidence, cell.evidence);
  }

  // ------------------------------------------------------------------ compute
  function compute(p, inputs) {
    var run = new Run(p);
    readInputs(run, inputs !== null && typeof inputs === "object" && !Array.isArray(inputs) ? inputs : {});
    if (run.errors.length) return refused(run);
    p.derived.forEach(function (d) { derive(run, d); });
    p.checks.forEach(function (c) {
      if (evaluate(c.when, run.env, p) === true) (c.severity === "refuse" ? run.error : run.warn).call(run, c.field, run.fill(c.message));
    });
    if (run.errors.length) return refused(run);
    p.derived.forEach(function (d) { summarise(run, d); });
    if (p.dose !== null) dose(run, p.dose);
    if (p.decision !== null) decide(run, p.decision);
    if (run.errors.length) return refused(run);
    var out = { ok: true, errors: run.errors, warnings: run.warnings }, slots = assign(run.env, run.out);
    p.fields.forEach(function (k) { out[k] = k in run.out ? run.out[k] : get(run.env, k); });
    var h = find(p.headline, function (x) { return evaluate(x[0], slots, p) === true; });
    out.headline = h === null ? null : fill(h[1], slots, run.units, p.display);
    out.summary = run.summary; out.steps = run.steps; out.working = run.working;
    return out;
  }

  // The program format this engine reads (generator/calc/program.py ENGINE_VERSION): a
  // page never runs a program on an engine that would ignore part of it.
  var api = { version: 4, compute: compute, evaluate: evaluate, fmt: fmt, shownUnit: shownUnit, parseNumber: parseNumber, combine: combine };
  if (typeof module !== "undefined" && module.exports) module.exports = api;
  else root.HandbookCalc = api;
})(this);
