/* The player's own controls over the video, built on window.portalPlayer (player.js): a bar
   rather than the browser's, the same on every browser. Play and pause, ±10 s, a seek bar that
   says where it is in words, volume, fullscreen; keyboard shortcuts (space or k, the arrows,
   f, c, m); a tap shows the controls and a double tap skips; the controls step aside while a
   title plays. The captions and audio menus are player_menus.js. */
(function () {
  "use strict";

  var player = window.portalPlayer;
  if (!player) { return; }
  var root = player.root;
  var video = player.video;
  var noMenus = { anyOpen: function () { return false; }, closeAll: function () {}, toggleCaptions: function () {} };
  var menus = player.menus || noMenus;
  var SKIP_SECONDS = 10;
  var HIDE_AFTER_MS = 3000;
  var DOUBLE_TAP_MS = 300;
  var controls = document.getElementById("player-controls");
  var seek = document.getElementById("player-seek");
  var playedFill = document.getElementById("player-seek-played");
  var bufferedFill = document.getElementById("player-seek-buffered");
  var playButton = document.getElementById("player-play");
  var muteButton = document.getElementById("player-mute");
  var volume = document.getElementById("player-volume");
  var fullscreenButton = document.getElementById("player-fullscreen");
  var knownDuration = 0;
  var scrubbing = false;
  var hideTimer = null;

  function clock(seconds) {
    var total = Math.max(0, Math.floor(seconds || 0));
    var h = Math.floor(total / 3600);
    var m = Math.floor((total % 3600) / 60);
    var s = total % 60;
    var pad = function (n) { return (n < 10 ? "0" : "") + n; };
    return h ? h + ":" + pad(m) + ":" + pad(s) : m + ":" + pad(s);
  }

  function duration() {
    return isFinite(video.duration) && video.duration > 0 ? video.duration : knownDuration;
  }

  function showTime() {
    var total = duration();
    var now = scrubbing ? parseFloat(seek.value) : video.currentTime || 0;
    seek.max = String(total || 0);
    if (!scrubbing) { seek.value = String(now); }
    seek.setAttribute("aria-valuetext", clock(now) + " of " + clock(total));
    document.getElementById("player-current").textContent = clock(now);
    document.getElementById("player-duration").textContent = clock(total);
    playedFill.style.width = (total ? Math.min(100, 100 * now / total) : 0) + "%";
    var buffered = 0;
    for (var i = 0; i < video.buffered.length; i++) {
      if (video.buffered.start(i) <= now + 0.5) { buffered = Math.max(buffered, video.buffered.end(i)); }
    }
    bufferedFill.style.width = (total ? Math.min(100, 100 * buffered / total) : 0) + "%";
  }

  function seekTo(seconds) {
    var total = duration();
    video.currentTime = Math.max(0, total ? Math.min(seconds, total - 0.1) : seconds);
    showTime();
  }

  function skip(seconds) { seekTo((video.currentTime || 0) + seconds); }

  function togglePlay() {
    if (video.paused || video.ended) {
      var attempt = video.play();
      if (attempt && attempt.catch) { attempt.catch(function () { /* not ready yet */ }); }
    } else {
      video.pause();
    }
  }

  function showPlayState() {
    var playing = !video.paused && !video.ended;
    root.classList.toggle("is-paused", !playing);
    playButton.setAttribute("aria-label", playing ? "Pause" : "Play");
    revealControls();
  }

  function setVolume(level) {
    video.volume = Math.max(0, Math.min(1, Math.round(level * 100) / 100));
    video.muted = video.volume === 0;
  }

  function showVolume() {
    var silent = video.muted || video.volume === 0;
    root.classList.toggle("is-muted", silent);
    muteButton.setAttribute("aria-label", silent ? "Unmute" : "Mute");
    volume.value = String(video.muted ? 0 : video.volume);
    volume.setAttribute("aria-valuetext", (video.muted ? 0 : Math.round(video.volume * 100)) + "%");
  }

  function toggleMute() {
    if (video.muted || video.volume === 0) {
      if (video.volume === 0) { video.volume = 0.5; }
      video.muted = false;
    } else {
      video.muted = true;
    }
  }

  function fullscreenElement() { return document.fullscreenElement || document.webkitFullscreenElement || null; }

  function toggleFullscreen() {
    if (fullscreenElement()) {
      (document.exitFullscreen || document.webkitExitFullscreen).call(document);
      return;
    }
    if (root.requestFullscreen) {
      var asked = root.requestFullscreen();
      if (asked && asked.catch) { asked.catch(function () { /* refused: stay as we are */ }); }
    } else if (root.webkitRequestFullscreen) {
      root.webkitRequestFullscreen();
    } else if (video.webkitEnterFullscreen) {
      video.webkitEnterFullscreen();  // iPhone: only the video element may go fullscreen
    }
  }

  function showFullscreen() {
    var on = !!fullscreenElement();
    root.classList.toggle("is-fullscreen", on);
    fullscreenButton.setAttribute("aria-label", on ? "Exit fullscreen" : "Enter fullscreen");
  }

  // Controls: shown on any pointer movement, hidden after a while of none while playing,
  // never hidden while paused, while a menu is open, or while the keyboard is inside them.
  function keyboardInside() {
    try {
      return !!root.querySelector(".player-top :focus-visible, .player-controls :focus-visible");
    } catch (error) {  // a browser without :focus-visible: any focus inside counts
      return controls.contains(document.activeElement);
    }
  }

  function keepControls() {
    return video.paused || video.ended || menus.anyOpen() || keyboardInside() ||
      root.classList.contains("is-scrubbing");
  }

  function hideControls() {
    clearTimeout(hideTimer);
    if (keepControls()) { return; }
    root.classList.add("controls-hidden");
  }

  function revealControls() {
    root.classList.remove("controls-hidden");
    clearTimeout(hideTimer);
    hideTimer = setTimeout(hideControls, HIDE_AFTER_MS);
  }

  // --- Buttons, seek bar, volume ------------------------------------------------------------
  playButton.addEventListener("click", togglePlay);
  document.getElementById("player-rewind").addEventListener("click", function () { skip(-SKIP_SECONDS); });
  document.getElementById("player-forward").addEventListener("click", function () { skip(SKIP_SECONDS); });
  muteButton.addEventListener("click", toggleMute);
  fullscreenButton.addEventListener("click", toggleFullscreen);
  document.getElementById("player-state").addEventListener("click", togglePlay);

  seek.addEventListener("input", function () {
    scrubbing = true;
    root.classList.add("is-scrubbing");
    showTime();
    video.currentTime = parseFloat(seek.value);
  });
  seek.addEventListener("change", function () {
    scrubbing = false;
    root.classList.remove("is-scrubbing");
    showTime();
  });
  // The slider's own arrow keys would move by a hair; ±5 s (PageUp/PageDown a minute) instead.
  seek.addEventListener("keydown", function (event) {
    var by = { ArrowLeft: -5, ArrowRight: 5, ArrowDown: -5, ArrowUp: 5, PageDown: -60, PageUp: 60 }[event.key];
    if (by) { event.preventDefault(); event.stopPropagation(); skip(by); return; }
    if (event.key === "Home") { event.preventDefault(); seekTo(0); }
    if (event.key === "End") { event.preventDefault(); seekTo(duration()); }
  });
  volume.addEventListener("input", function () { setVolume(parseFloat(volume.value)); });

  ["timeupdate", "durationchange", "progress", "loadedmetadata", "seeking"].forEach(function (name) {
    video.addEventListener(name, showTime);
  });
  ["play", "pause", "ended", "playing"].forEach(function (name) { video.addEventListener(name, showPlayState); });
  video.addEventListener("volumechange", showVolume);
  document.addEventListener("fullscreenchange", showFullscreen);
  document.addEventListener("webkitfullscreenchange", showFullscreen);

  // --- Pointer and touch --------------------------------------------------------------------
  // A mouse click on the picture plays or pauses; a tap shows or hides the controls, and a
  // double tap on the left or right half skips back or forward.
  var lastTap = 0;
  var tapTimer = null;
  root.addEventListener("pointermove", function (event) {
    if (event.pointerType !== "touch") { revealControls(); }
  });
  root.addEventListener("mouseleave", hideControls);
  root.addEventListener("focusin", revealControls);
  video.addEventListener("pointerup", function (event) {
    if (event.pointerType === "mouse") { togglePlay(); return; }
    var now = Date.now();
    if (now - lastTap < DOUBLE_TAP_MS) {
      clearTimeout(tapTimer);
      lastTap = 0;
      var box = video.getBoundingClientRect();
      skip(event.clientX < box.left + box.width / 2 ? -SKIP_SECONDS : SKIP_SECONDS);
      revealControls();
      return;
    }
    lastTap = now;
    tapTimer = setTimeout(function () {
      if (root.classList.contains("controls-hidden")) { revealControls(); } else { hideControls(); }
    }, DOUBLE_TAP_MS);
  });
  video.addEventListener("dblclick", function (event) { event.preventDefault(); toggleFullscreen(); });

  // --- Keyboard -----------------------------------------------------------------------------
  function typing(target) {
    if (!target || !target.closest) { return false; }
    if (target.isContentEditable || target.closest("textarea, select")) { return true; }
    return target.tagName === "INPUT" && target.type !== "range";
  }

  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) { return; }
    if (typing(target) || (target.closest && target.closest("[role=menu]"))) { return; }
    // Space and Enter on a focused button or link press it; the page's shortcut would repeat it.
    var pressable = target.closest && target.closest("button, a");
    var onVolume = target === volume;
    var handled = true;
    switch (event.key) {
      case " ":
      case "Spacebar":
        if (pressable) { return; }
        togglePlay();
        break;
      case "k": case "K": togglePlay(); break;
      case "ArrowLeft": if (onVolume) { return; } skip(event.shiftKey ? -5 : -SKIP_SECONDS); break;
      case "ArrowRight": if (onVolume) { return; } skip(event.shiftKey ? 5 : SKIP_SECONDS); break;
      case "ArrowUp": if (onVolume) { return; } video.muted = false; setVolume(video.volume + 0.1); break;
      case "ArrowDown": if (onVolume) { return; } setVolume(video.volume - 0.1); break;
      case "f": case "F": toggleFullscreen(); break;
      case "c": case "C": menus.toggleCaptions(); break;
      case "m": case "M": toggleMute(); break;
      case "Escape": menus.closeAll(); handled = false; break;
      default: handled = false;
    }
    if (handled) { event.preventDefault(); revealControls(); }
  });

  // The running time the catalog knows, until the stream's own is loaded.
  player.onStart(function (data) {
    if (data.duration_seconds > 0) { knownDuration = data.duration_seconds; showTime(); }
  });

  showPlayState();
  showVolume();
  showFullscreen();
  showTime();
}());
