// The preview page: a tab per view, refreshed when the server says a build finished.
// The current view lives in the URL hash (#phone) so reloads and pushed rebuilds keep it.
"use strict";

(() => {
  const VIEWS = ["desktop", "phone", "dark", "text", "headers", "checks", "ranking", "send"];
  const STORAGE_KEY = "newsletter-preview-view";
  const token = document.querySelector('meta[name="preview-token"]').content;
  const tabs = Array.from(document.querySelectorAll('[role="tab"]'));
  const $ = (id) => document.getElementById(id);
  let shownGeneration = -1; // the last state drawn
  let shownGood = -1; // the build the frames and tables show
  let refreshing = null;

  // ---- view switcher (WAI-ARIA tabs, automatic activation) ----
  function select(view, { focus = false, remember = true } = {}) {
    if (!VIEWS.includes(view)) view = "desktop";
    for (const tab of tabs) {
      const on = tab.dataset.view === view;
      tab.setAttribute("aria-selected", String(on));
      tab.tabIndex = on ? 0 : -1;
      $(tab.getAttribute("aria-controls")).hidden = !on;
      if (on && focus) tab.focus();
    }
    document.body.dataset.view = view;
    fitFrames(); // a panel just shown has its width only now
    if (remember) {
      if (location.hash !== `#${view}`) history.replaceState(null, "", `#${view}`);
      try { sessionStorage.setItem(STORAGE_KEY, view); } catch (e) { /* storage off: the hash is enough */ }
    }
  }

  tabs.forEach((tab, index) => {
    tab.addEventListener("click", () => select(tab.dataset.view));
    tab.addEventListener("keydown", (event) => {
      const last = tabs.length - 1;
      const next = { ArrowRight: index === last ? 0 : index + 1, ArrowLeft: index === 0 ? last : index - 1,
                     Home: 0, End: last }[event.key];
      if (next === undefined) return;
      event.preventDefault();
      select(tabs[next].dataset.view, { focus: true });
    });
  });
  window.addEventListener("hashchange", () => select(location.hash.slice(1)));

  function initialView() {
    const fromHash = location.hash.slice(1);
    if (VIEWS.includes(fromHash)) return fromHash;
    try { return sessionStorage.getItem(STORAGE_KEY) || "desktop"; } catch (e) { return "desktop"; }
  }

  // ---- frames that fit the window ----
  // Each frame keeps its true width (640 or 375 px), so the email lays out as on that screen;
  // in a narrower window (the preview opened on a phone) it is drawn smaller, whole, as a phone
  // shows a desktop page, and taller inside so that it fills the same height on the screen.
  function fitFrame(figure) {
    const frame = figure.querySelector("iframe");
    const room = figure.parentElement.clientWidth;
    if (!room) return; // in a hidden panel: fitted when its tab shows it
    Object.assign(frame.style, { transform: "", height: "", marginRight: "", marginBottom: "" });
    const width = frame.offsetWidth;
    const height = frame.offsetHeight;
    const scale = Math.min(1, room / width);
    figure.dataset.scale = scale.toFixed(3);
    let shown = figure.querySelector(".scale");
    if (!shown) {
      shown = el("span", { className: "scale" });
      figure.querySelector("figcaption").append(shown);
    }
    shown.textContent = scale < 1 ? ` · shown at ${Math.round(scale * 100)}%` : "";
    if (scale === 1) return;
    const borders = getComputedStyle(frame).boxSizing === "content-box" ? height - frame.clientHeight : 0;
    const tall = height / scale;
    Object.assign(frame.style, {
      transform: `scale(${scale})`,
      height: `${tall - borders}px`,
      // a transform leaves the layout box as it was: give back the room it no longer takes
      marginRight: `${-width * (1 - scale)}px`,
      marginBottom: `${-tall * (1 - scale)}px`,
    });
  }

  function fitFrames() {
    for (const figure of document.querySelectorAll(".device")) fitFrame(figure);
  }

  window.addEventListener("resize", fitFrames);

  // ---- drawing the state ----
  function el(tag, props = {}, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props)) {
      if (key === "text") node.textContent = value;
      else if (key === "className") node.className = value;
      else node.setAttribute(key, value);
    }
    for (const child of children) if (child !== null && child !== undefined) node.append(child);
    return node;
  }

  function kilobytes(bytes) {
    const kb = bytes / 1024;
    return `${Number.isInteger(kb) ? kb : kb.toFixed(1)} KB`;
  }

  function drawStatus(state) {
    const status = $("status");
    const when = state.finished ? new Date(state.finished * 1000).toLocaleTimeString() : "";
    if (state.error) {
      status.dataset.state = "error";
      status.textContent = `Build failed at ${when}: showing the last good build`;
    } else {
      status.dataset.state = "ok";
      status.textContent = `Built at ${when} in ${state.seconds.toFixed(2)} s`;
    }
  }

  function drawError(state) {
    $("error").hidden = !state.error;
    $("error-text").textContent = state.error || "";
    $("error-note").hidden = !state.issue;
    const warnings = $("warnings");
    warnings.replaceChildren(...state.warnings.map((w) => el("li", { text: `Warning: ${w}` })));
    warnings.hidden = state.warnings.length === 0;
  }

  function drawIssue(issue, good, folder) {
    $("issue-id").textContent = issue.id;
    $("folder").textContent = folder ? `· ${folder}/` : "";
    $("subject").textContent = issue.subject;
    $("preheader").textContent = issue.preheader;
    document.title = `Preview · ${issue.subject}`;
    const size = issue.size;
    const meter = $("size-meter");
    meter.value = Math.min(size.share, 1);
    const text = `${kilobytes(size.html_bytes)} of ${kilobytes(size.limit_bytes)} (${Math.round(size.share * 100)}%)`;
    $("size-text").textContent = size.share >= 1 ? `${text}: Gmail will clip it` : text;
    meter.textContent = text;
    $("plain-text").textContent = issue.text;
    drawHeaders(issue);
    drawChecks(issue.checks);
    drawRanking(issue.ranking);
    for (const frame of document.querySelectorAll("iframe[data-frame]")) reloadFrame(frame, good);
  }

  // The frames are same-origin but run no script (sandbox, CSP), so the page may read and
  // restore their scroll position: a rebuild keeps the editor where they were reading.
  function reloadFrame(frame, good) {
    let scroll = null;
    try {
      const win = frame.contentWindow;
      if (frame.dataset.generation && win) scroll = [win.scrollX, win.scrollY];
    } catch (e) { /* not readable: start at the top */ }
    frame.addEventListener("load", () => {
      if (scroll) frame.contentWindow.scrollTo(scroll[0], scroll[1]);
      frame.dataset.generation = String(good);
    }, { once: true });
    frame.src = `/frame/${frame.dataset.frame}.html?build=${good}`;
  }

  function drawHeaders(issue) {
    const rows = [["Preheader", issue.preheader], ...issue.headers];
    $("headers-body").replaceChildren(...rows.map(([name, value]) =>
      el("tr", {}, el("th", { scope: "row", text: name }), el("td", { text: value }))));
  }

  // The same report `newsletter check` prints and `newsletter send` gates on.
  function drawChecks(checks) {
    const summary = $("checks-summary");
    const verdict = $("checks-verdict");
    if (!checks || checks.error) {
      summary.textContent = "Checks: could not run";
      summary.dataset.state = "error";
      verdict.textContent = checks ? checks.error : "";
      $("checks-body").replaceChildren();
      return;
    }
    const plural = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;
    const counts = `${plural(checks.errors, "error")}, ${plural(checks.warnings, "warning")}`;
    summary.textContent = `Checks: ${counts}`;
    summary.dataset.state = checks.errors ? "error" : checks.warnings ? "warning" : "ok";
    verdict.dataset.state = summary.dataset.state;
    verdict.textContent = checks.errors
      ? `${counts}: newsletter send refuses this issue until they are fixed.`
      : `${counts} in ${checks.checks.length} checks: ready to send.`;
    $("checks-body").replaceChildren(...checks.findings.map((f) =>
      el("tr", { "data-severity": f.severity, "data-check": f.check },
        el("td", {}, el("span", { className: `severity sev-${f.severity}`, text: f.severity })),
        el("td", {}, el("code", { text: f.check })),
        el("td", { text: f.message }),
        el("td", { text: f.fix }))));
  }

  function scoreBar(fraction) {
    const bar = el("span", { className: "score-bar", "aria-hidden": "true" });
    bar.style.width = `${Math.round(Math.max(0, fraction) * 60)}px`; // CSSOM: allowed by the page's CSP
    return bar;
  }

  function drawRanking(ranking) {
    const lead = ranking.lead;
    const leadTitle = lead.url ? el("a", { href: lead.url, target: "_blank", rel: "noopener", text: lead.title })
                               : lead.title;
    const leadBlock = el("section", { className: "ranking-section", "aria-labelledby": "rank-lead" },
      el("h2", { id: "rank-lead", text: "Lead" }),
      el("p", {}, leadTitle,
        lead.title_from ? el("span", { className: "badge", text: `title from ${lead.title_from}'s headline: check it` })
          : lead.title_derived ? el("span", { className: "badge", text: "title derived from the story: check it" }) : null),
      lead.source ? el("p", { className: "source", text: `from ${lead.source}` }) : null,
      lead.why ? el("p", { className: "why", text: `Why this lead: ${lead.why}.` }) : null,
      ranking.follows ? el("p", { className: "follows" }, "Follows issue ",
        ranking.follows.url
          ? el("a", { href: ranking.follows.url, target: "_blank", rel: "noopener", text: ranking.follows.id })
          : ranking.follows.id,
        `: ${ranking.follows.title}`) : null);
    const cards = ranking.stories || [];
    const all = [...cards, ...ranking.related, ...ranking.more];
    const top = Math.max(1, ...all.map((h) => h.score));
    const table = (id, heading, items, why) => {
      const section = el("section", { className: "ranking-section", "aria-labelledby": id },
        el("h2", { id, text: `${heading} (${items.length})` }), el("p", { className: "note", text: why }));
      if (items.length === 0) return section;
      const body = items.map((h, i) => el("tr", {},
        el("td", { text: String(i + 1) }),
        el("td", {},
          h.url ? el("a", { href: h.url, target: "_blank", rel: "noopener", text: h.title }) : h.title,
          h.also.length ? el("div", { className: "also", text: `also: ${h.also.join(" · ")}` }) : null,
          h.source ? el("div", { className: "source", text: h.section ? `${h.source} · section ${h.section}` : h.source }) : null),
        el("td", { className: "score" }, h.score.toFixed(3), scoreBar(h.score / top)),
        el("td", {}, h.matched.length
          ? el("ul", { className: "terms" }, ...h.matched.map((t) => el("li", { text: t })))
          : el("span", { className: "source", text: "no shared terms" }))));
      section.append(el("table", { className: "ranking" },
        el("thead", {}, el("tr", {}, ...["#", heading === "Story cards" ? "Story" : "Headline", "Score", "Matched terms"].map(
          (t) => el("th", { scope: "col", text: t })))),
        el("tbody", {}, ...body)));
      return section;
    };
    $("ranking-tables").replaceChildren(leadBlock,
      table("rank-stories", "Story cards", cards, "The stories that did not lead, shown as cards under the lead (or in their section), in the issue's order: scored against the lead as the headlines are."),
      table("rank-related", "Related", ranking.related, "Every headline the ranker finds about the lead (meaning and shared terms), best first."),
      table("rank-more", "More headlines", ranking.more, "The rest, in their sources' order."),
      repeatedTable(ranking.repeated || []),
      learntSection(ranking.learnt));
  }

  function learntSection(learnt) {
    // What the build learnt from the editor's edits of earlier issues (or why it did not).
    if (!learnt) return el("section", {});
    const text = learnt.on
      ? learnt.summary
      : `Not learning from earlier issues (${learnt.why}): Related is cut at the shipped bar.`;
    return el("section", { className: "ranking-section", "aria-labelledby": "rank-learnt" },
      el("h2", { id: "rank-learnt", text: "Learnt from your edits" }),
      el("p", { className: "learnt", text }));
  }

  function repeatedTable(items) {
    // Memory across issues: headlines an earlier issue of the workspace already carried.
    const section = el("section", { className: "ranking-section", "aria-labelledby": "rank-repeated" },
      el("h2", { id: "rank-repeated", text: `Repeated from earlier issues (${items.length})` }),
      el("p", { className: "note", text: "Left out unless built with --repeat." }));
    if (items.length === 0) return section;
    section.append(el("table", { className: "ranking" },
      el("thead", {}, el("tr", {}, ...["Headline", "Score", "Carried by"].map(
        (t) => el("th", { scope: "col", text: t })))),
      el("tbody", {}, ...items.map((h) => el("tr", {},
        el("td", {}, h.url ? el("a", { href: h.url, target: "_blank", rel: "noopener", text: h.title }) : h.title),
        el("td", { className: "score", text: h.score.toFixed(3) }),
        el("td", { text: h.issue }))))));
    return section;
  }

  function draw(state) {
    drawStatus(state);
    drawError(state);
    if (state.issue && state.good_generation !== shownGood) {
      drawIssue(state.issue, state.good_generation, state.folder);
      shownGood = state.good_generation;
    }
    shownGeneration = state.generation;
    document.body.dataset.generation = String(state.generation);
    document.body.dataset.state = state.error ? "error" : "ok";
  }

  async function refresh() {
    if (refreshing) return refreshing;
    refreshing = (async () => {
      try {
        const response = await fetch("/api/state", { cache: "no-store" });
        draw(await response.json());
      } finally {
        refreshing = null;
      }
    })();
    return refreshing;
  }

  // ---- pushed rebuilds (server-sent events; the browser reconnects by itself) ----
  function listen() {
    const events = new EventSource("/events");
    let session = null;
    events.addEventListener("build", (event) => {
      const data = JSON.parse(event.data);
      if (session !== null && data.session !== session) {
        location.reload(); // a new run of `newsletter preview`: new token, builds counted afresh
        return;
      }
      session = data.session;
      refresh(); // also after a reconnect to the same run, to clear the "Disconnected" status
    });
    events.addEventListener("error", () => {
      const status = $("status");
      status.dataset.state = "offline";
      status.textContent = "Disconnected: is `newsletter preview` still running? Retrying…";
    });
  }

  // ---- send a test copy ----
  $("send-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const input = $("send-address");
    const result = $("send-result");
    const button = $("send-button");
    if (!input.value.trim() || !input.checkValidity()) {
      result.dataset.ok = "false";
      result.textContent = "Enter an email address, like you@example.org.";
      input.focus();
      return;
    }
    button.disabled = true;
    result.dataset.ok = "";
    result.textContent = "Sending…";
    try {
      const response = await fetch("/api/send-test", {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-Preview-Token": token },
        body: JSON.stringify({ address: input.value.trim() }),
      });
      const answer = await response.json();
      result.dataset.ok = String(answer.ok);
      result.textContent = answer.ok ? `Sent: ${answer.message}` : `Not sent: ${answer.message}`;
    } catch (e) {
      result.dataset.ok = "false";
      result.textContent = "Not sent: the preview server did not answer.";
    } finally {
      button.disabled = false;
    }
  });

  // ---- approve for `newsletter run` ----
  $("approve-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const result = $("approve-result");
    const button = $("approve-button");
    button.disabled = true;
    result.dataset.ok = "";
    result.textContent = "Approving…";
    try {
      const response = await fetch("/api/approve", {
        method: "POST",
        headers: { "X-Preview-Token": token },
      });
      const answer = await response.json();
      result.dataset.ok = String(answer.ok);
      result.textContent = answer.ok ? `Approved: ${answer.message}` : `Not approved: ${answer.message}`;
    } catch (e) {
      result.dataset.ok = "false";
      result.textContent = "Not approved: the preview server did not answer.";
    } finally {
      button.disabled = false;
    }
  });

  select(initialView());
  refresh();
  listen();
})();
