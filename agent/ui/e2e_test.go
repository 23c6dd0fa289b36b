package ui_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/hashicorp/consul/api"

	"github.com/concord-dev/concord/agent/agenttest"
	"github.com/concord-dev/concord/agent/config"
)

// liveBound is how soon a health change must show on an open page.
const liveBound = 2 * time.Second

// chromium finds Debian's chromium (or another Chromium build). Without
// one the test skips, unless CONCORD_E2E=1 (the CI, which installs it).
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CONCORD_E2E") == "1" {
		t.Fatal("no chromium on PATH and CONCORD_E2E=1: install Debian's chromium")
	}
	t.Skip("no chromium on PATH (apt-get install chromium); CONCORD_E2E=1 makes this a failure")
	return ""
}

// browser is one headless Chromium for the test, with a tab per origin.
type browser struct {
	t    *testing.T
	ctx  context.Context
	dir  string // where screenshots go
	mu   sync.Mutex
	errs []string // uncaught exceptions and console errors from the pages
}

func startBrowser(t *testing.T, path string) *browser {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox, // Chromium refuses its sandbox as root
		chromedp.Headless,
		chromedp.DisableGPU,
		chromedp.WindowSize(1280, 800),
	)
	// A bound on the whole browser session, so a hung page cannot hang the
	// test binary.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	actx, acancel := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(acancel)
	bctx, bcancel := chromedp.NewContext(actx)
	t.Cleanup(bcancel)
	dir, err := os.MkdirTemp("", "concord-ui-e2e-")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshots go to %s", dir)
	b := &browser{t: t, ctx: bctx, dir: dir}
	b.watchConsole(bctx)
	return b
}

// tab opens a new tab in the same browser; each agent is its own origin,
// so each tab has its own local storage.
func (b *browser) tab() context.Context {
	ctx, cancel := chromedp.NewContext(b.ctx)
	b.t.Cleanup(cancel)
	b.watchConsole(ctx)
	return ctx
}

// watchConsole records exceptions and console errors other than the
// browser's own log of failed requests (a 403 is expected in this test).
func (b *browser) watchConsole(ctx context.Context) {
	if err := chromedp.Do(ctx); err != nil { // creates the target
		b.t.Fatal(err)
	}
	messages := chromedp.Console(ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.IsException() || (m.Type == chromedp.ConsoleError && m.Source != "network") {
				b.mu.Lock()
				b.errs = append(b.errs, m.String())
				b.mu.Unlock()
			}
		}
	}()
}

func (b *browser) do(ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
}

// waitFor polls a JavaScript condition in the page, up to 30 s.
func (b *browser) waitFor(ctx context.Context, what, cond string) {
	b.t.Helper()
	_, err := chromedp.Run(ctx, chromedp.Poll[bool](cond,
		chromedp.WithPollingInterval(20*time.Millisecond), chromedp.WithPollingTimeout(30*time.Second)))
	if err != nil {
		text, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('main').outerHTML + ' URL=' + location.href`))
		b.t.Fatalf("waiting for %s (%s): %v\npage text:\n%s", what, cond, err, text)
	}
}

// eval runs a JavaScript expression and returns its value.
func eval[T any](b *browser, ctx context.Context, expr string) T {
	b.t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		b.t.Fatalf("evaluating %s: %v", expr, err)
	}
	return v
}

// a11yAudit lists what on the page a keyboard or screen reader user
// could not use: form fields without a label, buttons and links without
// a name, links without a target, controls taken out of the tab order.
const a11yAudit = `(() => {
  const problems = [];
  const show = (el) => el.outerHTML.slice(0, 100);
  for (const el of document.querySelectorAll('input, select, textarea')) {
    if (!(el.labels && el.labels.length) && !el.getAttribute('aria-label')) problems.push('no label: ' + show(el));
  }
  for (const el of document.querySelectorAll('button, a')) {
    if (!el.textContent.trim() && !el.getAttribute('aria-label')) problems.push('no name: ' + show(el));
    if (el.tagName === 'A' && !el.getAttribute('href')) problems.push('link without href: ' + show(el));
    if (el.tabIndex < 0) problems.push('not focusable: ' + show(el));
  }
  for (const el of document.querySelectorAll('[onclick], div[tabindex], span[tabindex]')) problems.push('not a real control: ' + show(el));
  for (const el of document.querySelectorAll('.health')) {
    if (!/passing|warning|critical/.test(el.innerText)) problems.push('health without a word: ' + show(el));
  }
  return problems;
})()`

// shoot checks the page with a11yAudit and saves it at laptop and phone
// sizes, ending at the laptop size.
func (b *browser) shoot(ctx context.Context, name string) {
	b.t.Helper()
	for _, p := range eval[[]string](b, ctx, a11yAudit) {
		b.t.Errorf("page %s: %s", name, p)
	}
	for _, size := range []struct{ w, h int64 }{{390, 844}, {1280, 800}} {
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(size.w, size.h)); err != nil {
			b.t.Fatalf("viewport for %s: %v", name, err)
		}
		png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
		if err != nil {
			b.t.Fatalf("screenshot %s: %v", name, err)
		}
		path := filepath.Join(b.dir, fmt.Sprintf("%s-%dx%d.png", name, size.w, size.h))
		if err := os.WriteFile(path, png, 0o644); err != nil {
			b.t.Fatal(err)
		}
		b.t.Logf("screenshot %s", path)
	}
}

func (b *browser) noPageErrors() {
	b.t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, e := range b.errs {
		b.t.Errorf("page error: %s", e)
	}
}

// TestBrowser drives the UI in headless Chromium against in-process dev
// agents: live health, the KV editor, and ACL denial then a token.
func TestBrowser(t *testing.T) {
	path := chromium(t)
	if testing.Short() {
		t.Skip("starts a browser; skipped with -short")
	}
	start := time.Now()
	b := startBrowser(t, path)
	t.Run("live", func(t *testing.T) { b.t = t; testLive(b) })
	t.Run("acl", func(t *testing.T) { b.t = t; testACL(b) })
	b.t = t
	b.noPageErrors()
	t.Logf("browser test took %s; screenshots in %s", time.Since(start).Round(time.Millisecond), b.dir)
}

func testLive(b *browser) {
	t := b.t
	_, addr, c := agenttest.StartDevWith(t, func(cfg *config.Config) { cfg.UI = true })
	reg := &api.AgentServiceRegistration{
		Name: "web", ID: "web-1", Port: 8080, Tags: []string{"v1", "http"},
		Check: &api.AgentServiceCheck{CheckID: "web-ttl", Name: "web alive", TTL: "10m"},
	}
	if err := c.Agent().ServiceRegister(reg); err != nil {
		t.Fatal(err)
	}
	if err := c.Agent().PassTTL("web-ttl", "serving"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.KV().Put(&api.KVPair{Key: "app/config", Value: []byte("color=blue")}, nil); err != nil {
		t.Fatal(err)
	}
	sid, _, err := c.Session().Create(&api.SessionEntry{Name: "e2e-lock", TTL: "60s"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = c.Session().Destroy(sid, nil) })
	base := "http://" + addr

	ctx := b.tab()
	// / redirects to /ui/, which opens the services page.
	b.do(ctx, "open /", chromedp.Navigate(base+"/"))
	row := `document.querySelector('tr[data-service="web"]')`
	b.waitFor(ctx, "web listed as passing", row+` && `+row+`.querySelector('.health[data-status="passing"]') !== null`)
	if u := eval[string](b, ctx, `location.pathname + location.hash`); u != "/ui/#/services" {
		t.Errorf("/ landed on %s, want /ui/#/services", u)
	}
	b.shoot(ctx, "services")

	// Failing the TTL check turns the row critical, on the open page. The
	// keyboard focus, on web's link, survives the re-render.
	b.do(ctx, "mark the page", chromedp.Evaluate[chromedp.Void](`window.e2eMarker = 'still here'`),
		chromedp.Focus(`tr[data-service="web"] a`))
	failed := time.Now()
	if err := c.Agent().FailTTL("web-ttl", "connection refused"); err != nil {
		t.Fatal(err)
	}
	b.waitFor(ctx, "web critical", row+`.querySelector('.health[data-status="critical"]') !== null`)
	took := time.Since(failed)
	t.Logf("health change reached the open page in %s", took.Round(time.Millisecond))
	if took > liveBound {
		t.Errorf("health change took %s to show, want at most %s", took, liveBound)
	}
	if m := eval[string](b, ctx, `window.e2eMarker || ''`); m != "still here" {
		t.Error("the page reloaded to show the change")
	}
	if f := eval[string](b, ctx, `document.activeElement.getAttribute('href') || document.activeElement.tagName`); f != "#/services/web" {
		t.Errorf("after the live update the focus is on %q, want web's link", f)
	}
	if word := eval[string](b, ctx, row+`.querySelector('.health').innerText`); !strings.Contains(word, "critical") {
		t.Errorf("health is not written out: %q", word)
	}
	// The filter box narrows the list.
	b.do(ctx, "filter", chromedp.SendKeys("#services-filter", "nomatch"))
	b.waitFor(ctx, "filtered out", row+` === null`)
	b.do(ctx, "clear filter", chromedp.Evaluate[chromedp.Void](
		`(f => { f.value = ''; f.dispatchEvent(new Event('input')); })(document.querySelector('#services-filter'))`))
	b.waitFor(ctx, "filter cleared", row+` !== null`)
	b.shoot(ctx, "services-critical")

	// One service: its instance, node, port and the check's output.
	b.do(ctx, "open web", chromedp.Click(`tr[data-service="web"] a`))
	b.waitFor(ctx, "web's check output", `[...document.querySelectorAll('pre.output')].some(p => p.innerText.includes('connection refused'))`)
	b.shoot(ctx, "service")
	// The live update also reaches this page.
	if err := c.Agent().PassTTL("web-ttl", "back"); err != nil {
		t.Fatal(err)
	}
	b.waitFor(ctx, "web passing again", `document.querySelector('li[data-check="web-ttl"] .health[data-status="passing"]') !== null`)

	b.do(ctx, "nodes", chromedp.Navigate(base+"/ui/#/nodes"))
	b.waitFor(ctx, "node dev with serfHealth and web", `[...document.querySelectorAll('main tbody tr')].some(r => r.innerText.includes('dev') && r.innerText.includes('passing') && r.innerText.includes('web'))`)
	b.shoot(ctx, "nodes")
	b.do(ctx, "node", chromedp.Click(`main tbody a[href="#/nodes/dev"]`))
	b.waitFor(ctx, "node page", `document.querySelector('h1').innerText === 'dev' && document.body.innerText.includes('Serf Health Status')`)
	b.shoot(ctx, "node")

	b.do(ctx, "sessions", chromedp.Navigate(base+"/ui/#/sessions"))
	b.waitFor(ctx, "the session", `document.body.innerText.includes('e2e-lock')`)
	b.shoot(ctx, "sessions")
	b.do(ctx, "invalidate", chromedp.Click(`main tbody button`))
	b.waitFor(ctx, "the session gone", `document.body.innerText.includes('There are no sessions.')`)
	if s, _, err := c.Session().Info(sid, nil); err != nil || s != nil {
		t.Errorf("after Invalidate the API reads %+v, %v", s, err)
	}

	// An unknown datacenter is an error on the page, and the switcher
	// shows which one was asked for.
	b.do(ctx, "unknown dc", chromedp.Navigate(base+"/ui/#/services?dc=nowhere"))
	b.waitFor(ctx, "the datacenter error", `document.querySelector('.notice-error') !== null && document.querySelector('#dc-select').value === 'nowhere'`)
	// ?dc= on / carries through the redirect into the page's fragment.
	b.do(ctx, "dc on /", chromedp.Navigate(base+"/?dc=dc1"))
	b.waitFor(ctx, "services in dc1", `location.hash === '#/services?dc=dc1' && document.querySelector('tr[data-service="web"]') !== null`)

	b.do(ctx, "raft", chromedp.Navigate(base+"/ui/#/raft"))
	b.waitFor(ctx, "the leader", `[...document.querySelectorAll('main tbody tr')].some(r => r.innerText.includes('leader'))`)
	b.shoot(ctx, "raft")

	testKV(b, ctx, base, c)
}

// testKV creates a key from the keyboard, edits it, and checks that a
// save over someone else's change is refused with a warning.
func testKV(b *browser, ctx context.Context, base string, c *api.Client) {
	t := b.t
	b.do(ctx, "kv", chromedp.Navigate(base+"/ui/#/kv/"))
	b.waitFor(ctx, "the app/ folder", `[...document.querySelectorAll('main tbody a')].some(a => a.innerText === 'app/')`)
	b.shoot(ctx, "kv")
	// Create: fields filled, the form sent with Enter from the name field.
	b.do(ctx, "create key",
		chromedp.SetValue("#kv-new-value", "hello"),
		chromedp.SendKeys("#kv-new-name", "e2e/greeting"),
		chromedp.SendKeys("#kv-new-name", "\r"))
	b.waitFor(ctx, "the key editor", `location.hash === '#/kv/e2e/greeting' && document.querySelector('#kv-value') && document.querySelector('#kv-value').value === 'hello'`)
	if got := kvValue(t, c, "e2e/greeting"); got != "hello" {
		t.Fatalf("after create the API reads %q", got)
	}
	// Edit and save.
	b.do(ctx, "edit", chromedp.SetValue("#kv-value", "hello, world"), chromedp.SetValue("#kv-flags", "42"), chromedp.Click("#kv-save"))
	b.waitFor(ctx, "saved", `document.querySelector('.notice-ok') !== null`)
	pair, _, err := c.KV().Get("e2e/greeting", nil)
	if err != nil || pair == nil || string(pair.Value) != "hello, world" || pair.Flags != 42 {
		t.Fatalf("after save the API reads %+v, %v", pair, err)
	}
	b.shoot(ctx, "kv-key")
	// Someone else writes; the page notices, and a save is refused.
	if _, err := c.KV().Put(&api.KVPair{Key: "e2e/greeting", Value: []byte("from the API")}, nil); err != nil {
		t.Fatal(err)
	}
	b.waitFor(ctx, "the changed-elsewhere notice", `document.body.innerText.includes('changed elsewhere')`)
	b.do(ctx, "conflicting save", chromedp.SetValue("#kv-value", "mine"), chromedp.Click("#kv-save"))
	b.waitFor(ctx, "the conflict warning", `document.querySelector('#kv-overwrite') !== null && document.body.innerText.includes('someone else changed this key')`)
	if got := kvValue(t, c, "e2e/greeting"); got != "from the API" {
		t.Fatalf("a conflicting save overwrote the key: %q", got)
	}
	b.shoot(ctx, "kv-conflict")
	// Overwriting is a deliberate second step.
	b.do(ctx, "overwrite", chromedp.Click("#kv-overwrite"))
	b.waitFor(ctx, "saved over", `document.querySelector('.notice-ok') !== null`)
	if got := kvValue(t, c, "e2e/greeting"); got != "mine" {
		t.Fatalf("after overwrite the API reads %q", got)
	}
	// Delete asks first, with the focus on Cancel.
	b.do(ctx, "delete", chromedp.Click("#kv-delete"))
	b.waitFor(ctx, "the confirmation", `document.querySelector('#confirm-yes') !== null && document.activeElement.innerText === 'Cancel'`)
	b.do(ctx, "confirm", chromedp.Click("#confirm-yes"))
	b.waitFor(ctx, "back in the folder", `location.hash === '#/kv/e2e/' && document.body.innerText.includes('This folder is empty.')`)
	if got := kvValue(t, c, "e2e/greeting"); got != "<missing>" {
		t.Fatalf("after delete the API reads %q", got)
	}
}

func kvValue(t *testing.T, c *api.Client, key string) string {
	t.Helper()
	pair, _, err := c.KV().Get(key, nil)
	if err != nil {
		t.Fatal(err)
	}
	if pair == nil {
		return "<missing>"
	}
	return string(pair.Value)
}

// testACL: with default deny, the anonymous view says permission denied;
// a management token entered in the UI shows the data.
func testACL(b *browser) {
	t := b.t
	const root = "e2e-root-token"
	_, addr, _ := agenttest.StartDevWith(t, func(cfg *config.Config) {
		cfg.UI = true
		cfg.ACL.Enabled = true
		cfg.ACL.DefaultPolicy = "deny"
		cfg.ACL.Tokens.InitialManagement = root
	})
	c, err := api.NewClient(&api.Config{Address: addr, Token: root})
	if err != nil {
		t.Fatal(err)
	}
	agenttest.WaitFor(t, 20*time.Second, "the management token works", func() error {
		_, _, err := c.ACL().TokenReadSelf(nil)
		return err
	})
	if err := c.Agent().ServiceRegister(&api.AgentServiceRegistration{Name: "billing", Port: 9000}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.KV().Put(&api.KVPair{Key: "secret/db", Value: []byte("x")}, nil); err != nil {
		t.Fatal(err)
	}
	base := "http://" + addr
	ctx := b.tab()

	b.do(ctx, "anonymous services", chromedp.Navigate(base+"/ui/#/services"))
	b.waitFor(ctx, "the denied message", `document.querySelector('.notice-denied') !== null && document.body.innerText.includes('Permission denied')`)
	b.shoot(ctx, "acl-services-denied")
	b.do(ctx, "anonymous kv", chromedp.Navigate(base+"/ui/#/kv/"))
	b.waitFor(ctx, "the 403 message", `document.querySelector('.notice-denied') !== null && document.body.innerText.includes('HTTP 403')`)
	b.shoot(ctx, "acl-kv-denied")

	// The message links to the token page, which comes back here.
	b.do(ctx, "follow the token link", chromedp.Click(`.notice-denied a`))
	b.waitFor(ctx, "the token page", `document.querySelector('#token-input') !== null`)
	b.shoot(ctx, "token")
	b.do(ctx, "enter the token", chromedp.SendKeys("#token-input", root), chromedp.Click("#token-save"))
	b.waitFor(ctx, "the KV data", `[...document.querySelectorAll('main tbody a')].some(a => a.innerText === 'secret/')`)
	if stored := eval[string](b, ctx, `localStorage.getItem('concord.acl.token')`); stored != root {
		t.Errorf("local storage holds %q", stored)
	}
	b.do(ctx, "services with the token", chromedp.Navigate(base+"/ui/#/services"))
	b.waitFor(ctx, "billing", `document.querySelector('tr[data-service="billing"]') !== null && document.querySelector('.notice-denied') === null`)
	b.shoot(ctx, "acl-services-token")
}
