/* Embedded calculators: the JavaScript engine and the form.
 *
 * compute(spec, inputs) is the twin of generator/calculate.py compute(): the same
 * arithmetic in the same order (results are bit-identical), the same refusals, the
 * same message templates (they travel in the compiled spec). Change both together;
 * tests/vectors/ and the property test hold them to each other.
 *
 * mount(el) builds the form for <div data-md-component="calculator"
 * data-calculator-spec="...">. Classic script: it must run from file://.
 * Author and user text only ever reaches the page through textContent.
 */
(function (root) {
  "use strict";

  var NUMBER = /^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)$/;
  var MISSING = "missing";
  var BAD = "bad";
  var CAP_TOL = 1 + 1e-9; // floating-point noise is not over a cap (see CAP_TOLERANCE in calculate.py)

  /* At most two decimals, half rounded up; String() matches Python's repr here. */
  function fmt(x) {
    return String(Math.floor(x * 100 + 0.5) / 100);
  }

  function fill(spec, key, values) {
    return spec.text[key].replace(/\{(\w+)\}/g, function (m, name) {
      return String(values[name]);
    });
  }

  function absent(v) {
    return v === null || v === undefined;
  }

  function parseNumber(value) {
    var number;
    if (absent(value)) return MISSING;
    if (typeof value === "string") {
      var text = value.replace(/^[ \t\n\r]+|[ \t\n\r]+$/g, "");
      if (text === "") return MISSING;
      if (!NUMBER.test(text)) return BAD;
      number = Number(text);
    } else if (typeof value === "number") {
      number = value;
    } else {
      return BAD;
    }
    return isFinite(number) ? number : BAD;
  }

  function err(list, field, message) {
    list.push({ field: field, message: message });
  }

  function numberInput(spec, def, value, field, required, errors, warnings) {
    var label = def.label;
    var number = parseNumber(value);
    if (number === MISSING) {
      if (required) err(errors, field, fill(spec, "required", { label: label }));
      return null;
    }
    if (number === BAD) {
      err(errors, field, fill(spec, "not_number", { label: label }));
      return null;
    }
    // A range from 0 that refuses 0 reads "greater than 0 and at most max", for 0 too.
    var positiveOnly = def.min === 0 && !def.zero_allowed;
    var low = number < 0 || (number === 0 && !def.zero_allowed);
    if (low && !positiveOnly) {
      err(errors, field, fill(spec, def.zero_allowed ? "negative" : "not_positive", { label: label }));
      return null;
    }
    if (low || number < def.min || number > def.max) {
      err(errors, field, fill(spec, positiveOnly ? "out_of_range_positive" : "out_of_range",
        { label: label, min: fmt(def.min), max: fmt(def.max), unit: def.unit }));
      return null;
    }
    if (!absent(def.warn_below) && number < def.warn_below)
      err(warnings, field, fill(spec, "warn_low", { label: label, limit: fmt(def.warn_below), unit: def.unit }));
    if (!absent(def.warn_above) && number > def.warn_above)
      err(warnings, field, fill(spec, "warn_high", { label: label, limit: fmt(def.warn_above), unit: def.unit }));
    return number;
  }

  /* A number typed in its own unit (weight_kg) or its alternative (weight_lb); see _measured. */
  function measured(spec, inputs, field, required, errors, warnings, working) {
    var def = spec.inputs[field], value = inputs[field], alt = def.alt_field;
    if (!absent(alt) && parseNumber(inputs[alt]) !== MISSING) {
      if (parseNumber(value) !== MISSING) {
        err(errors, alt, fill(spec, "both_units", { label: def.label, unit: def.unit, alt_unit: def.alt_unit }));
        return null;
      }
      field = alt;
      value = inputs[alt];
      var raw = parseNumber(value);
      if (typeof raw === "number") {
        value = raw * def.alt_factor;
        working.push(fill(spec, "w_convert", { value: fmt(raw), alt_unit: def.alt_unit, factor: String(def.alt_factor),
          converted: fmt(value), unit: def.unit }));
      }
    }
    return numberInput(spec, def, value, field, required, errors, warnings);
  }

  function choice(spec, value, allowed, field, label, required, errors) {
    if (absent(value) || value === "") {
      if (required) err(errors, field, fill(spec, "required", { label: label }));
      return null;
    }
    if (typeof value !== "string" || allowed.indexOf(value) < 0) {
      err(errors, field, fill(spec, "unknown_choice", { label: label }));
      return null;
    }
    return value;
  }

  /* Fewest vials for each total 0..limit tenths; see _vial_table in calculate.py. */
  function vialTable(tenths, limit) {
    var inf = limit + 1, best = [0], pick = [0], total, i, size;
    for (total = 1; total <= limit; total++) {
      best.push(inf);
      pick.push(0);
      for (i = 0; i < tenths.length; i++) {
        size = tenths[i];
        if (size <= total && best[total - size] + 1 < best[total]) {
          best[total] = best[total - size] + 1;
          pick[total] = size;
        }
      }
    }
    return [best, pick, inf];
  }

  /* Fewest vials covering the dose with the least waste; see _vials in calculate.py. */
  function vialSearch(tenths, grams) {
    var target = Math.ceil(grams * 10 - 1e-6), t = vialTable(tenths, target + tenths[0]), pick = t[1];
    var total = target > 0 ? target : 0;
    while (t[0][total] >= t[2]) total++;
    var counts = tenths.map(function () { return 0; });
    for (var rest = total; rest > 0; rest -= pick[rest]) counts[tenths.indexOf(pick[rest])]++;
    return [counts, total];
  }

  /* Largest whole-vial total (tenths) not above grams; see _vials_within. */
  function vialsWithin(tenths, grams) {
    var total = Math.floor(grams * 10 + 1e-6), t = vialTable(tenths, total);
    while (total > 0 && t[0][total] >= t[2]) total--;
    return total;
  }

  /* A rounded dose over a labelled maximum is said, with the highest one within; see _over_caps. */
  function overCaps(spec, regimen, product, rounded, dosingWeight, warnings) {
    var limit = Infinity, over = [], within, step = spec.rounding.step_g;
    [["round_over_dose", regimen.max_per_dose, 1], ["round_over_course", regimen.max_per_course, regimen.days]]
      .forEach(function (c) {
        var cap = c[1];
        if (cap === null) return;
        var capG = cap.per_kg ? cap.g * dosingWeight : cap.g;
        limit = Math.min(limit, capG / c[2]);
        if (rounded * c[2] > capG * CAP_TOL) over.push([c[0], cap, capG, rounded * c[2]]);
      });
    if (!over.length) return;
    within = step !== null ? Math.floor(limit * CAP_TOL / step) * step : vialsWithin(product.vial_tenths, limit) / 10;
    var tail = within > 0 ? fill(spec, "round_within", { grams: fmt(within) }) : fill(spec, "round_none", {});
    over.forEach(function (o) {
      err(warnings, "rounded_dose_per_day_g", fill(spec, o[0], { rounded: fmt(rounded), total: fmt(o[3]), cap: o[1].text,
        patient: o[1].per_kg ? fill(spec, "round_patient", { cap_g: fmt(o[2]), weight: fmt(dosingWeight) }) : "",
        within: tail }));
    });
  }

  function refused(errors, warnings, keys) {
    var out = { ok: false, errors: errors, warnings: warnings };
    keys.forEach(function (k) { out[k] = null; });
    out.working = [];
    return out;
  }

  var DOSE_KEYS = ["regimen", "product", "bmi", "ibw_kg", "dosing_weight_kg", "dosing_weight_basis",
    "dose_per_day_g", "days", "course_total_g", "rounded_dose_per_day_g", "vials", "volume_per_day_ml",
    "infusion_steps"];
  var DECISION_KEYS = ["measured_value", "measured_unit", "grade", "grade_label", "ctcae_version", "bleeding",
    "pathway", "recommendation", "not_covered", "cite"];

  function ids(list) {
    return list.map(function (x) { return x.id; });
  }

  function computeDose(spec, inputs) {
    var errors = [], warnings = [], working = [], T = spec.text;
    var weight = measured(spec, inputs, "weight_kg", true, errors, warnings, working);
    var height = measured(spec, inputs, "height_cm", false, errors, warnings, working);
    var age = measured(spec, inputs, "age_years", false, errors, warnings, working);
    var sex = choice(spec, inputs.sex, spec.sexes, "sex", T.sex, height !== null, errors);
    var regimenIds = ids(spec.regimens);
    var regimenId = choice(spec, inputs.regimen, regimenIds, "regimen", T.regimen, true, errors);
    var productIds = ids(spec.products);
    var productId = choice(spec, inputs.product, productIds, "product", T.product, false, errors);
    var risk = inputs.renal_or_thrombotic_risk;
    if (absent(risk)) risk = false;
    else if (typeof risk !== "boolean") err(errors, "renal_or_thrombotic_risk", fill(spec, "not_boolean", { label: T.risk }));
    if (errors.length || weight === null || regimenId === null) return refused(errors, warnings, DOSE_KEYS);

    var policy = spec.dosing_weight, rule = policy.adjust_when, ibwRule = policy.ibw;
    var regimen = spec.regimens[regimenIds.indexOf(regimenId)];
    var bmi = null, ibw = null;
    if (height !== null) {
      var heightM = height / 100;
      bmi = weight / (heightM * heightM);
      working.push(fill(spec, "w_bmi", { weight: fmt(weight), height_m: fmt(heightM), bmi: fmt(bmi) }));
      var heightIn = height / spec.cm_per_inch;
      if (heightIn >= ibwRule.from_height_in && sex !== null) {
        var base = ibwRule[sex];
        ibw = base + ibwRule.kg_per_inch * (heightIn - ibwRule.from_height_in);
        working.push(fill(spec, "w_ibw", { sex: T[sex], base: fmt(base), per_inch: fmt(ibwRule.kg_per_inch),
          height_in: fmt(heightIn), from_in: fmt(ibwRule.from_height_in), ibw: fmt(ibw) }));
      }
    }
    // Same order as calculate.py: regimen rule, age, height, then BMI and IBW.
    var dosingWeight = weight, basis = "actual";
    if (regimen.dosing_weight === "actual") {
      working.push(regimen.note || fill(spec, "w_regimen_actual", {}));
    } else if (age !== null && age < rule.adult_from_age_years) {
      working.push(fill(spec, "w_child", { age: fmt(rule.adult_from_age_years) }));
    } else if (height === null) {
      err(warnings, "height_cm", fill(spec, "no_height", {}));
    } else if (ibw === null) {
      err(warnings, "height_cm", fill(spec, "short", { height: fmt(ibwRule.from_height_in * spec.cm_per_inch),
        inches: fmt(ibwRule.from_height_in) }));
    } else if (!(bmi > rule.bmi_above)) {
      working.push(fill(spec, "w_not_obese", { bmi: fmt(bmi), bmi_above: fmt(rule.bmi_above) }));
    } else if (rule.actual_above_ibw && !(weight > ibw)) {
      working.push(fill(spec, "w_below_ibw", {}));
    } else {
      dosingWeight = ibw + policy.adjusted.factor * (weight - ibw);
      basis = "adjusted";
      working.push(fill(spec, "w_adjusted", { bmi: fmt(bmi), bmi_above: fmt(rule.bmi_above), ibw: fmt(ibw),
        factor: fmt(policy.adjusted.factor), weight: fmt(weight), dosing: fmt(dosingWeight) }));
      if (age === null) err(warnings, "age_years", fill(spec, "age_assumed", { age: fmt(rule.adult_from_age_years) }));
    }

    var dose = regimen.dose_g_per_kg * dosingWeight;
    working.push(fill(spec, "w_dose", { dose_text: regimen.dose_text, weight: fmt(dosingWeight),
      basis: T["basis_" + basis], dose: fmt(dose) }));
    var capped = false, cap = regimen.max_per_dose, capG;
    if (cap !== null) {
      capG = cap.per_kg ? cap.g * dosingWeight : cap.g;
      if (dose > capG * CAP_TOL) {
        dose = capG;
        capped = true;
        err(warnings, "regimen", fill(spec, "cap_dose", { cap: cap.text }));
        working.push(fill(spec, "w_cap", { cap: cap.text, dose: fmt(dose) }));
      }
    }
    var days = regimen.days;
    cap = regimen.max_per_course;
    if (cap !== null) {
      capG = cap.per_kg ? cap.g * dosingWeight : cap.g;
      if (dose * days > capG * CAP_TOL) {
        dose = capG / days;
        capped = true;
        err(warnings, "regimen", fill(spec, "cap_course", { cap: cap.text }));
        working.push(fill(spec, "w_cap", { cap: cap.text, dose: fmt(dose) }));
      }
    }
    var course = dose * days;
    working.push(fill(spec, "w_course", { dose: fmt(dose), days: days, total: fmt(course) }));
    var out = { ok: true, errors: errors, warnings: warnings, regimen: regimenId, product: productId, bmi: bmi,
      ibw_kg: ibw, dosing_weight_kg: dosingWeight, dosing_weight_basis: basis, dose_per_day_g: dose, days: days,
      course_total_g: course, rounded_dose_per_day_g: null, vials: null, volume_per_day_ml: null,
      infusion_steps: null, working: working };
    if (productId === null) return out;

    var product = spec.products[productIds.indexOf(productId)];
    var rounded = null;
    if (spec.rounding.policy === "nearest-5g") {
      var step = spec.rounding.step_g;
      rounded = Math.floor(dose / step + 0.5) * step;
      if (capped && rounded > dose) rounded = rounded - step;
      if (dose < step) {
        rounded = dose;
        err(warnings, "product", fill(spec, "below_step", { step: fmt(step) }));
      } else {
        working.push(fill(spec, "w_round", { step: fmt(step), rounded: fmt(rounded) }));
      }
    }
    if (product.vial_tenths.length) {
      var found = vialSearch(product.vial_tenths, rounded === null ? dose : rounded);
      var vials = [], parts = [];
      found[0].forEach(function (count, i) {
        if (count > 0) {
          vials.push({ size_g: product.vial_sizes_g[i], count: count });
          parts.push(String(count) + " × " + fmt(product.vial_sizes_g[i]) + " g");
        }
      });
      out.vials = vials;
      if (rounded === null) rounded = found[1] / 10;
      working.push(fill(spec, "w_vials", { vials: parts.join(" + "), total: fmt(found[1] / 10) }));
    } else {
      err(warnings, "product", fill(spec, "no_vials", { product: product.name }));
    }
    out.rounded_dose_per_day_g = rounded;
    if (rounded !== null) overCaps(spec, regimen, product, rounded, dosingWeight, warnings);
    var grams = rounded === null ? dose : rounded, gpm = product.grams_per_ml, volume = grams / gpm;
    out.volume_per_day_ml = volume;
    working.push(fill(spec, "w_volume", { grams: fmt(grams), gpm: fmt(gpm), ml: fmt(volume) }));

    var schedule = product.schedule;
    if (schedule === null) {
      err(warnings, "product", fill(spec, "no_schedule", { indication: spec.infusion_indication, product: product.name }));
      out.infusion_steps = [];
      return out;
    }
    var maxRate = schedule.max_rate;
    if (risk) {
      if (absent(schedule.max_rate_at_risk))
        err(warnings, "renal_or_thrombotic_risk", fill(spec, "no_risk_max", { product: product.name }));
      else maxRate = schedule.max_rate_at_risk;
    }
    // Listed steps below the maximum in force, then always the maximum itself (see calculate.py).
    var rates = [];
    for (var s = 0; s < schedule.steps.length && schedule.steps[s].rate < maxRate; s++)
      rates.push([schedule.steps[s].rate, schedule.steps[s].minutes, false]);
    rates.push([maxRate, null, true]);
    out.infusion_steps = rates.map(function (r) {
      var mlPerH = r[0] * dosingWeight * 60 / (1000 * gpm);
      working.push(fill(spec, "w_rate", { rate: fmt(r[0]), weight: fmt(dosingWeight), gpm: fmt(gpm), ml_per_h: fmt(mlPerH) }));
      return { mg_per_kg_min: r[0], ml_per_h: mlPerH, minutes: r[1], maximum: r[2] };
    });
    return out;
  }

  function computeDecision(spec, inputs) {
    var errors = [], warnings = [], names = spec.inputs, measure = spec.measure, table = spec.table;
    var units = spec.units.map(function (u) { return u.unit; });
    var raw = parseNumber(inputs[names.value]);
    if (raw === MISSING) err(errors, names.value, fill(spec, "required", { label: measure.label }));
    else if (raw === BAD) err(errors, names.value, fill(spec, "not_number", { label: measure.label }));
    var unit = choice(spec, inputs[names.unit], units, names.unit, spec.text.unit, true, errors);
    var value = null;
    if (typeof raw === "number" && unit !== null) {
      // Limits are in the table's unit, so the value is converted before it is checked.
      var converted = raw / spec.units[units.indexOf(unit)].per_base;
      value = numberInput(spec, measure, converted, names.value, true, errors, warnings);
    }
    var condition = choice(spec, inputs[names.condition], ids(table.condition.values), names.condition,
      table.condition.name, true, errors);
    if (errors.length || value === null || condition === null) return refused(errors, warnings, DECISION_KEYS);
    var working = [];
    if (unit !== measure.unit)
      working.push(fill(spec, "w_measure", { value: fmt(raw), unit: unit, converted: fmt(value), base: measure.unit }));
    var band = table.bands.filter(function (b) {
      return (b.min === null || value >= b.min) && (b.below === null || value < b.below);
    })[0];
    working.push(fill(spec, "w_band", { value: fmt(value), unit: measure.unit, band: band.label, scale: table.scale }));
    var cell = table.cells.filter(function (c) { return c.band === band.id && c.condition === condition; })[0];
    return { ok: true, errors: errors, warnings: warnings, measured_value: value, measured_unit: measure.unit,
      grade: band.id, grade_label: band.label, ctcae_version: table.scale, bleeding: condition,
      pathway: cell.pathway, recommendation: cell.not_covered ? spec.not_covered_text : cell.action,
      not_covered: cell.not_covered, cite: cell.cite, working: working };
  }

  function compute(spec, inputs) {
    if (!inputs || typeof inputs !== "object" || Array.isArray(inputs)) inputs = {};
    return spec.kind === "weight-dose" ? computeDose(spec, inputs) : computeDecision(spec, inputs);
  }

  /* ------------------------------------------------------------------ the form */

  var counter = 0;

  function h(tag, attrs, text) {
    var node = document.createElement(tag);
    for (var k in attrs) if (attrs[k] !== null && attrs[k] !== undefined) node.setAttribute(k, attrs[k]);
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function add(parent, child) {
    parent.appendChild(child);
    return child;
  }

  function field(form, id, def, unit) {
    var row = add(form, h("div", { class: "calc-field" }));
    add(row, h("label", { for: id }, def.label));
    var box = add(row, h("div", { class: "calc-input" }));
    var input = add(box, h("input", { id: id, name: id, type: "text", inputmode: "decimal", autocomplete: "off",
      "aria-describedby": def.help ? id + "-help" : null }));
    if (unit) add(box, unit);
    if (def.help) add(row, h("p", { id: id + "-help", class: "calc-help" }, def.help));
    return input;
  }

  function select(id, options, label) {
    var sel = h("select", { id: id, name: id, "aria-label": label });
    options.forEach(function (o) { add(sel, h("option", { value: o[0] }, o[1])); });
    return sel;
  }

  function radios(form, name, legend, options) {
    var set = add(form, h("fieldset", { class: "calc-field calc-radios" }));
    add(set, h("legend", {}, legend));
    options.forEach(function (o) {
      var label = add(set, h("label", {}));
      add(label, h("input", { type: "radio", name: name, value: o[0] }));
      label.appendChild(document.createTextNode(" " + o[1]));
    });
    return set;
  }

  function radioValue(form, name) {
    var checked = form.querySelector("input[name='" + name + "']:checked");
    return checked ? checked.value : null;
  }

  function row(dl, label, value) {
    add(dl, h("dt", {}, label));
    return add(dl, h("dd", {}, value));
  }

  function mount(el) {
    if (el.getAttribute("data-calculator-mounted")) return;
    el.setAttribute("data-calculator-mounted", "1");
    var spec;
    try {
      spec = JSON.parse(el.getAttribute("data-calculator-spec"));
    } catch (e) {
      el.textContent = "Calculator unavailable: its data could not be read.";
      return;
    }
    var T = spec.text, p = "calc" + (++counter) + "-", dose = spec.kind === "weight-dose", inputs = {};
    el.classList.add("calc");
    var form = add(el, h("form", { class: "calc-form", novalidate: "" }));
    form.addEventListener("submit", function (e) { e.preventDefault(); });
    if (dose) {
      var si = spec.inputs;
      var wUnit = select(p + "wu", [["kg", "kg"], ["lb", "lb"]], T.unit);
      inputs.weight = field(form, p + "w", si.weight_kg, wUnit);
      var hUnit = select(p + "hu", [["cm", "cm"], ["in", "in"]], T.unit);
      inputs.height = field(form, p + "h", si.height_cm, hUnit);
      radios(form, p + "sex", T.sex, spec.sexes.map(function (s) { return [s, T[s]]; }));
      inputs.age = field(form, p + "a", si.age_years, h("span", { class: "calc-unit" }, si.age_years.unit));
      var rf = add(form, h("div", { class: "calc-field" }));
      add(rf, h("label", { for: p + "r" }, T.regimen));
      var regimen = add(rf, select(p + "r", spec.regimens.map(function (r) {
        return [r.id, r.name + " (" + r.dose_text + (r.days > 1 ? " × " + r.days : "") + ")"];
      })));
      var pf = add(form, h("div", { class: "calc-field" }));
      add(pf, h("label", { for: p + "p" }, T.product));
      var product = add(pf, select(p + "p", [["", T.no_product]].concat(spec.products.map(function (x) {
        return [x.id, x.name];
      }))));
      var rl = add(add(form, h("div", { class: "calc-field calc-check" })), h("label", {}));
      var risk = add(rl, h("input", { type: "checkbox", id: p + "k" }));
      rl.appendChild(document.createTextNode(" " + T.risk));
    } else {
      var m = spec.measure;
      var cUnit = select(p + "cu", spec.units.map(function (u) { return [u.unit, u.unit]; }), T.unit);
      inputs.count = field(form, p + "c", m, cUnit);
      radios(form, p + "b", spec.table.condition.name, spec.table.condition.values.map(function (v) {
        return [v.id, v.label];
      }));
    }
    var status = add(el, h("div", { class: "calc-status", role: "status", "aria-live": "polite" }));
    var result = add(el, h("div", { class: "calc-result", "aria-live": "polite" }));
    var details = add(el, h("details", { class: "calc-working" }));
    add(details, h("summary", {}, T.working));
    var workList = add(details, h("ol", {}));
    var sources = add(el, h("details", { class: "calc-sources" }));
    add(sources, h("summary", {}, T.sources));
    var srcList = add(sources, h("ul", {}));
    Object.keys(spec.references).forEach(function (id) {
      var ref = spec.references[id], li = add(srcList, h("li", { id: p + "ref-" + id }));
      if (ref.url && /^https?:\/\//.test(ref.url)) add(li, h("a", { href: ref.url }, ref.text));
      else li.textContent = ref.text;
    });

    function update() {
      var out, started, given = {};
      if (dose) {
        // The engine converts lb and in itself (weight_lb, height_in), so the vectors cover it.
        given[wUnit.value === "lb" ? "weight_lb" : "weight_kg"] = inputs.weight.value;
        given[hUnit.value === "in" ? "height_in" : "height_cm"] = inputs.height.value;
        given.sex = radioValue(form, p + "sex");
        given.age_years = inputs.age.value;
        given.regimen = regimen.value;
        given.product = product.value || null;
        given.renal_or_thrombotic_risk = risk.checked;
        out = compute(spec, given);
        started = inputs.weight.value.trim() !== "";
      } else {
        out = compute(spec, { platelet_count: inputs.count.value, platelet_unit: cUnit.value,
          bleeding: radioValue(form, p + "b") });
        started = inputs.count.value.trim() !== "";
      }
      status.textContent = "";
      result.textContent = "";
      workList.textContent = "";
      form.querySelectorAll("[aria-invalid]").forEach(function (n) { n.removeAttribute("aria-invalid"); });
      if (!started) return;
      var bad = { weight_kg: inputs.weight, weight_lb: inputs.weight, height_cm: inputs.height, height_in: inputs.height,
        age_years: inputs.age, platelet_count: inputs.count };
      out.errors.concat(out.warnings).forEach(function (e, i) {
        var isError = i < out.errors.length;
        add(status, h("p", { class: isError ? "calc-error" : "calc-warning" }, e.message));
        if (isError && bad[e.field]) bad[e.field].setAttribute("aria-invalid", "true");
      });
      if (!out.ok) return;
      var dl = add(result, h("dl", {}));
      if (dose) {
        row(dl, T.dosing_weight, fmt(out.dosing_weight_kg) + " kg (" + T["basis_" + out.dosing_weight_basis] + ")")
          .setAttribute("data-calc", "dosing-weight");
        if (out.bmi !== null) row(dl, T.bmi, fmt(out.bmi) + " kg/m²");
        if (out.ibw_kg !== null) row(dl, T.ibw, fmt(out.ibw_kg) + " kg");
        row(dl, T.dose_per_day, fmt(out.dose_per_day_g) + " g").setAttribute("data-calc", "dose");
        row(dl, T.days, String(out.days));
        row(dl, T.course_total, fmt(out.course_total_g) + " g");
        if (out.rounded_dose_per_day_g !== null)
          row(dl, T.rounded, fmt(out.rounded_dose_per_day_g) + " g").setAttribute("data-calc", "rounded");
        if (out.vials)
          row(dl, T.vials, out.vials.map(function (v) { return v.count + " × " + fmt(v.size_g) + " g"; }).join(", "))
            .setAttribute("data-calc", "vials");
        if (out.volume_per_day_ml !== null) row(dl, T.volume, fmt(out.volume_per_day_ml) + " mL");
        if (out.infusion_steps && out.infusion_steps.length) {
          var ul = add(row(dl, T.rates, ""), h("ul", {}));
          out.infusion_steps.forEach(function (st, i) {
            // The label's maximum after a first step reads "increase as tolerated up to ...".
            add(ul, h("li", { "data-calc": st.maximum ? "rate-max" : "rate" }, (st.maximum && i ? T.up_to + " " : "") +
              fmt(st.mg_per_kg_min) + " mg/kg/min: " + fmt(st.ml_per_h) + " mL/h" +
              (st.minutes !== null ? " × " + st.minutes + " " + T.minutes : "") + (st.maximum ? " (" + T.maximum + ")" : "")));
          });
        }
      } else {
        row(dl, T.grade, out.grade_label + " (" + out.ctcae_version + ")").setAttribute("data-calc", "grade");
        // The reader acts on the cell's text; the pathway id is for machines (data-pathway) only.
        var rec = row(dl, T.recommendation, out.recommendation);
        rec.setAttribute("data-calc", "recommendation");
        rec.className = "calc-recommendation";
        if (out.pathway !== null) rec.setAttribute("data-pathway", out.pathway);
      }
      out.working.forEach(function (line) { add(workList, h("li", {}, line)); });
    }
    form.addEventListener("input", update);
    form.addEventListener("change", update);
    update();
  }

  function mountAll() {
    var els = document.querySelectorAll("[data-md-component='calculator'][data-calculator-spec]");
    for (var i = 0; i < els.length; i++) mount(els[i]);
  }

  var api = { compute: compute, mount: mount, mountAll: mountAll, fmt: fmt, parseNumber: parseNumber };
  if (typeof module !== "undefined" && module.exports) {
    module.exports = api;
  } else {
    root.HandbookCalculator = api;
    // Material's instant navigation swaps pages without a load event; document$ announces
    // each one. It may be defined after this script runs, so look again once the DOM is ready.
    var hooked = false;
    var start = function () {
      mountAll();
      if (!hooked && root.document$ && root.document$.subscribe) {
        hooked = true;
        root.document$.subscribe(mountAll);
      }
    };
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
    else start();
  }
})(this);
