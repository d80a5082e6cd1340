/**
 * The one script of the admin pages: while a rebuild runs, polls the JSON status and updates the
 * progress display in place; when the rebuild has finished, reloads once so the table shows the
 * switched versions. Without script the page still works (Refresh link). Served from our origin only.
 */
export const PROJECTIONS_SCRIPT = `
(function () {
  var box = document.getElementById('rebuild-progress');
  if (!box || box.getAttribute('data-state') !== 'running') return;
  var url = box.getAttribute('data-status-url');
  var polls = 0;
  var MAX_POLLS = 1800; // 30 minutes at one per second
  function text(selector, value) {
    var el = box.querySelector(selector);
    if (el) el.textContent = value;
  }
  function tick() {
    if (++polls > MAX_POLLS) return;
    fetch(url, { credentials: 'same-origin', headers: { accept: 'application/json' } })
      .then(function (r) { if (!r.ok) throw new Error(String(r.status)); return r.json(); })
      .then(function (s) {
        var job = s.rebuild;
        if (!job) return;
        text('.rebuild-state', job.state);
        text('.rebuild-phase', job.phase || '');
        text('.rebuild-detail', job.detail || '');
        var bar = box.querySelector('progress');
        if (bar) { bar.value = job.percent; bar.textContent = job.percent + ' %'; }
        box.setAttribute('data-state', job.state);
        if (job.state === 'running') setTimeout(tick, 1000);
        else window.location.reload();
      })
      .catch(function () { setTimeout(tick, 3000); });
  }
  setTimeout(tick, 500);
})();
`.trim();
