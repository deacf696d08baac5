// A typed date or number is committed when its field loses the focus, about 100 ms later. A page
// link clicked in that moment switched the page first: the late commit then went to the old page
// (the app stayed there) or was dropped (the new page and its URL lacked the filter). So a click
// on a page link that took the focus from a field waits for the run its commit starts, then
// follows the link: the new page, its URL and its caption get every filter.
(() => {
  if (document.__retentionNavGuard) return;
  document.__retentionNavGuard = true;
  const LINK = '[data-testid="stPageLink-NavLink"]';
  const FIELD = 'input, textarea, [contenteditable="true"]';
  const WAIT_FOR_RUN_MS = 600;  // the commit's run starts within this, or nothing was pending
  const GIVE_UP_MS = 10000;
  const running = () => {
    const app = document.querySelector('[data-testid="stApp"]');
    return !!app && app.getAttribute('data-test-script-state') === 'running';
  };
  let leftField = 0;
  document.addEventListener('focusout', (e) => {
    const to = e.relatedTarget;
    if (e.target.closest && e.target.closest(FIELD) && (!to || (to.closest && to.closest(LINK)))) {
      leftField = performance.now();
    }
  }, true);
  document.addEventListener('click', (e) => {
    const link = e.target.closest && e.target.closest(LINK);
    if (!link || link.__retentionPassed || performance.now() - leftField > 1500) return;
    e.preventDefault();
    e.stopImmediatePropagation();
    leftField = 0;
    const href = link.getAttribute('href');
    const started = performance.now();
    let sawRun = running();
    const follow = () => {  // the run may have drawn the sidebar anew: find the link again
      const again = Array.from(document.querySelectorAll(LINK))
        .find((a) => a.getAttribute('href') === href) || link;
      again.__retentionPassed = true;
      again.click();
      again.__retentionPassed = false;
    };
    const poll = () => {
      const now = performance.now();
      const busy = running();
      sawRun = sawRun || busy;
      if ((sawRun && !busy) || (!sawRun && now - started > WAIT_FOR_RUN_MS)
          || now - started > GIVE_UP_MS) {
        follow();
      } else {
        setTimeout(poll, 25);
      }
    };
    setTimeout(poll, 25);
  }, true);
})();
