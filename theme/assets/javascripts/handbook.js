/* Handbook page behaviour: audience toggle (clinician / patient and family) and
 * review-date flags. A classic script loaded in <head>: it works from file://,
 * needs no server and writes no author text as HTML.
 */
(function () {
  "use strict";

  /* The patient and family view lasts for the browser session (sessionStorage): on a
   * shared ward phone the next clinician must not find the doses hidden. A choice an
   * earlier version kept for ever (localStorage, same key) is removed. */
  var STORAGE_KEY = "handbook.audience";
  var AUDIENCES = ["clinician", "patient"];
  var root = document.documentElement;

  function readAudience() {
    try {
      window.localStorage.removeItem(STORAGE_KEY);
      var stored = window.sessionStorage.getItem(STORAGE_KEY);
      return AUDIENCES.indexOf(stored) >= 0 ? stored : "clinician";
    } catch (error) {
      return "clinician"; // storage blocked (privacy mode): default, never fail
    }
  }

  function applyAudience(audience) {
    root.setAttribute("data-hb-audience", audience);
    var buttons = document.querySelectorAll("[data-hb-audience-toggle] [data-hb-audience-set]");
    for (var i = 0; i < buttons.length; i++) {
      buttons[i].setAttribute("aria-pressed", audience === "patient" ? "true" : "false");
    }
  }

  function setAudience(audience) {
    try {
      window.sessionStorage.setItem(STORAGE_KEY, audience);
    } catch (error) {
      /* the choice then lasts for this page only */
    }
    applyAudience(audience);
    document.dispatchEvent(new CustomEvent("handbook:audience", { detail: { audience: audience } }));
  }

  /* The header switch toggles; the banner's button (and any data-hb-audience-set="clinician"
   * or "patient") sets a view. One delegated listener serves both. */
  function mountAudienceSwitches() {
    document.addEventListener("click", function (event) {
      var button = event.target.closest && event.target.closest("[data-hb-audience-set]");
      if (!button) return;
      var wanted = button.getAttribute("data-hb-audience-set");
      if (wanted === "toggle") wanted = root.getAttribute("data-hb-audience") === "patient" ? "clinician" : "patient";
      if (AUDIENCES.indexOf(wanted) >= 0) setAudience(wanted);
    });
  }

  /* A review date is judged when the page is read, not when it was built. */
  function mountReviewDue(el) {
    var due = el.getAttribute("data-hb-due");
    if (!/^\d{4}-\d{2}-\d{2}$/.test(due || "")) return;
    var today = new Date().toISOString().slice(0, 10);
    if (due < today) {
      el.classList.add("hb-overdue");
      var flag = document.createElement("strong");
      flag.className = "hb-overdue__flag";
      flag.textContent = " (overdue)";
      el.appendChild(flag);
    }
  }

  /* Glossary abbreviations (<abbr title>): a tap or Enter shows the expansion
   * after the word, a second tap hides it. One delegated listener instead of
   * Material's content.tooltips, which mounts a tooltip on every titled element
   * at load (about 90 ms of a phone's main thread on a long topic page). */
  function toggleAbbr(abbr) {
    var open = abbr.nextSibling && abbr.nextSibling.className === "hb-abbr-tip";
    if (open) {
      abbr.parentNode.removeChild(abbr.nextSibling);
    } else {
      var tip = document.createElement("span");
      tip.className = "hb-abbr-tip";
      tip.setAttribute("role", "note");
      tip.textContent = " (" + abbr.getAttribute("title") + ")";
      abbr.parentNode.insertBefore(tip, abbr.nextSibling);
    }
  }

  function mountAbbreviations() {
    document.addEventListener("click", function (event) {
      var abbr = event.target.closest && event.target.closest("abbr[title]");
      if (abbr) toggleAbbr(abbr);
    });
    document.addEventListener("keydown", function (event) {
      if (event.key !== "Enter" && event.key !== " ") return;
      var abbr = event.target.closest && event.target.closest("abbr[title]");
      if (!abbr) return;
      event.preventDefault();
      toggleAbbr(abbr);
    });
  }

  /* Citation marks: a tap on "[1–4]" opens the list of those references in a panel at
   * the bottom of the screen (no jump away from the text being read); Escape, the close
   * button or a tap elsewhere closes it and returns focus to the mark. The entries are
   * copies of the page's own reference list (cloneNode: no author text as HTML). */
  var openPanel = null;

  function closeReferences() {
    if (!openPanel) return;
    var panel = openPanel;
    openPanel = null;
    panel.parentNode.removeChild(panel);
    if (panel.__mark) panel.__mark.focus();
  }

  function referenceEntry(number) {
    var source = document.getElementById("ref-" + number);
    if (!source) return null;
    var item = document.createElement("li");
    item.value = Number(number);
    item.setAttribute("data-hb-ref", number);
    for (var node = source.firstChild; node; node = node.nextSibling) {
      if (node.nodeType === 1 && node.classList.contains("hb-backlinks")) continue;
      item.appendChild(node.cloneNode(true));
    }
    return item;
  }

  function openReferences(mark) {
    closeReferences();
    var numbers = (mark.getAttribute("data-hb-refs") || "").split(" ");
    var panel = document.createElement("div");
    panel.className = "hb-refpanel md-typeset";
    panel.setAttribute("role", "dialog");
    panel.setAttribute("aria-label", mark.getAttribute("aria-label") || "References");
    panel.tabIndex = -1;
    var list = document.createElement("ol");
    list.className = "hb-refpanel__list";
    numbers.forEach(function (number) {
      var entry = referenceEntry(number);
      if (entry) list.appendChild(entry);
    });
    var close = document.createElement("button");
    close.type = "button";
    close.className = "hb-refpanel__close";
    close.textContent = "Close";
    close.addEventListener("click", closeReferences);
    panel.appendChild(close);
    panel.appendChild(list);
    panel.__mark = mark;
    document.body.appendChild(panel);
    openPanel = panel;
    panel.focus();
  }

  function mountCitations() {
    document.addEventListener("click", function (event) {
      var mark = event.target.closest && event.target.closest("a.hb-cite[data-hb-refs]");
      if (mark) {
        event.preventDefault();
        openReferences(mark);
      } else if (openPanel && !openPanel.contains(event.target)) {
        closeReferences();
      }
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape") closeReferences();
    });
  }

  /* A number and its unit are one thing to the reader: "180.63 mL/h" must never end one
   * line with "180.63" and start the next with "mL/h". The calculators write plain text
   * (calculator.js, textContent); each number-unit pair they write is wrapped here in
   * <span class="calc-qty"> (white-space: nowrap in calculator.css). The text itself is
   * unchanged, and a pair the calculator already marked is left alone. */
  var QUANTITY = new RegExp(
    "\\d+(?:\\.\\d+)?[ \\u00a0\\u202f]?" +
      "(?:[×x]10(?:⁹|\\^9)/L|/[uµ]L|mg/kg/min|mg/kg/day|mg/kg|mL/h|mL|kg/m²|g/kg|g/mL|kg|g|cm|in|lb|min|mg)" +
      "(?![\\w/²⁹^])",
    "g"
  );

  function wrapQuantities(text) {
    var data = text.data, last = 0, match, pieces = [];
    QUANTITY.lastIndex = 0;
    while ((match = QUANTITY.exec(data))) {
      if (match.index > last) pieces.push(document.createTextNode(data.slice(last, match.index)));
      var pair = document.createElement("span");
      pair.className = "calc-qty";
      pair.textContent = match[0];
      pieces.push(pair);
      last = match.index + match[0].length;
    }
    if (!pieces.length) return;
    if (last < data.length) pieces.push(document.createTextNode(data.slice(last)));
    for (var i = 0; i < pieces.length; i++) text.parentNode.insertBefore(pieces[i], text);
    text.parentNode.removeChild(text);
  }

  function keepQuantitiesWhole(el) {
    var walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT, {
      acceptNode: function (node) {
        var parent = node.parentNode;
        return parent.closest(".calc-qty, input, select, option, label, legend, summary")
          ? NodeFilter.FILTER_REJECT
          : NodeFilter.FILTER_ACCEPT;
      }
    });
    var texts = [];
    for (var node = walker.nextNode(); node; node = walker.nextNode()) texts.push(node);
    texts.forEach(wrapQuantities);
  }

  /* Each time a calculator redraws its result; the observer's callback runs before the
   * next paint, so the reader never sees the unwrapped text. */
  function mountQuantities(el) {
    keepQuantitiesWhole(el);
    new MutationObserver(function () {
      keepQuantitiesWhole(el);
    }).observe(el, { childList: true, subtree: true, characterData: true });
  }

  function mount() {
    var dues = document.querySelectorAll("[data-hb-due]");
    for (var j = 0; j < dues.length; j++) mountReviewDue(dues[j]);
    var calculators = document.querySelectorAll("[data-md-component='calculator']");
    for (var k = 0; k < calculators.length; k++) mountQuantities(calculators[k]);
    applyAudience(readAudience());
  }

  root.classList.add("hb-js");
  mountAbbreviations();
  mountAudienceSwitches();
  mountCitations();
  root.setAttribute("data-hb-audience", readAudience());
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", mount);
  } else {
    mount();
  }

  if (typeof module !== "undefined") module.exports = { readAudience: readAudience, STORAGE_KEY: STORAGE_KEY };
})();
