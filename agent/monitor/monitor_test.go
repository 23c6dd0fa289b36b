package monitor

import (
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
)

func newLogger() hclog.InterceptLogger {
	return hclog.NewInterceptLogger(&hclog.LoggerOptions{Level: hclog.Info, Output: io.Discard})
}

func next(t *testing.T, lines <-chan []byte) string {
	t.Helper()
	select {
	case l, ok := <-lines:
		if !ok {
			t.Fatal("stream closed")
		}
		return string(l)
	case <-time.After(5 * time.Second):
		t.Fatal("no line within 5s")
	}
	return ""
}

func TestSubscribeLevelsAndNamedLoggers(t *testing.T) {
	logger := newLogger()
	src := NewSource(logger, 0)
	lines, stop := src.Subscribe(hclog.Debug, false)
	defer stop()
	// Below the agent's level (info) but at the subscriber's: delivered.
	logger.Named("server").Debug("a debug line", "k", "v")
	logger.Trace("below the subscriber's level")
	logger.Warn("a warning")
	if l := next(t, lines); !strings.Contains(l, "[DEBUG]") || !strings.Contains(l, "server: a debug line: k=v") {
		t.Fatalf("first line %q", l)
	}
	if l := next(t, lines); !strings.Contains(l, "[WARN]") || !strings.Contains(l, "a warning") {
		t.Fatalf("second line %q", l)
	}

	warn, stopWarn := src.Subscribe(hclog.Warn, true)
	logger.Info("not for a warn subscriber")
	logger.Error("boom", "code", 7)
	var obj map[string]interface{}
	if err := json.Unmarshal([]byte(next(t, warn)), &obj); err != nil || obj["@message"] != "boom" || obj["@level"] != "error" || obj["code"] != 7.0 {
		t.Fatalf("json line %v %v", obj, err)
	}
	stopWarn()
	if _, ok := <-warn; ok {
		t.Fatal("stream not closed by stop")
	}
	logger.Error("after stop") // must not panic on the closed channel
}

func TestSlowSubscriberDropsAndNeverBlocks(t *testing.T) {
	logger := newLogger()
	lines, stop := NewSource(logger, 4).Subscribe(hclog.Info, false)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; i < 100; i++ {
			logger.Info("line", "i", i)
		}
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("logging blocked on a subscriber that does not read")
	}
	if dropped := stop(); dropped != 96 {
		t.Fatalf("dropped %d lines, want 96", dropped)
	}
	n := 0
	for range lines {
		n++
	}
	if n != 4 {
		t.Fatalf("%d buffered lines, want 4", n)
	}
}

func TestCloseEndsEverySubscription(t *testing.T) {
	logger := newLogger()
	src := NewSource(logger, 0)
	a, stopA := src.Subscribe(hclog.Info, false)
	b, _ := src.Subscribe(hclog.Info, true)
	src.Close()
	for _, ch := range []<-chan []byte{a, b} {
		select {
		case _, ok := <-ch:
			if ok {
				t.Fatal("a line after Close")
			}
		case <-time.After(5 * time.Second):
			t.Fatal("subscription open after Close")
		}
	}
	stopA() // stopping after Close is harmless
	late, _ := src.Subscribe(hclog.Info, false)
	if _, ok := <-late; ok {
		t.Fatal("a subscription after Close stays open")
	}
	logger.Info("nobody listens")
}
