// Suggestions under the header's search box, as an ARIA 1.2 combobox with a listbox popup.
// Without this script the box is a plain form that opens the results page; with it, titles
// appear while typing (GET /search/suggest/?q=, debounced), Up and Down move through them,
// Enter opens the one chosen (or, with none chosen, the results page as before), Escape
// closes the list and a second Escape empties the box.
//
// Requests are frugal, because every one counts against the viewer's rate limit
// (RATELIMIT_VIEWER_READ): one per pause in typing of DEBOUNCE_MS, none under MIN_LENGTH
// characters, none for a text already answered on this page, the one in flight abandoned
// when the text changes, and none at all until Retry-After has passed after a 429.
(function () {
  "use strict";
  var DEBOUNCE_MS = 150;
  var MIN_LENGTH = 2;
  var form = document.querySelector("form.search-form[data-suggest-url]");
  var input = form && form.querySelector('input[name="q"]');
  if (!input || !window.fetch) return;

  var endpoint = form.getAttribute("data-suggest-url");
  var listbox = document.createElement("ul");
  var status = document.createElement("div");
  var answers = new Map();
  var options = [];
  var active = -1;
  var timer = null;
  var inFlight = null;
  var pausedUntil = 0;
  var shownFor = null;

  listbox.id = input.id + "-suggestions";
  listbox.className = "suggestions";
  listbox.setAttribute("role", "listbox");
  listbox.setAttribute("aria-label", "Suggested titles");
  listbox.hidden = true;
  status.className = "visually-hidden";
  status.setAttribute("role", "status");
  form.appendChild(listbox);
  form.appendChild(status);

  input.setAttribute("role", "combobox");
  input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("aria-expanded", "false");
  input.setAttribute("aria-controls", listbox.id);

  function typed() {
    return input.value.replace(/\s+/g, " ").trim();
  }

  function label(suggestion) {
    var kind = suggestion.kind === "SERIES" ? "Series" : "Movie";
    return suggestion.year ? kind + " · " + suggestion.year : kind;
  }

  function close() {
    listbox.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  }

  function choose(index) {
    options.forEach(function (option, i) {
      option.setAttribute("aria-selected", i === index ? "true" : "false");
    });
    active = index;
    if (index < 0) {
      input.removeAttribute("aria-activedescendant");
    } else {
      input.setAttribute("aria-activedescendant", options[index].id);
      options[index].scrollIntoView({ block: "nearest" });
    }
  }

  function show(text, suggestions) {
    shownFor = text;
    listbox.textContent = "";
    options = suggestions.map(function (suggestion, i) {
      var option = document.createElement("li");
      var title = document.createElement("span");
      var meta = document.createElement("span");
      option.id = listbox.id + "-" + i;
      option.setAttribute("role", "option");
      option.setAttribute("aria-selected", "false");
      option.dataset.url = suggestion.url;
      title.className = "suggestion-title";
      title.textContent = suggestion.title;
      meta.className = "suggestion-meta";
      meta.textContent = label(suggestion);
      option.append(title, meta);
      // mousedown, not click: the input keeps focus, so the list is still there to click.
      option.addEventListener("mousedown", function (event) {
        event.preventDefault();
        window.location.assign(suggestion.url);
      });
      listbox.appendChild(option);
      return option;
    });
    active = -1;
    input.removeAttribute("aria-activedescendant");
    if (options.length) {
      listbox.hidden = false;
      input.setAttribute("aria-expanded", "true");
      status.textContent = options.length + (options.length === 1 ? " suggestion" : " suggestions") +
        ". Use the up and down arrows to choose.";
    } else {
      close();
      status.textContent = "";
    }
  }

  function ask(text) {
    if (answers.has(text)) {
      show(text, answers.get(text));
      return;
    }
    if (Date.now() < pausedUntil) return;
    if (inFlight) inFlight.abort();
    var controller = window.AbortController ? new AbortController() : null;
    inFlight = controller;
    fetch(endpoint + "?" + new URLSearchParams({ q: text }), {
      credentials: "same-origin",
      headers: { "Accept": "application/json" },
      signal: controller ? controller.signal : undefined
    }).then(function (response) {
      if (response.status === 429) {
        var seconds = parseInt(response.headers.get("Retry-After") || "30", 10);
        pausedUntil = Date.now() + 1000 * (isNaN(seconds) ? 30 : seconds);
        throw new Error("rate limited");
      }
      if (!response.ok) throw new Error("HTTP " + response.status);
      return response.json();
    }).then(function (answer) {
      answers.set(text, answer.suggestions);
      if (typed() === text && document.activeElement === input) show(text, answer.suggestions);
    }).catch(function () {
      // Suggestions are a convenience: the form still searches without them.
    }).finally(function () {
      if (inFlight === controller) inFlight = null;
    });
  }

  input.addEventListener("input", function () {
    var text = typed();
    clearTimeout(timer);
    if (text.length < MIN_LENGTH) {
      if (inFlight) inFlight.abort();
      close();
      shownFor = null;
      return;
    }
    timer = setTimeout(function () { ask(text); }, DEBOUNCE_MS);
  });

  input.addEventListener("keydown", function (event) {
    var open = !listbox.hidden;
    switch (event.key) {
      case "ArrowDown":
      case "ArrowUp":
        if (!options.length || shownFor !== typed()) return;
        event.preventDefault();
        if (!open) {
          listbox.hidden = false;
          input.setAttribute("aria-expanded", "true");
        }
        var step = event.key === "ArrowDown" ? 1 : -1;
        var next = active + step;
        if (next >= options.length) next = 0;
        if (next < -1 || (next === -1 && step > 0)) next = options.length - 1;
        choose(next);
        break;
      case "Enter":
        if (open && active >= 0) {
          event.preventDefault();
          window.location.assign(options[active].dataset.url);
        }
        break;
      case "Escape":
        if (open) {
          event.preventDefault();
          close();
        } else if (input.value) {
          event.preventDefault();
          input.value = "";
          shownFor = null;
        }
        break;
      case "Tab":
        close();
        break;
    }
  });

  input.addEventListener("blur", close);
  input.addEventListener("focus", function () {
    var text = typed();
    if (text.length >= MIN_LENGTH && answers.has(text)) show(text, answers.get(text));
  });
})();
