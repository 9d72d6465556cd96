/* The calculator form: mounts every [data-md-component=calculator] from its compiled
   program (self.HB_CALCULATORS[data-calculator], set by the program's own script) and
   renders the engine's result (calc-engine.js, loaded first) generically: the headline,
   the steps, the summary, then the working. Messages are shown under the field they
   concern. No number is formatted here: every string the reader sees comes from the
   engine, i.e. from content.

   Class names (theme/assets/stylesheets/calculator.css styles them):
     calc               the mounted calculator
     calc-form          the form; calc-field one input (data-input=<id>), calc-input the
                        control with its unit (calc-unit text or a unit select), calc-help,
                        calc-radios (fieldset of radio labels), calc-check (a checkbox label)
     calc-msg           a message under a field, with calc-error or calc-warning
     calc-status        role=status region: messages that concern no field
     calc-result        the answer: calc-headline (p), calc-steps (ol > li),
                        calc-summary (dl > dt/dd, dd[data-calc=<id>]), calc-recommendation (dd)
     calc-working       details > ol of the arithmetic
     calc-sources       details > ul of the references
   On a validation page (table[data-calc-validation]) it fills each vector's JavaScript cell
   (td[data-js]) with this browser's result of the engine, compared with the Python one. */
(function (root) {
  "use strict";
  var engine = root.HandbookCalc, counter = 0;

  function h(tag, attrs, text) {
    var node = document.createElement(tag);
    for (var k in attrs) if (attrs[k] !== null && attrs[k] !== undefined) node.setAttribute(k, attrs[k]);
    if (text !== undefined) node.textContent = text;
    return node;
  }
  function add(parent, child) { parent.appendChild(child); return child; }
  function choiceControl(box, id, inp, program) {
    // Regimens and products are lists to pick from (the first regimen preselected, as the
    // page always did); other short choices are radios the reader must tick.
    var listed = program.dose && (inp.id === program.dose.regimen_input || inp.id === program.dose.product_input);
    var radios = !listed && inp.options.length <= 4 && !inp.empty_label;
    if (radios) {
      var set = h("fieldset", { class: "calc-field calc-radios", "data-input": inp.id });
      add(set, h("legend", {}, inp.label));
      inp.options.forEach(function (o) {
        var label = add(set, h("label", {}));
        add(label, h("input", { type: "radio", name: id, value: o.id }));
        label.appendChild(document.createTextNode(" " + o.label));
      });
      return { node: set, read: function () { var c = set.querySelector("input:checked"); return c ? c.value : null; } };
    }
    var sel = h("select", { id: id, name: id });
    if (!listed || inp.empty_label) add(sel, h("option", { value: "" }, inp.empty_label || "—"));
    inp.options.forEach(function (o) { add(sel, h("option", { value: o.id }, o.label)); });
    add(box, h("label", { for: id }, inp.label));
    add(box, sel);
    return { node: box, control: sel, read: function () { return sel.value || null; } };
  }

  function buildInput(form, p, inp, program, unitInputs) {
    var id = p + inp.id, row = h("div", { class: "calc-field", "data-input": inp.id }), field = { keys: [inp.id] };
    if (inp.type === "number") {
      add(row, h("label", { for: id }, inp.label));
      var box = add(row, h("div", { class: "calc-input" }));
      var input = add(box, h("input", { id: id, name: id, type: "text", inputmode: "decimal", autocomplete: "off" }));
      var alts = inp.alternatives.filter(function (a) { return a.field !== null; }), unitSel = null;
      if (inp.unit_field !== null) {
        var unitInput = unitInputs[inp.unit_field];
        unitSel = add(box, h("select", { "aria-label": unitInput.label, name: id + "-unit" }));
        unitInput.options.forEach(function (o) { add(unitSel, h("option", { value: o.id }, o.label)); });
        field.keys.push(inp.unit_field);
      } else if (alts.length) {
        unitSel = add(box, h("select", { "aria-label": inp.label + ": unit", name: id + "-unit" }));
        add(unitSel, h("option", { value: "" }, inp.number.unit));
        alts.forEach(function (a) { add(unitSel, h("option", { value: a.field }, a.unit)); field.keys.push(a.field); });
      } else add(box, h("span", { class: "calc-unit" }, inp.number.unit));
      field.control = input;
      field.started = function () { return input.value.trim() !== ""; };
      field.read = function (out) {
        if (inp.unit_field !== null) { out[inp.id] = input.value; out[inp.unit_field] = unitSel.value; }
        else out[unitSel && unitSel.value ? unitSel.value : inp.id] = input.value;
      };
    } else if (inp.type === "yesno") {
      row.className = "calc-field calc-check";
      var lab = add(row, h("label", {})), box2 = add(lab, h("input", { type: "checkbox", id: id }));
      lab.appendChild(document.createTextNode(" " + inp.label));
      field.control = box2;
      field.read = function (out) { out[inp.id] = box2.checked; };
    } else {
      var c = choiceControl(row, id, inp, program);
      row = c.node; field.control = c.control || null;
      field.read = function (out) { out[inp.id] = c.read(); };
    }
    if (inp.help) add(row, h("p", { class: "calc-help", id: id + "-help" }, inp.help));
    field.messages = add(row, h("div", { id: id + "-msg", "aria-live": "polite" }));
    if (field.control) field.control.setAttribute("aria-describedby", (inp.help ? id + "-help " : "") + id + "-msg");
    add(form, row);
    return field;
  }

  function mount(el) {
    if (el.getAttribute("data-calculator-mounted") || !engine) return;
    el.setAttribute("data-calculator-mounted", "1");
    var program = programOf(el.getAttribute("data-calculator"));
    if (!program) {
      el.textContent = "Calculator unavailable: its program did not load. Reload the page; if this persists, use the dose tables.";
      return;
    }
    var T = program.text, p = "calc" + (++counter) + "-", fields = [], byKey = {}, unitInputs = {};
    program.inputs.forEach(function (i) {
      program.inputs.forEach(function (n) { if (n.unit_field === i.id) unitInputs[i.id] = i; });
    });
    el.classList.add("calc");
    var form = add(el, h("form", { class: "calc-form", novalidate: "" }));
    form.addEventListener("submit", function (e) { e.preventDefault(); });
    program.inputs.forEach(function (inp) {
      if (unitInputs[inp.id]) return;  // drawn as the unit select of its number
      var f = buildInput(form, p, inp, program, unitInputs);
      fields.push(f);
      f.keys.forEach(function (k) { byKey[k] = f; });
    });
    var status = add(el, h("div", { class: "calc-status", role: "status", "aria-live": "polite" }));
    var result = add(el, h("div", { class: "calc-result", "aria-live": "polite" }));
    var details = add(el, h("details", { class: "calc-working" }));
    add(details, h("summary", {}, T.working));
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

    function update() {
      var given = {};
      fields.forEach(function (f) { f.read(given); f.messages.textContent = ""; if (f.control) f.control.removeAttribute("aria-invalid"); });
      status.textContent = ""; result.textContent = ""; workList.textContent = "";
      if (first && !first.started()) return;
      var out = engine.compute(program, given);
      out.errors.concat(out.warnings).forEach(function (m, i) {
        var isError = i < out.errors.length, f = byKey[m.field];
        add(f ? f.messages : status, h("p", { class: "calc-msg " + (isError ? "calc-error" : "calc-warning") }, m.message));
        if (isError && f && f.control) f.control.setAttribute("aria-invalid", "true");
      });
      if (!out.ok) return;
      if (out.headline) add(result, h("p", { class: "calc-headline", "data-calc": "headline" }, out.headline));
      if (out.steps.length) {
        var ol = add(result, h("ol", { class: "calc-steps" }));
        out.steps.forEach(function (s) { add(ol, h("li", { "data-calc": "step" }, s)); });
      }
      var dl = add(result, h("dl", { class: "calc-summary" }));
      out.summary.forEach(function (s) {
        add(dl, h("dt", {}, s.label));
        var dd = add(dl, h("dd", { "data-calc": s.id }, s.text));
        if (s.id === "recommendation") {
          dd.className = "calc-recommendation";
          if (out.pathway) dd.setAttribute("data-pathway", out.pathway);
        }
      });
      out.working.forEach(function (line) { add(workList, h("li", {}, line)); });
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
  function mountAll() {
    var els = document.querySelectorAll("[data-md-component='calculator'][data-calculator]");
    for (var i = 0; i < els.length; i++) mount(els[i]);
    var tables = document.querySelectorAll("table[data-calc-validation]");
    for (var j = 0; j < tables.length; j++) validate(tables[j]);
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
