/* The calculator form: mounts every [data-md-component=calculator] from its compiled
   program (self.HB_CALCULATORS[data-calculator], set by the program's own script) and
   renders the engine's result (calc-engine.js, fetched with the program when needed). Numbers come from the engine's result fields, formatted by the engine's own
   rules (HandbookCalc.fmt with the program's display rules); sentences from the engine
   or, for the words around the result card, from WORDS below (no clinical number there).
   Units are spelt as on the pages (program.notation, from generator/present.py).

   A dose result is a card, one value per line, the dose the largest text on the page:
   what to give (whole vials), volume and strength, vials, start and maximum rate (rates
   in a tinted box so a rate is never read as a volume), then the infusion steps, then
   cautions and the page's review status; the exact figures (calculated dose, dosing
   weight) sit under "How this was calculated". A decision result is a box styled by its
   actions: red with role=alert when it starts the emergency pathway. While a field of
   the form has focus and the result is off screen, a bar at the bottom shows the dose.

   Class names (theme/assets/stylesheets/calculator.css styles them):
     calc               the mounted calculator
     calc-form          the form; calc-field one input (data-input=<id>), calc-input the
                        control with its unit (calc-unit text or a unit select), calc-help,
                        calc-radios (fieldset of radio labels), calc-yesno (fieldset whose
                        calc-segments holds the Yes | No radio labels, neither checked)
     calc-msg           a message under a field, with calc-error or calc-warning
     calc-status        role=status region: messages that concern no field
     calc-result        the answer: calc-headline (p), calc-card (dose: calc-line rows of
                        calc-label + calc-value, calc-rate on rates, calc-note), calc-steps
                        (ol > li), calc-decision (calc-decision--alert|caution|result, with
                        calc-tag, calc-recommendation, calc-link), calc-cautions, calc-review,
                        calc-summary (dl > dt/dd, dd[data-calc=<id>])
     calc-working       details: the summary of a dose result, then ol of the arithmetic
     calc-sources       details > ul of the references
     calc-bar           the live result bar (fixed at the bottom, aria-hidden: the result
                        itself is the live region)
   On a validation page (table[data-calc-validation]) it fills each vector's JavaScript cell
   (td[data-js]) with this browser's result of the engine, compared with the Python one. */
(function (root) {
  "use strict";
  var engine = root.HandbookCalc, counter = 0;
  // The engine's file beside this one: loaded, with a calculator's program, when the
  // calculator is first needed (see need() below).
  var ENGINE_SRC = document.currentScript ? document.currentScript.src.replace(/calculator\.js(\?.*)?$/, "calc-engine.js") : null;
  var WORDS = {
    dose: "Dose", volume: "Volume", start: "Start rate", max: "Do not exceed", how: "How this was calculated",
    aDay: " a day", inAll: "{course} in all, {days}", basis: "{dose_text} × {weight} kg {basis}",
    basisNamed: "dosing weight ({name})", basisPlain: "dosing weight", exact: "calculated {exact}",
    less: "{percent}% less, to whole {presentations}", more: "{percent}% more, to whole {presentations}",
    strength: "{product}, {strength}", atRisk: "{rate} mg/kg/min: the lower maximum; {risk} Yes",
    riskFound: "{rate} mg/kg/min: the lower maximum, for the risk found below (though answered No)",
    noRisk: "{rate} mg/kg/min: the label maximum{which}; {risk} No", which: " ({label})", open: "Open: {title}", follow: "Open the emergency bundle page",
    calculate: "Calculate the dose: {title}", cited: "Sources: ", forDays: "for {days}",
    barDose: "Dose", barStart: "Start", barShow: "Show result", barWait: "Result: complete the form", barMissing: "No result yet. {message}",
    // The engine's shortest time runs the whole volume at the maximum rate; the steps up
    // to it take longer, so the time is a lower bound and says so (engine numbers unchanged).
    atLeast: "At least {time}, if run at the maximum rate throughout; stepping up takes longer.",
    // A label with timed steps (Octagam 10%: 30 min at each): the engine's time follows them,
    // then runs the rest at the maximum (bedside review 3, M9); said as that assumption.
    atLeastSteps: "At least {time}: the label's timed steps, then the rest at the maximum rate; a slower step-up takes longer.",
    barTime: "At least", barTimeNote: "at max rate throughout", barTimeSteps: "label steps, then max rate", barStatus: "Not yet approved",
    // A message on the risk question that did not set the at-risk rates: the bar points to it.
    barCheck: "Check", barCheckRisk: "the maximum rate (risk)",
    // At risk with no at-risk maximum recorded (the engine's hold at the start rate): no
    // rate to reach (second clinical review, W6), the label maximum only as the ceiling
    // never to pass (bedside review 5).
    held: "Increase", heldValue: "Only as pharmacy or haematology agree",
    heldWhy: "no maximum recorded for patients at risk; never above the label maximum, {ceiling}",
    // At risk the bar carries the ceiling itself, not "check" (bedside review 5, D1).
    barMaxRisk: "Max (at risk)", barNoMax: "none set: ask pharmacy"
  };
  // The regimen frequencies of the content schema (generator/model/topic.py), as words.
  var FREQUENCY = { once: "once", daily: "daily", "twice-daily": "twice daily", weekly: "weekly" };
  function say(template, values) {
    return template.replace(/\{([a-z_]+)\}/g, function (_, k) { return values[k] === undefined ? "" : values[k]; });
  }

  function h(tag, attrs, text) {
    var node = document.createElement(tag);
    for (var k in attrs) if (attrs[k] !== null && attrs[k] !== undefined) node.setAttribute(k, attrs[k]);
    if (text !== undefined) node.textContent = text;
    return node;
  }
  function add(parent, child) { parent.appendChild(child); return child; }
  function capital(s) { return s ? s.charAt(0).toUpperCase() + s.slice(1) : s; }

  // ---------------------------------------------------------------- notation
  // Units as the pages spell them (×10⁹/L, /µL, kg/m²), a real minus sign, and a number
  // kept on one line with its unit (a no-break space): "4 h 10 min" never breaks.
  var JOIN = /(\d) (?=(?:[×/µ%]|(?:mg|g|kg|mL|L|h|min|cm|in|lb|mcg|micrograms?|units?|mmol|points?|days?|years?|weeks?|vials?|syringes?|tablets?)(?![A-Za-z])))/g;
  function presenter(program) {
    var map = program.notation || {};
    var symbols = Object.keys(map).filter(function (u) { return /[^A-Za-z]/.test(u) && map[u][1] !== u; })
      .sort(function (a, b) { return b.length - a.length; });
    var units = symbols.length ? new RegExp("(^|[^\\w/^])(" + symbols.map(function (u) {
      return u.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
    }).join("|") + ")(?![\\w/^²⁹])", "g") : null;
    // A unit spelt in letters only ("mcg") is changed only after a number ("210 mcg"):
    // elsewhere it may be a word.
    var words = Object.keys(map).filter(function (u) { return !/[^A-Za-z]/.test(u) && map[u][1] !== u; });
    var afterNumber = words.length ? new RegExp("(\\d[ \u00a0]?)(" + words.join("|") + ")(?![\\w/^²⁹])", "g") : null;
    function present(text) {
      var s = String(text);
      // After exactly 1 the singular ("1 microgram/kg"), else the plural spelling.
      var spell = function (_, before, unit, at, whole) {
        return before + map[unit][/(^|[^\d.])1[\s\u00a0]?$/.test(whole.slice(0, at + before.length)) ? 0 : 1];
      };
      if (units) s = s.replace(units, spell);
      if (afterNumber) s = s.replace(afterNumber, spell);
      return s.replace(/(^|[\s(=])-(?=\d)/g, "$1\u2212").replace(JOIN, "$1\u00a0").replace(/(\d\u00a0h) (?=\d)/g, "$1\u00a0");
    }
    present.unit = function (u) { return map[u] ? map[u][1] : present(u); };
    return present;
  }

  // ---------------------------------------------------------------- inputs
  function choiceControl(box, id, inp, program, present) {
    // Regimens and products are lists to pick from (the first regimen preselected, as the
    // page always did); other short choices are radios the reader must tick.
    var listed = program.dose && (inp.id === program.dose.regimen_input || inp.id === program.dose.product_input);
    var radios = !listed && inp.options.length <= 4 && !inp.empty_label;
    if (radios) {
      var set = h("fieldset", { class: "calc-field calc-radios", "data-input": inp.id });
      add(set, h("legend", {}, present(inp.label)));
      inp.options.forEach(function (o) {
        var label = add(set, h("label", {}));
        add(label, h("input", { type: "radio", name: id, value: o.id }));
        label.appendChild(document.createTextNode(" " + present(o.label)));
        // What the choice means, beside it ("Child: under 18 years"; bedside review 3, M10).
        if (o.definition) add(label, h("span", { class: "calc-definition" }, present(o.definition)));
      });
      return { node: set, read: function () { var c = set.querySelector("input:checked"); return c ? c.value : null; } };
    }
    var sel = h("select", { id: id, name: id });
    if (!listed || inp.empty_label) add(sel, h("option", { value: "" }, inp.empty_label || "—"));
    var regimens = {};
    if (program.dose && inp.id === program.dose.regimen_input) program.dose.regimens.forEach(function (r) { regimens[r.id] = r; });
    inp.options.forEach(function (o) {
      add(sel, h("option", { value: o.id }, present(regimens[o.id] ? regimenLabel(regimens[o.id], program) : o.label)));
    });
    add(box, h("label", { for: id }, present(inp.label)));
    add(box, sel);
    if (Object.keys(regimens).length) {
      var named = add(box, h("p", { class: "calc-help", "data-calc": "regimen-name" }));
      var name = function () { named.textContent = regimens[sel.value] ? present(regimens[sel.value].name) : ""; };
      sel.addEventListener("change", name);
      name();
    }
    return { node: box, control: sel, read: function () { return sel.value || null; } };
  }

  // A regimen is chosen by its dose and length, short enough for a 360 px select ("1 g/kg ×
  // 1 day"; bedside review 3, M12: "1 g/kg once (single high d…" was cut); its name is said
  // under the select. All from the content: dose, frequency, days, name.
  function regimenLabel(reg, program) {
    var days = reg.days > 1 ? say(program.text.days_many, { days: reg.days }) : say(program.text.days_one, { days: 1 });
    var often = reg.frequency === "once" ? "" : " " + (FREQUENCY[reg.frequency] || reg.frequency);
    return reg.dose_text + often + " \u00d7 " + days;
  }

  function numberInput(row, id, inp, unitInputs, present, field) {
    add(row, h("label", { for: id }, present(inp.label)));
    var box = add(row, h("div", { class: "calc-input" }));
    var input = add(box, h("input", { id: id, name: id, type: "text", inputmode: "decimal", autocomplete: "off" }));
    var alts = inp.alternatives.filter(function (a) { return a.field !== null; }), unitSel = null;
    if (inp.unit_field !== null) {
      var unitInput = unitInputs[inp.unit_field];
      unitSel = add(box, h("select", { "aria-label": unitInput.label, name: id + "-unit" }));
      unitInput.options.forEach(function (o) { add(unitSel, h("option", { value: o.id }, present.unit(o.label))); });
      field.keys.push(inp.unit_field);
    } else if (alts.length) {
      unitSel = add(box, h("select", { "aria-label": inp.label + ": unit", name: id + "-unit" }));
      add(unitSel, h("option", { value: "" }, present.unit(inp.number.unit)));
      alts.forEach(function (a) { add(unitSel, h("option", { value: a.field }, present.unit(a.unit))); field.keys.push(a.field); });
    } else add(box, h("span", { class: "calc-unit" }, present.unit(inp.number.unit)));
    field.control = input;
    // The unit typed in when it is not the calculator's own (lb, in, /µL): its conversion is echoed.
    field.otherUnit = function () {
      if (!unitSel || !unitSel.value) return null;
      if (inp.unit_field !== null) return unitSel.value === inp.number.unit ? null : unitSel.value;
      return alts.filter(function (a) { return a.field === unitSel.value; })[0].unit;
    };
    field.started = function () { return input.value.trim() !== ""; };
    field.read = function (out) {
      if (inp.unit_field !== null) { out[inp.id] = input.value; out[inp.unit_field] = unitSel.value; }
      else out[unitSel && unitSel.value ? unitSel.value : inp.id] = input.value;
    };
  }

  function buildInput(form, p, inp, program, unitInputs, present) {
    var id = p + inp.id, row = h("div", { class: "calc-field", "data-input": inp.id }), field = { keys: [inp.id] };
    if (inp.type === "number") numberInput(row, id, inp, unitInputs, present, field);
    else if (inp.type === "yesno") {
      // Two segments. A required question starts with neither chosen and is sent as no
      // answer, never as "no" (a tick box left alone meant "not at risk" and the label's
      // full rate). An optional one starts at No, shown chosen: what the engine is sent.
      row = h("fieldset", { class: "calc-field calc-yesno", "data-input": inp.id });
      add(row, h("legend", {}, present(inp.label)));
      var segments = add(row, h("div", { class: "calc-segments" }));
      [["yes", program.text.yes], ["no", program.text.no]].forEach(function (o) {
        var seg = add(segments, h("label", {}));
        var radio = add(seg, h("input", { type: "radio", name: id, value: o[0] }));
        if (o[0] === "no" && inp.required === false) radio.checked = true;
        add(seg, h("span", {}, capital(o[1])));
      });
      field.control = segments;
      field.read = function (out) {
        var c = row.querySelector("input:checked");
        out[inp.id] = c ? c.value === "yes" : null;
      };
    } else {
      var c = choiceControl(row, id, inp, program, present);
      row = c.node; field.control = c.control || null;
      field.read = function (out) { out[inp.id] = c.read(); };
    }
    if (inp.help) add(row, h("p", { class: "calc-help", id: id + "-help" }, present(inp.help)));
    field.messages = add(row, h("div", { id: id + "-msg", "aria-live": "polite" }));
    if (field.control) field.control.setAttribute("aria-describedby", (inp.help ? id + "-help " : "") + id + "-msg");
    add(form, row);
    return field;
  }

  // ---------------------------------------------------------------- dose card
  function line(card, key, label, value, note, rate) {
    var row = add(card, h("div", { class: "calc-line" + (rate ? " calc-line--rate" : ""), "data-calc": key }));
    add(row, h("span", { class: "calc-label" }, label));
    add(row, h("span", { class: "calc-value" + (rate ? " calc-rate" : "") }, value));
    if (note) add(row, h("span", { class: "calc-note" }, note));
    return row;
  }
  function doseCard(result, program, out, given, present) {
    var dd = program.dose, s = dd.suffix, unit = dd.unit, display = program.display;
    // Infusions only (the program has an indication's infusion schedule to look up): a
    // syringe or tablet dose keeps its content headline, which says the route and interval.
    if (dd.indication === null || out["dispensed_dose_" + s] === undefined || out["dispensed_dose_" + s] === null) return null;
    var num = function (x, u) { return engine.fmt(x, display, u); };
    var tenth = function (x) { return engine.fmt(x, { "default": [1, null], by_unit: [] }, null); };
    var reg = dd.regimens.filter(function (r) { return r.id === out[dd.regimen_input]; })[0];
    var product = dd.products.filter(function (x) { return x.id === out[dd.product_input]; })[0];
    var card = add(result, h("div", { class: "calc-card", "data-calc": "card" }));
    var daily = out["dispensed_dose_" + s], course = out["dispensed_course_total_" + s];
    var give = num(daily, unit) + " " + unit + (out.days > 1 ? WORDS.aDay : "");
    var stem = dd.weight.replace(/_kg$/, ""), named = out[stem + "_basis"];
    var basis = say(WORDS.basis, { dose_text: reg ? reg.dose_text : "", weight: tenth(out[dd.weight]),
      basis: named ? say(WORDS.basisNamed, { name: named }) : WORDS.basisPlain });
    var exact = out["course_total_" + s], change = Math.abs(out.deviation_percent);
    var rounded = say(WORDS.exact, { exact: tenth(exact) + " " + unit }) + (num(change, "%") === "0" ? "" : "; " +
      say(out.deviation_percent < 0 ? WORDS.less : WORDS.more, { percent: num(change, "%"), presentations: engine_word(program, dd.presentation + "s") }));
    var notes = [basis, out.days > 1 ? say(WORDS.inAll, { course: num(course, unit) + " " + unit, days: out.days_text }) : out.days_text, rounded];
    line(card, "give", WORDS.dose, present(give), present(notes.join("; ")), false).classList.add("calc-line--dose");
    var strength = unit === "g" ? num(product.per_ml * 1000, null) + " mg/mL" : num(product.per_ml, null) + " " + unit + "/mL";
    line(card, "volume_ml", WORDS.volume, present(num(out.volume_per_dose_ml, "mL") + " mL" + (out.days > 1 ? WORDS.aDay : "")),
      present(say(WORDS.strength, { product: out.product_name, strength: strength })), false);
    var packs = (out[dd.presentation + "s"] || []).map(function (v) { return v.count + "\u00a0×\u00a0" + num(v["size_" + s], unit) + " " + unit; });
    var total = (out[dd.presentation + "s"] || []).reduce(function (n, v) { return n + v.count; }, 0);
    line(card, "presentations", capital(engine_word(program, dd.presentation + "s")), present(packs.join(", ")),
      "(" + total + " " + engine_word(program, dd.presentation + (total > 1 ? "s" : "")) + ")", false);
    var steps = out.infusion_steps || [];
    if (steps.length) {
      var first = steps[0], last = steps[steps.length - 1], risk = out.rate_at_risk === true, answered = dd.risk_input && given[dd.risk_input] === true;
      var riskInput = program.inputs.filter(function (i) { return i.id === dd.risk_input; })[0];
      line(card, "start_ml_per_h", WORDS.start, present(num(first.ml_per_h, "mL/h") + " mL/h"),
        present("(" + num(first.mg_per_kg_min, "mg/kg/min") + " mg/kg/min)"), true);
      // Which label the maximum is from ("US label, ITP"): labels differ between regions (review 3, W5).
      var which = product.schedule && product.schedule.label ? say(WORDS.which, { label: product.schedule.label }) : "";
      var why = riskInput ? say(risk ? (answered ? WORDS.atRisk : WORDS.riskFound) : WORDS.noRisk, { rate: num(last.mg_per_kg_min, "mg/kg/min"), risk: "“" + riskInput.label + "”", which: which })
        : num(last.mg_per_kg_min, "mg/kg/min") + " mg/kg/min";
      // The ceiling is not a rate to set: plain, smaller and worded as a limit, never in the
      // start rate's box (a nurse looking for "the rate in the box" must find only the start).
      var limit = last.maximum ? line(card, "max_ml_per_h", WORDS.max, present(num(last.ml_per_h, "mL/h") + " mL/h"), present(why), false)
        : line(card, "max_ml_per_h", WORDS.held, WORDS.heldValue, present(say(WORDS.heldWhy, { ceiling: num(out.ceiling_ml_per_h, "mL/h") + " mL/h" })), false);
      limit.className += " calc-line--limit" + (risk ? " calc-line--at-risk" : "") + (last.maximum ? "" : " calc-line--held");
      // A risk the calculator itself found (age, BMI) against a "No": said by the maximum it
      // lets through (bedside review 3, D1), not only under the question far above.
      card.shownWarnings = out.warnings.filter(function (m) { return m.field === dd.risk_input; });
      card.shownWarnings.forEach(function (m) {
        add(limit, h("p", { class: "calc-msg calc-warning", "data-calc": "risk-warning" }, present(m.message)));
      });
    }
    return card;
  }
  function engine_word(program, key) { return program.text[key] || key; }

  // ---------------------------------------------------------------- decision box
  function decisionBox(result, program, out, present) {
    var severity = (out.actions || []).indexOf("emergency-pathway") >= 0 ? "alert" : out.not_covered ? "caution" : "result";
    var box = add(result, h("div", { class: "calc-decision calc-decision--" + severity, role: severity === "alert" ? "alert" : null }));
    var summary = {};
    out.summary.forEach(function (x) { summary[x.id] = x.text; });
    var tag = h("p", { class: "calc-tag", "data-calc": "grade" }, present(summary.grade));
    var rec = add(box, h("div", { class: "calc-recommendation", "data-calc": "recommendation", "data-pathway": out.pathway || null }));
    var text = present(summary.recommendation || "");
    // An emergency is headed by its first sentence (what to do before anything else), then
    // one numbered line per sentence of the content's action; the grade comes after, small.
    var sentences = severity === "alert" ? text.split(/\. (?=[A-Z])/).map(function (x, i, all) {
      return i < all.length - 1 ? x + "." : x;
    }) : [text];
    var target = out.link ? linkTo(out.link) : null;
    if (sentences.length > 1) {
      add(rec, h("p", { class: "calc-alert-head" }, sentences[0]));
      var ol = add(rec, h("ol", { class: "calc-actions" }));
      sentences.slice(1).forEach(function (s) { add(ol, h("li", {}, s)); });
      // The emergency section is the last step, as a link in the list (bedside review 4, W4),
      // not a step in words and a button named otherwise below it.
      if (target) add(add(ol, h("li", {})), h("a", { class: "calc-link", href: target.href, "data-calc": "pathway-link" }, say(WORDS.follow, { title: target.title })));
      target = null;
      add(box, tag);
    } else {
      box.insertBefore(tag, rec);
      add(rec, h("p", {}, text));
    }
    var meta = add(box, h("p", { class: "calc-evidence" }));
    if (summary.evidence) {
      meta.appendChild(document.createTextNode(program.text.evidence + ": "));
      add(meta, h("span", { "data-calc": "evidence" }, summary.evidence));
    }
    // The doses in the box are the content's, cited as the content cites them.
    var labels = (out.citations || []).map(function (c) { return c.label; });
    if (labels.length) add(box, h("p", { class: "calc-cite", "data-calc": "citations" }, WORDS.cited + labels.join("; ")));
    // The pathway first (in an emergency it is the red bundle), then the dose calculator.
    var links = add(box, h("p", { class: "calc-links" }));
    if (target) add(links, h("a", { class: "calc-link", href: target.href }, say(WORDS.open, { title: target.title })));
    var dose = (out.actions || []).indexOf("ivig") >= 0 ? doseCalculatorOf(program) : null;
    if (dose) add(links, h("a", { class: "calc-link calc-link--dose", href: "#" + dose.id, "data-calc": "dose-link" }, say(WORDS.calculate, { title: dose.title })));
    return box;
  }
  // A cell that gives IVIG (the model's controlled action "ivig") links to the dose
  // calculator of the same topic on this page, so the dose is one tap away.
  function doseCalculatorOf(program) {
    var els = document.querySelectorAll("[data-md-component='calculator'][data-calculator]");
    for (var i = 0; i < els.length; i++) {
      // The calculator's heading carries its id (sections/calculators.md.j2).
      var other = programOf(els[i].getAttribute("data-calculator"));
      if (other && other.dose && other.topic === program.topic && document.getElementById(other.id)) return { id: other.id, title: other.title };
    }
    return null;
  }
  // A cell's link is a topic id (with an optional #anchor); the page links that topic
  // elsewhere (the decision table, the references), so its address is read from there,
  // whatever the build (directory URLs over http, .html files from file://).
  function linkTo(link) {
    var id = link.split("#")[0], anchor = link.indexOf("#") >= 0 ? "#" + link.split("#")[1] : "";
    var pattern = new RegExp("(^|/)" + id.replace(/[.*+?^${}()|[\]\\]/g, "\\$&") + "(/|/index\\.html|\\.html)?$");
    var links = document.querySelectorAll(".md-content a[href], .md-nav a[href]");
    for (var i = 0; i < links.length; i++) {
      var a = links[i], path = a.pathname || "";
      if (a.closest(".calc") || !pattern.test(path)) continue;
      var title = (a.closest(".md-nav") ? a.textContent : "") || a.title || a.textContent;
      return { href: a.href.split("#")[0] + anchor, title: title.replace(/\s+/g, " ").trim() };
    }
    return null;
  }

  // ---------------------------------------------------------------- live bar
  function liveBar(el, form, result) {
    var bar = add(document.body, h("div", { class: "calc-bar", hidden: "", "aria-hidden": "true" }));
    bar.calcOwner = el;
    var focused = false, resultSeen = false;
    function place() {
      // Above the on-screen keyboard: the visual viewport is what the reader sees.
      var vv = root.visualViewport, lift = vv ? Math.max(0, root.innerHeight - vv.height - vv.offsetTop) : 0;
      bar.style.transform = lift ? "translateY(" + (-lift) + "px)" : "";
    }
    var pending = null;
    function clear() {
      // The typed-in field and its hint stay above the bar (second bedside look: the bar
      // covered the Age hint); the page keeps that room for any later scroll into view.
      // Text boxes only, and a moment after focus: scrolling while a tap on a radio or a
      // segment is still under way would move its target away from the finger.
      pending = null;
      var html = document.documentElement, active = document.activeElement;
      var row = active && form.contains(active) && active.type === "text" ? active.closest(".calc-field") : null;
      if (bar.hidden || !row) { html.style.scrollPaddingBottom = ""; return; }
      var top = bar.getBoundingClientRect().top, box = row.getBoundingClientRect();
      html.style.scrollPaddingBottom = Math.ceil(root.innerHeight - top) + "px";
      var over = Math.min(box.bottom + 8 - top, box.top - 8);  // never push its label off the top
      if (over > 0) root.scrollBy({ top: over, behavior: "instant" });
    }
    function show() {
      bar.hidden = !(focused && !resultSeen);
      if (!bar.hidden) place();
      if (pending === null) pending = root.setTimeout(clear, 250);
    }
    form.addEventListener("focusin", function () { focused = true; show(); });
    form.addEventListener("focusout", function (e) { focused = !!(e.relatedTarget && form.contains(e.relatedTarget)); show(); });
    if (root.IntersectionObserver) {
      new IntersectionObserver(function (entries) {
        resultSeen = entries[entries.length - 1].isIntersecting; show();
      }, { threshold: 0.01 }).observe(result);
    }
    if (root.visualViewport) root.visualViewport.addEventListener("resize", show);
    bar.addEventListener("click", function () { result.scrollIntoView({ block: "center" }); });
    return function (parts, missing) {
      bar.textContent = "";
      if (!parts) {
        add(bar, h("span", { class: "calc-bar-wait" }, missing ? say(WORDS.barMissing, { message: missing }) : WORDS.barWait));
        return show();
      }
      parts.forEach(function (p) {
        var item = add(bar, h("span", { class: "calc-bar-item" + (p[2] ? " calc-rate" : "") + (p[4] ? " " + p[4] : "") }));
        add(item, h("span", { class: "calc-bar-label" }, p[0]));
        item.appendChild(document.createTextNode(" " + p[1]));
        if (p[3]) add(item, h("span", { class: "calc-bar-note" }, " " + p[3]));
      });
      show();
    };
  }

  // ---------------------------------------------------------------- mount
  function mount(el) {
    if (el.getAttribute("data-calculator-mounted")) return;
    el.setAttribute("data-calculator-mounted", "1");
    var program = programOf(el.getAttribute("data-calculator"));
    // Fetched when needed (need()): a connection lost since the page came must say so.
    if (!program || !engine || program.engine !== engine.version) {
      el.textContent = "Calculator unavailable: its program did not load. Reload the page; if this persists, use the dose tables.";
      return;
    }
    var T = program.text, p = "calc" + (++counter) + "-", fields = [], byKey = {}, unitInputs = {}, present = presenter(program);
    var review = el.getAttribute("data-calculator-status"), reviewLabel = el.getAttribute("data-calculator-status-label");
    program.inputs.forEach(function (i) {
      program.inputs.forEach(function (n) { if (n.unit_field === i.id) unitInputs[i.id] = i; });
    });
    el.classList.add("calc");
    var form = add(el, h("form", { class: "calc-form", novalidate: "" }));
    form.addEventListener("submit", function (e) { e.preventDefault(); });
    program.inputs.forEach(function (inp) {
      if (unitInputs[inp.id]) return;  // drawn as the unit select of its number
      var f = buildInput(form, p, inp, program, unitInputs, present);
      fields.push(f);
      f.keys.forEach(function (k) { byKey[k] = f; });
    });
    var status = add(el, h("div", { class: "calc-status", role: "status", "aria-live": "polite" }));
    var result = add(el, h("div", { class: "calc-result", "aria-live": "polite" }));
    var details = add(el, h("details", { class: "calc-working" }));
    add(details, h("summary", {}, program.dose ? WORDS.how : T.working));
    var workSummary = add(details, h("div", {}));
    var workList = add(details, h("ol", {}));
    var sources = add(el, h("details", { class: "calc-sources" }));
    add(sources, h("summary", {}, T.sources));
    var srcList = add(sources, h("ul", {}));
    Object.keys(program.references).forEach(function (id) {
      var ref = program.references[id], li = add(srcList, h("li", { id: p + "ref-" + id }));
      if (ref.url && /^https?:\/\//.test(ref.url)) add(li, h("a", { href: ref.url }, ref.text));
      else li.textContent = ref.text;
    });
    var first = fields.filter(function (f) { return f.started; })[0];
    // While the form is in use, Material's back-to-top button stays out of the way (handbook.css).
    form.addEventListener("focusin", function () { document.documentElement.setAttribute("data-hb-calc-in-use", ""); });
    form.addEventListener("focusout", function (e) {
      if (!(e.relatedTarget && form.contains(e.relatedTarget))) document.documentElement.removeAttribute("data-hb-calc-in-use");
    });
    var showBar = program.dose ? liveBar(el, form, result) : null;

    function render(out, given) {
      var stepped = (out.infusion_steps || []).some(function (x) { return x.minutes; });
      var card = program.dose ? doseCard(result, program, out, given, present) : null;
      var box = !card && program.decision && out.summary.length ? decisionBox(result, program, out, present) : null;
      // The content's headline is the card or the box in one sentence: shown when neither is.
      if (out.headline && !card && !box) add(result, h("p", { class: "calc-headline", "data-calc": "headline" }, present(out.headline)));
      if (out.steps.length) {
        var ol = add(result, h("ol", { class: "calc-steps" }));
        var timed = out.shortest_infusion_text ? say(T.step_time || "", { time: out.shortest_infusion_text }) : null;
        out.steps.forEach(function (s) {
          var said = s === timed ? say(stepped ? WORDS.atLeastSteps : WORDS.atLeast, { time: out.shortest_infusion_text }) : s;
          add(ol, h("li", { "data-calc": "step" }, present(said)));
        });
      }
      var cautions = card ? out.warnings.filter(function (m) { return (card.shownWarnings || []).indexOf(m) < 0; }) : [];
      if (cautions.length) {
        var ul = add(result, h("ul", { class: "calc-cautions" }));
        cautions.forEach(function (m) { add(ul, h("li", {}, present(m.message))); });
      }
      // The page's review status inside the answer itself (a reader may jump straight here).
      if (review) add(card || box || result, h("p", { class: "calc-review", "data-calc": "review" }, review));
      if (!box) {
        var dl = add(card ? workSummary : result, h("dl", { class: "calc-summary" }));
        out.summary.forEach(function (s) {
          add(dl, h("dt", {}, present(s.label)));
          add(dl, h("dd", { "data-calc": s.id }, present(s.text)));
        });
      }
      out.working.forEach(function (w) { add(workList, h("li", {}, present(w))); });
      if (showBar && card) {
        var start = card.querySelector("[data-calc=start_ml_per_h] .calc-value"), ceiling = card.querySelector(".calc-line--at-risk");
        showBar([[WORDS.barDose, card.querySelector(".calc-line--dose .calc-value").textContent, false]]
          .concat(start ? [[WORDS.barStart, start.textContent, true]] : [])
          .concat(out.shortest_infusion_text ? [[WORDS.barTime, present(out.shortest_infusion_text), false, stepped ? WORDS.barTimeSteps : WORDS.barTimeNote]] : [])
          // The at-risk ceiling as the card says it (none when the start rate is held).
          .concat(ceiling ? [[WORDS.barMaxRisk, ceiling.classList.contains("calc-line--held") ? WORDS.barNoMax
            : ceiling.querySelector(".calc-value").textContent, false, null, "calc-bar-check"]]
            : card.shownWarnings && card.shownWarnings.length ? [[WORDS.barCheck, WORDS.barCheckRisk, false, null, "calc-bar-check"]] : [])
          .concat(reviewLabel ? [[WORDS.barStatus, "(" + reviewLabel + ")", false, null, "calc-bar-status"]] : []));
      } else if (showBar) showBar(null);
    }

    function update() {
      var given = {};
      fields.forEach(function (f) { f.read(given); f.messages.textContent = ""; if (f.control) f.control.removeAttribute("aria-invalid"); });
      status.textContent = ""; result.textContent = ""; workList.textContent = ""; workSummary.textContent = "";
      if (first && !first.started()) { if (showBar) showBar(null); return; }
      var out = engine.compute(program, given);
      out.errors.concat(out.warnings).forEach(function (m, i) {
        var isError = i < out.errors.length, f = byKey[m.field];
        add(f ? f.messages : status, h("p", { class: "calc-msg " + (isError ? "calc-error" : "calc-warning") }, present(m.message)));
        if (isError && f && f.control) f.control.setAttribute("aria-invalid", "true");
      });
      // The bar names what stops the result: its message under the field may be behind the bar.
      if (!out.ok) { if (showBar) showBar(null, out.errors.length ? present(out.errors[0].message) : null); return; }
      render(out, given);
      // "96 lb = 43.54 kg" under the field: the engine's own conversion, from its working.
      fields.forEach(function (f) {
        var unit = f.otherUnit && f.otherUnit(), said = unit && out.working.filter(function (w) {
          return w.split(" = ").length === 2 && w.split(" = ")[0].slice(-unit.length - 1) === " " + unit;
        })[0];
        if (said) add(f.messages, h("p", { class: "calc-echo", "data-calc": "converted" }, present(said)));
      });
    }
    form.addEventListener("input", update);
    form.addEventListener("change", update);
    update();
  }

  function same(a, b) {
    if (a === b) return true;
    if (!a || !b || typeof a !== "object" || typeof b !== "object" || Array.isArray(a) !== Array.isArray(b)) return false;
    var ka = Object.keys(a), kb = Object.keys(b);
    return ka.length === kb.length && ka.every(function (k) { return k in b && same(a[k], b[k]); });
  }
  // Each program is a script of its own (shared by every page showing it), loaded before this one.
  function programOf(id) {
    var programs = root.HB_CALCULATORS || {};
    return Object.prototype.hasOwnProperty.call(programs, id) ? programs[id] : null;
  }
  function validate(table) {
    if (table.getAttribute("data-calc-checked") || !engine) return;
    table.setAttribute("data-calc-checked", "1");
    var program = programOf(table.getAttribute("data-calc-validation"));
    if (!program) return;  // the cells keep saying "needs JavaScript"
    table.querySelectorAll("tr[data-inputs]").forEach(function (tr) {
      var js = JSON.parse(JSON.stringify(engine.compute(program, JSON.parse(tr.getAttribute("data-inputs")))));
      var ok = same(js, JSON.parse(tr.getAttribute("data-python")));
      var cell = tr.querySelector("td[data-js]");
      cell.textContent = ok ? "identical to the Python engine" : "DIFFERS from the Python engine";
      cell.setAttribute("data-js", ok ? "same" : "different");
    });
  }
  // The engine and a calculator's program are fetched when the calculator is first
  // needed, not with the page: they were most of a topic page's script bytes. The page
  // lists its programs' addresses (script#hb-programs, theme/overrides/main.html); one
  // already on the page (a script tag) is used as it is.
  var scripts = {};
  function load(src, done) {
    var state = scripts[src];
    if (state === true) return done();
    if (state) return state.push(done);
    scripts[src] = [done];
    var tag = document.createElement("script");
    tag.src = src;
    tag.onload = tag.onerror = function () {  // a failed program says so where the form would be
      var waiting = scripts[src];
      scripts[src] = true;
      waiting.forEach(function (callback) { callback(); });
    };
    document.head.appendChild(tag);
  }
  function programSrc(id) {
    var listed = document.getElementById("hb-programs"), srcs = listed ? JSON.parse(listed.textContent) : [];
    return srcs.filter(function (src) { return src.split("/").pop().split(".")[0] === id; })[0] || null;
  }
  function need(id, then) {
    var parts = [], left, src = programSrc(id);
    if (!root.HandbookCalc && ENGINE_SRC) parts.push(ENGINE_SRC);
    if (!programOf(id) && src) parts.push(src);
    left = parts.length;
    var ready = function () { engine = root.HandbookCalc; then(); };
    if (!left) return ready();
    parts.forEach(function (src) { load(src, function () { if (--left === 0) ready(); }); });
  }

  // A calculator mounts when the reader comes within a screen of it (at once when it is
  // on screen): building a form makes the browser lay the page out again, and while a
  // long topic page loaded on a phone that was most of the work left.
  var nearScreen = root.IntersectionObserver ? new root.IntersectionObserver(function (entries) {
    entries.forEach(function (entry) {
      if (!entry.isIntersecting) return;
      nearScreen.unobserve(entry.target);
      // Each form is built in a task of its own: two calculators that come into view
      // together would otherwise hold the main thread in one long task.
      need(entry.target.getAttribute("data-calculator"), function () {
        setTimeout(function () { mountInPlace(entry.target); }, 0);
      });
    });
  }, { rootMargin: "100% 0px" }) : null;

  // A calculator mounts when it comes within a screen, so often above what the reader is
  // looking at: its form then pushed that down by the form's height (1,300 px: the jump
  // link to the dose calculator landed on the grade calculator's form, which mounted just
  // above the heading it had scrolled to). Chromium's scroll anchoring did not hold the
  // page here, so when the calculator starts above the screen or under the header, the
  // page is scrolled by what it grew, with the browser's own anchoring off for that frame
  // (no browser corrects the same growth twice).
  function mountInPlace(el) {
    var header = document.querySelector(".md-header");
    var top = header ? header.getBoundingClientRect().bottom : 0;
    if (el.getBoundingClientRect().top > top) return mount(el);
    // What follows the calculator (its margins included) shows how far the form pushed it:
    // the next element that has a box (not the <noscript> tables after the dose calculator).
    var next = el.nextElementSibling;
    while (next && !next.getClientRects().length) next = next.nextElementSibling;
    next = next || el.parentNode;
    var style = document.documentElement.style, before = next.getBoundingClientRect().top;
    style.overflowAnchor = "none";
    mount(el);
    var grown = next.getBoundingClientRect().top - before;
    if (grown) root.scrollBy(0, grown);
    root.requestAnimationFrame(function () { root.requestAnimationFrame(function () { style.overflowAnchor = ""; }); });
  }

  function mountAll() {
    // Bars of calculators that instant navigation took off the page go with them.
    if (!document.querySelector(".calc-form :focus")) document.documentElement.removeAttribute("data-hb-calc-in-use");
    document.querySelectorAll(".calc-bar").forEach(function (bar) {
      if (!document.contains(bar.calcOwner)) bar.parentNode.removeChild(bar);
    });
    var els = document.querySelectorAll("[data-md-component='calculator'][data-calculator]");
    Array.prototype.forEach.call(els, function (el) {
      if (nearScreen) nearScreen.observe(el);
      else need(el.getAttribute("data-calculator"), function () { mount(el); });
    });
    document.querySelectorAll("table[data-calc-validation]").forEach(function (table) {
      need(table.getAttribute("data-calc-validation"), function () { validate(table); });
    });
  }

  root.HandbookCalculator = { mount: mount, mountAll: mountAll };
  // Material's instant navigation swaps pages without a load event; document$ announces
  // each one. It may be defined after this script runs, so look again once the DOM is ready.
  var hooked = false;
  var start = function () {
    mountAll();
    if (!hooked && root.document$ && root.document$.subscribe) { hooked = true; root.document$.subscribe(mountAll); }
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})(this);
