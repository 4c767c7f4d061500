/* The watch page's markers (issue #16): "Skip intro" and "Skip recap" while the playhead is
 * inside one, the next episode when the credits start, and "Are you still watching?" after a
 * run of episodes (or a long stretch) with no one touching anything.
 *
 * Built on window.portalPlayer (static/js/player.js): {video, root, overlays,
 * showNextEpisode(), onStart(cb)}; the start answer's "markers" (docs/api.md) arrive through
 * onStart, or a "player:started" event on #player whose detail is the start answer.
 *
 * The thresholds can be changed for tests: window.portalPlayerMarkersConfig = {skipVisibleSeconds,
 * skipMinimumSeconds, stillWatchingEpisodes, stillWatchingSeconds}, or the same as data attributes
 * on #player (data-skip-visible-seconds, data-skip-minimum-seconds, data-still-watching-episodes,
 * data-still-watching-seconds).
 */
(function () {
  "use strict";

  var EPISODES_KEY = "portal.stillWatching.episodes";
  var SECONDS_KEY = "portal.stillWatching.seconds";
  var SKIP_LABELS = { intro: "Skip intro", recap: "Skip recap" };

  function setting(root, name, attribute, fallback) {
    var given = window.portalPlayerMarkersConfig || {};
    var value = given[name];
    if (value === undefined && root.dataset[attribute] !== undefined) { value = root.dataset[attribute]; }
    var number = Number(value);
    return value !== undefined && value !== "" && isFinite(number) && number >= 0 ? number : fallback;
  }

  // sessionStorage may be refused (a private window's quota, a storage policy): then the count
  // lives as long as the page, and nothing breaks.
  var memory = {};
  function stored(key) {
    try { return Number(window.sessionStorage.getItem(key)) || 0; } catch (error) { return memory[key] || 0; }
  }
  function store(key, value) {
    try { window.sessionStorage.setItem(key, String(value)); } catch (error) { memory[key] = value; }
  }

  function attach(player) {
    var video = player.video;
    var root = player.root;
    var overlays = player.overlays || root;
    var config = {
      skipVisibleSeconds: setting(root, "skipVisibleSeconds", "skipVisibleSeconds", 8),
      skipMinimumSeconds: setting(root, "skipMinimumSeconds", "skipMinimumSeconds", 3),
      stillWatchingEpisodes: setting(root, "stillWatchingEpisodes", "stillWatchingEpisodes", 3),
      stillWatchingSeconds: setting(root, "stillWatchingSeconds", "stillWatchingSeconds", 90 * 60)
    };
    var markers = [];
    var started = false;

    // --- Skip intro / Skip recap ------------------------------------------------------------
    var skip = document.createElement("button");
    skip.type = "button";
    skip.className = "player-skip";
    skip.id = "player-skip";
    skip.hidden = true;
    overlays.appendChild(skip);
    var skipMarker = null;      // the marker the button skips, while it is shown
    var skipShownAt = 0;        // when it was shown (ms), to hide it after skipVisibleSeconds
    var skipDismissed = null;   // the marker whose button already had its time on screen
    var skipTimer = null;

    function hideSkip() {
      if (skip.contains(document.activeElement)) { root.focus({ preventScroll: true }); }
      skip.hidden = true;
      skipMarker = null;
      clearTimeout(skipTimer);
    }

    function showSkip(marker) {
      skipMarker = marker;
      skipShownAt = Date.now();
      skip.textContent = SKIP_LABELS[marker.kind];
      skip.setAttribute("aria-label", SKIP_LABELS[marker.kind] + " (to " + clock(marker.end) + ")");
      skip.hidden = false;
      clearTimeout(skipTimer);
      skipTimer = setTimeout(function () {
        if (skipMarker === marker) { skipDismissed = marker; hideSkip(); }
      }, config.skipVisibleSeconds * 1000);
    }

    function skippable(at) {
      for (var i = 0; i < markers.length; i += 1) {
        var marker = markers[i];
        if (!SKIP_LABELS[marker.kind]) { continue; }
        if (marker.end - marker.start < config.skipMinimumSeconds) { continue; }
        if (at >= marker.start && at < marker.end) { return marker; }
      }
      return null;
    }

    skip.addEventListener("click", function () {
      var marker = skipMarker;
      if (!marker) { return; }
      skipDismissed = marker;
      hideSkip();
      video.currentTime = marker.end;
    });

    // --- The next episode at the credits -----------------------------------------------------
    var creditsOffered = false;
    var episodeCounted = false;

    function episodeFinished() {
      // Counted once per page, at the credits or at the end, whichever comes first: another
      // episode that played through with no one touching anything.
      if (episodeCounted || !root.dataset.nextUrl) { return; }
      episodeCounted = true;
      store(EPISODES_KEY, stored(EPISODES_KEY) + 1);
    }

    // --- Are you still watching? -------------------------------------------------------------
    var dialog = null;
    var lastTick = null;

    function resetCounts() {
      store(EPISODES_KEY, 0);
      store(SECONDS_KEY, 0);
    }

    function playerTitle() {
      var strong = root.querySelector(".player-title strong");
      return strong ? strong.textContent.trim() : document.title.replace(/^Watching\s+/, "");
    }

    function backUrl() {
      var back = root.querySelector(".player-back");
      return back ? back.getAttribute("href") : "/";
    }

    function askStillWatching() {
      if (dialog) { return; }
      video.pause();
      hideSkip();
      dialog = document.createElement("div");
      dialog.className = "player-still-watching";
      dialog.id = "player-still-watching";
      dialog.setAttribute("role", "dialog");
      dialog.setAttribute("aria-modal", "true");
      dialog.setAttribute("aria-labelledby", "player-still-watching-question");
      dialog.tabIndex = -1;
      var question = document.createElement("h2");
      question.id = "player-still-watching-question";
      question.textContent = "Are you still watching " + playerTitle() + "?";
      var actions = document.createElement("div");
      actions.className = "player-still-watching-actions";
      var resume = document.createElement("button");
      resume.type = "button";
      resume.className = "button";
      resume.textContent = "Continue watching";
      var leave = document.createElement("a");
      leave.className = "button button-ghost";
      leave.href = backUrl();
      leave.textContent = "Back to browse";
      actions.appendChild(resume);
      actions.appendChild(leave);
      dialog.appendChild(question);
      dialog.appendChild(actions);
      overlays.appendChild(dialog);
      root.classList.add("is-asking");

      resume.addEventListener("click", function () {
        resetCounts();
        dialog.remove();
        dialog = null;
        root.classList.remove("is-asking");
        lastTick = null;
        video.play();
        root.focus({ preventScroll: true });
      });
      // A modal keeps Tab inside it; Escape is not "yes", so it does nothing here.
      dialog.addEventListener("keydown", function (event) {
        if (event.key !== "Tab") { return; }
        var first = resume;
        var last = leave;
        if (event.shiftKey && document.activeElement === first) { event.preventDefault(); last.focus(); }
        else if (!event.shiftKey && document.activeElement === last) { event.preventDefault(); first.focus(); }
      });
      resume.focus();
    }

    function checkStillWatching() {
      if (dialog || !started) { return; }
      if (stored(EPISODES_KEY) >= config.stillWatchingEpisodes) { askStillWatching(); return; }
      if (stored(SECONDS_KEY) >= config.stillWatchingSeconds) { askStillWatching(); }
    }

    ["keydown", "pointerdown", "touchstart"].forEach(function (type) {
      document.addEventListener(type, function (event) {
        if (dialog && dialog.contains(event.target)) { return; }  // its buttons decide
        resetCounts();
      }, { capture: true, passive: true });
    });

    // --- Following the playhead -------------------------------------------------------------
    video.addEventListener("timeupdate", function () {
      var at = video.currentTime;
      if (!video.paused && !dialog) {
        var now = Date.now();
        if (lastTick !== null) {
          // Wall time while playing, at most a few seconds a tick (a background tab's gap is no
          // proof anyone is watching, nor that no one is).
          store(SECONDS_KEY, stored(SECONDS_KEY) + Math.min(5, Math.max(0, (now - lastTick) / 1000)));
        }
        lastTick = now;
      }
      var marker = skippable(at);
      if (marker !== skipMarker) {
        if (skipMarker) { hideSkip(); }
        if (marker && marker !== skipDismissed) { showSkip(marker); }
      }
      if (!marker) { skipDismissed = null; }  // left it: coming back offers the skip again
      if (!creditsOffered) {
        markers.forEach(function (credits) {
          if (credits.kind === "credits" && at >= credits.start && at < credits.end + 1 && !creditsOffered) {
            creditsOffered = true;
            episodeFinished();
            player.showNextEpisode();
          }
        });
      }
      checkStillWatching();
    });
    video.addEventListener("playing", function () { lastTick = Date.now(); checkStillWatching(); });
    video.addEventListener("pause", function () { lastTick = null; });
    video.addEventListener("ended", episodeFinished);

    function begin(answer) {
      if (started) { return; }
      started = true;
      markers = ((answer && answer.markers) || []).filter(function (marker) {
        return marker && typeof marker.start === "number" && typeof marker.end === "number" && marker.end > marker.start;
      });
      if (!video.paused) { checkStillWatching(); }
    }

    if (typeof player.onStart === "function") { player.onStart(begin); }
    root.addEventListener("player:started", function (event) { begin(event.detail); });
  }

  function clock(seconds) {
    var whole = Math.floor(seconds);
    var hours = Math.floor(whole / 3600);
    var minutes = Math.floor((whole % 3600) / 60);
    var secs = whole % 60;
    var mm = hours ? String(minutes).padStart(2, "0") : String(minutes);
    return (hours ? hours + ":" : "") + mm + ":" + String(secs).padStart(2, "0");
  }

  function ready() {
    if (window.portalPlayer) { attach(window.portalPlayer); return; }
    // player.js not there (yet): build on #player itself and the start event.
    var root = document.getElementById("player");
    var video = root && root.querySelector("video");
    if (!video) { return; }
    attach({
      video: video,
      root: root,
      overlays: document.getElementById("player-overlays") || root,
      showNextEpisode: function () { return false; }
    });
  }

  // Deferred like player.js and after it in the page: window.portalPlayer exists by now.
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", ready); } else { ready(); }
})();
