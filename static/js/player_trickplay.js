// Seek-bar thumbnails (trickplay): when the start response names a thumbnails track
// ({"trickplay": {"url": "/edge/<session>/thumbs/thumbs.vtt"}}), hovering or dragging over the
// seek bar shows the frame under the pointer, cut from a sprite sheet, with its time.
//
// The track is WebVTT whose cue payloads name sprite regions ("sprite-0.jpg#xywh=0,0,160,90"),
// relative to the VTT's own URL, so the sprites come through the same signed edge. Loaded
// after player.js: it uses window.portalPlayer (video, root, onStart) and the #player-seek
// range inside .player-seek-wrap. Without a track, or if anything fails, the seek bar is
// left exactly as it was.
(function () {
  "use strict";

  var CUE = /^(?:(\d{2,}):)?([0-5]\d):([0-5]\d)\.(\d{3})\s+-->\s+(?:(\d{2,}):)?([0-5]\d):([0-5]\d)\.(\d{3})/;
  var REGION = /^([^#\s]+)#xywh=(\d+),(\d+),(\d+),(\d+)$/;

  function seconds(hours, minutes, secs, millis) {
    return Number(hours || 0) * 3600 + Number(minutes) * 60 + Number(secs) + Number(millis) / 1000;
  }

  // The cues of a thumbnails track, in order; sprites resolved against the track's URL.
  function parseVtt(text, base) {
    var lines = text.replace(/^\ufeff/, "").split(/\r\n|\r|\n/);
    if (!/^WEBVTT(?:[ \t]|$)/.test(lines[0] || "")) { return []; }
    var cues = [];
    for (var i = 1; i < lines.length - 1; i++) {
      var timing = CUE.exec(lines[i].trim());
      var region = timing ? REGION.exec(lines[i + 1].trim()) : null;
      if (!region) { continue; }
      cues.push({
        start: seconds(timing[1], timing[2], timing[3], timing[4]),
        end: seconds(timing[5], timing[6], timing[7], timing[8]),
        image: new URL(region[1], base).href,
        x: Number(region[2]), y: Number(region[3]), w: Number(region[4]), h: Number(region[5])
      });
    }
    return cues;
  }

  function cueAt(cues, time) {
    var low = 0, high = cues.length - 1;
    while (low <= high) {  // the cues are in time order: a binary search
      var middle = (low + high) >> 1;
      if (time < cues[middle].start) { high = middle - 1; }
      else if (time >= cues[middle].end) { low = middle + 1; }
      else { return cues[middle]; }
    }
    return cues.length && time >= cues[cues.length - 1].end ? cues[cues.length - 1] : null;
  }

  function clock(total) {
    var whole = Math.max(0, Math.floor(total));
    var hours = Math.floor(whole / 3600), minutes = Math.floor(whole / 60) % 60, secs = whole % 60;
    var mm = hours ? String(minutes).padStart(2, "0") : String(minutes);
    return (hours ? hours + ":" : "") + mm + ":" + String(secs).padStart(2, "0");
  }

  function attach(player, data, cues) {
    var seek = document.getElementById("player-seek");
    var wrap = seek && seek.closest(".player-seek-wrap");
    if (!wrap || !cues.length) { return; }
    var tip = document.createElement("div");
    tip.className = "player-trickplay";
    tip.id = "player-trickplay";
    tip.setAttribute("aria-hidden", "true");  // the range's own valuetext says the time
    var image = document.createElement("div");
    image.className = "player-trickplay-image";
    var label = document.createElement("div");
    label.className = "player-trickplay-time";
    tip.appendChild(image);
    tip.appendChild(label);
    wrap.appendChild(tip);
    var preloaded = false;

    function duration() {
      var known = player.video.duration;
      return isFinite(known) && known > 0 ? known : data.duration_seconds || 0;
    }

    function show(fraction) {
      var total = duration();
      if (!total) { return; }
      fraction = Math.min(1, Math.max(0, fraction));
      var time = fraction * total;
      var cue = cueAt(cues, time);
      if (!cue) { hide(); return; }
      if (!preloaded) {  // every sheet once, so that moving along the bar never flickers
        preloaded = true;
        cues.map(function (c) { return c.image; })
          .filter(function (src, i, all) { return all.indexOf(src) === i; })
          .forEach(function (src) { new Image().src = src; });
      }
      image.style.width = cue.w + "px";
      image.style.height = cue.h + "px";
      image.style.backgroundImage = "url(\"" + cue.image.replace(/"/g, "%22") + "\")";
      image.style.backgroundPosition = -cue.x + "px " + -cue.y + "px";
      label.textContent = clock(time);
      var width = wrap.clientWidth;
      var left = Math.min(Math.max(fraction * width - cue.w / 2, 0), Math.max(0, width - cue.w));
      tip.style.left = left + "px";
      tip.classList.add("is-visible");
    }

    function hide() { tip.classList.remove("is-visible"); }

    function fromPointer(event) {
      var box = seek.getBoundingClientRect();
      if (box.width) { show((event.clientX - box.left) / box.width); }
    }

    wrap.addEventListener("pointermove", fromPointer);
    wrap.addEventListener("pointerdown", fromPointer);
    wrap.addEventListener("pointerleave", function () { if (!dragging) { hide(); } });
    var dragging = false;
    seek.addEventListener("pointerdown", function () { dragging = true; });
    document.addEventListener("pointerup", function () {
      if (dragging) { dragging = false; hide(); }
    });
    // Dragging with a finger or the keyboard moves the value, not always a pointer.
    seek.addEventListener("input", function () {
      var max = Number(seek.max) || duration();
      if (max) { show(Number(seek.value) / max); }
    });
    seek.addEventListener("blur", hide);
    seek.addEventListener("keyup", function (event) {
      if (event.key === "Escape") { hide(); }
    });
    wrap.dataset.trickplay = "ready";  // for tests and styles: thumbnails are on
  }

  function load(player, data) {
    if (!data || !data.trickplay || !data.trickplay.url) { return; }
    var base = new URL(data.trickplay.url, window.location.href).href;
    fetch(base, { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : ""; })
      .then(function (text) { attach(player, data, parseVtt(text, base)); })
      .catch(function () { /* no thumbnails: the seek bar works as before */ });
  }

  function init() {
    var player = window.portalPlayer;
    if (player && typeof player.onStart === "function") {
      player.onStart(function (data) { load(player, data); });
      return;
    }
    var root = document.getElementById("player");
    if (root) {
      root.addEventListener("player:started", function (event) {
        if (window.portalPlayer) { load(window.portalPlayer, event.detail); }
      }, { once: true });
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
