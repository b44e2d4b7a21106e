// FalcoHook web UI: live updates of the events page. Without this script every page still works (it is plain HTML).
(() => {
  "use strict";
  const live = document.querySelector("[data-live]");
  if (!live || !window.EventSource) return;
  const status = live.querySelector("[data-live-status]");
  const toggle = live.querySelector("[data-live-toggle]");
  let paused = false;
  let missed = 0;
  let timer = null;
  let busy = false;

  const source = new EventSource(live.dataset.live);
  source.addEventListener("event", () => {
    if (paused) {
      missed++;
      status.textContent = `Paused: ${missed} new event${missed === 1 ? "" : "s"}`;
      return;
    }
    schedule();
  });
  source.addEventListener("open", () => { if (!paused) status.textContent = "Live"; });
  source.addEventListener("error", () => { if (!paused) status.textContent = "Reconnecting…"; });
  window.addEventListener("pagehide", () => source.close());

  toggle.addEventListener("click", () => {
    paused = !paused;
    live.dataset.state = paused ? "paused" : "live";
    toggle.textContent = paused ? "Resume" : "Pause";
    toggle.setAttribute("aria-pressed", String(paused));
    status.textContent = paused ? "Paused" : "Live";
    if (!paused && missed > 0) { missed = 0; schedule(); }
  });

  function schedule() {
    if (timer === null) timer = setTimeout(refresh, 250);
  }

  async function refresh() {
    timer = null;
    if (busy) { schedule(); return; }
    busy = true;
    try {
      const response = await fetch(location.href, { headers: { Accept: "text/html" }, credentials: "same-origin" });
      if (!response.ok) return;
      const next = new DOMParser().parseFromString(await response.text(), "text/html").getElementById("events-table");
      const current = document.getElementById("events-table");
      if (!next || !current || paused) return;
      const seen = new Set([...current.querySelectorAll("tr[data-event]")].map(row => row.dataset.event));
      next.querySelectorAll("tr[data-event]").forEach(row => { if (!seen.has(row.dataset.event)) row.classList.add("fh-new"); });
      current.replaceWith(document.importNode(next, true));
    } catch {
      status.textContent = "Reconnecting…";
    } finally {
      busy = false;
    }
  }
})();
