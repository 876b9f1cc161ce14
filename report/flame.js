// The HTML report's flame graph of growth (see flame.go for the data). It
// draws boxes positioned in percent, so the graph fits any width and prints
// as drawn; a click zooms into a frame, Escape or "All growth" zooms out.
(function () {
  "use strict";
  var root = document.getElementById("flame");
  var src = document.getElementById("flame-data");
  if (!root || !src) return;
  var d = JSON.parse(src.textContent);
  var S = d.s, N = d.n, C = d.c;
  var NAME = 0, LABEL = 1, PARENT = 2, GROWTH = 3, LEAK = 4, VERDICT = 5, DETAILS = 6;
  // Frames narrower than MIN_WIDTH of the graph are not drawn (under a
  // pixel); a frame narrower than MIN_LABEL pixels shows no label.
  var ROW = 18, MIN_WIDTH = 0.0005, MIN_LABEL = 28;
  var callees = N.map(function () { return []; });
  for (var i = 1; i < N.length; i++) callees[N[i][PARENT]].push(i);
  var graph = root.querySelector(".flame-graph");
  var info = root.querySelector(".flame-info");
  var reset = root.querySelector(".flame-reset");
  var leaksOnly = root.querySelector(".flame-leaks");
  var focus = 0, graphWidth = 0;

  function weight(n) { return leaksOnly && leaksOnly.checked ? N[n][LEAK] : N[n][GROWTH]; }
  function describe(n) { return S[N[n][NAME]] + " \u2014 " + S[N[n][DETAILS]]; }

  function box(n, x, w, row, dim) {
    var b = document.createElement("div");
    b.className = dim ? "fn caller" : "fn";
    b.style.left = (x * 100) + "%";
    b.style.width = (w * 100) + "%";
    b.style.top = (row * ROW) + "px";
    b.style.background = C[N[n][VERDICT]];
    b.title = describe(n);
    b.setAttribute("data-node", n);
    if (!graphWidth || w * graphWidth >= MIN_LABEL) b.textContent = S[N[n][LABEL]];
    return b;
  }

  function render() {
    graphWidth = graph.clientWidth;
    var frag = document.createDocumentFragment();
    var path = [];
    for (var a = focus; a !== 0; a = N[a][PARENT]) path.unshift(a);
    path.unshift(0);
    // The callers of the frame zoomed into span the width, muted.
    for (var r = 0; r < path.length - 1; r++) frag.appendChild(box(path[r], 0, 1, r, true));
    var rows = path.length;
    var total = weight(focus);
    var stack = [[focus, 0, 1, path.length - 1]];
    while (stack.length) {
      var top = stack.pop(), n = top[0], x = top[1], w = top[2], row = top[3];
      frag.appendChild(box(n, x, w, row, false));
      rows = Math.max(rows, row + 1);
      var own = weight(n);
      if (!(own > 0)) continue;
      var cx = x, kids = callees[n];
      for (var k = 0; k < kids.length; k++) {
        var kw = weight(kids[k]) / own * w;
        if (kw >= MIN_WIDTH) stack.push([kids[k], cx, kw, row + 1]);
        cx += kw;
      }
    }
    graph.textContent = "";
    graph.style.height = (rows * ROW) + "px";
    if (!(total > 0)) {
      info.textContent = "No leaking site grows under " + S[N[focus][NAME]] + ".";
    } else {
      info.textContent = describe(focus);
    }
    graph.appendChild(frag);
    if (reset) reset.disabled = focus === 0;
  }

  graph.addEventListener("click", function (e) {
    var t = e.target.closest(".fn");
    if (!t) return;
    focus = +t.getAttribute("data-node");
    render();
  });
  graph.addEventListener("mouseover", function (e) {
    var t = e.target.closest(".fn");
    if (t) info.textContent = describe(+t.getAttribute("data-node"));
  });
  graph.addEventListener("mouseleave", function () { info.textContent = describe(focus); });
  if (reset) reset.addEventListener("click", function () { focus = 0; render(); });
  if (leaksOnly) leaksOnly.addEventListener("change", render);
  document.addEventListener("keydown", function (e) {
    if (e.key === "Escape" && focus !== 0) { focus = 0; render(); }
  });
  root.classList.add("ready");
  render();
})();
