(function () {
  // Progressive enhancement: without this script every utterance stays visible.
  var box = document.getElementById("filters");
  if (!box) return;
  box.hidden = false;
  var items = Array.prototype.slice.call(document.querySelectorAll("#transcript .utt"));
  var count = document.getElementById("filter-count");
  var words = document.getElementById("filter-words");
  var state = { speaker: "", tag: "" };
  // Case and accents aside, and runs of spaces as one: "Sao Paulo" finds "São  Paulo".
  function fold(s) {
    return s.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase().replace(/\s+/g, " ").trim();
  }
  var texts = items.map(function (li) {
    var p = li.querySelector(".text");
    return fold(p ? p.textContent : "");
  });
  function apply() {
    var shown = 0;
    var find = words ? fold(words.value) : "";
    items.forEach(function (li, k) {
      var ok = (!state.speaker || li.getAttribute("data-speaker") === state.speaker) &&
        (!state.tag || (" " + li.getAttribute("data-tags") + " ").indexOf(" " + state.tag + " ") >= 0) &&
        (!find || texts[k].indexOf(find) >= 0);
      li.hidden = !ok;
      if (ok) shown++;
    });
    Array.prototype.forEach.call(box.querySelectorAll("button[data-filter]"), function (b) {
      b.setAttribute("aria-pressed", String(state[b.getAttribute("data-filter")] === b.getAttribute("data-value")));
    });
    if (count) count.textContent = shown + " of " + items.length + " shown";
  }
  box.addEventListener("click", function (e) {
    var b = e.target.closest("button[data-filter]");
    if (!b) return;
    state[b.getAttribute("data-filter")] = b.getAttribute("data-value");
    apply();
  });
  if (words) words.addEventListener("input", apply);
  // An evidence link to an utterance the filters hide clears the filters, then lands on it.
  function reveal() {
    var id = decodeURIComponent(location.hash.slice(1));
    var el = id && document.getElementById(id);
    if (el && el.hidden) {
      state.speaker = "";
      state.tag = "";
      if (words) words.value = "";
      apply();
      el.scrollIntoView();
    }
  }
  window.addEventListener("hashchange", reveal);
  apply();
})();
