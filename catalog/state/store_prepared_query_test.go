package state

import (
	"testing"
	"time"

	"github.com/concord-dev/concord/catalog"
	"github.com/hashicorp/go-memdb"
)

func pq(id, name, tmpl string) *catalog.PreparedQuery {
	return &catalog.PreparedQuery{ID: id, Name: name, Template: catalog.QueryTemplate{Type: tmpl},
		Service: catalog.ServiceQuery{Service: "web"}}
}

const tmplType = catalog.QueryTemplateNamePrefixMatch

func TestPreparedQueryResolve(t *testing.T) {
	s := newStore(t)
	for i, q := range []*catalog.PreparedQuery{
		pq("q-exact", "geo-db", ""),
		pq("q-short", "geo-", tmplType),
		pq("q-long", "geo-db-", tmplType),
		pq("q-all", "", tmplType),
	} {
		if err := s.PreparedQuerySet(uint64(i+1), q); err != nil {
			t.Fatal(err)
		}
	}
	for in, want := range map[string]string{
		"q-short":       "q-short", // by ID
		"geo-db":        "q-exact", // exact name beats every template
		"GEO-DB":        "q-exact",
		"geo-db-mysql":  "q-long", // longest prefix
		"geo-web":       "q-short",
		"other":         "q-all", // the catch-all template
		"geo-db-":       "q-long",
		"q-unknown-id?": "q-all",
	} {
		_, q, err := s.PreparedQueryResolve(nil, in)
		if err != nil || q == nil || q.ID != want {
			t.Errorf("resolve %q: %+v, %v; want %s", in, q, err, want)
		}
	}
	if err := s.PreparedQueryDelete(9, "q-all"); err != nil {
		t.Fatal(err)
	}
	if _, q, _ := s.PreparedQueryResolve(nil, "other"); q != nil {
		t.Errorf("resolved %q without a catch-all", q.ID)
	}
}

func TestPreparedQuerySetChecks(t *testing.T) {
	s := newStore(t)
	mustRegister(t, s, 1, &catalog.RegisterRequest{Node: "n1", Address: "10.0.0.1"})
	if err := s.PreparedQuerySet(2, pq("q1", "web", "")); err != nil {
		t.Fatal(err)
	}
	for name, q := range map[string]*catalog.PreparedQuery{
		"name taken (other case)":  pq("q2", "WEB", ""),
		"name is another query ID": pq("q2", "q1", ""),
		"second catch-all":         pq("q3", "", tmplType),
		"unknown session":          {ID: "q4", Session: "nope", Service: catalog.ServiceQuery{Service: "web"}},
	} {
		if name == "second catch-all" {
			if err := s.PreparedQuerySet(3, pq("q-all", "", tmplType)); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.PreparedQuerySet(4, q); !catalog.IsBadRequest(err) {
			t.Errorf("%s: %v, want a bad request", name, err)
		}
	}
	// An update keeps CreateIndex and raises ModifyIndex.
	if err := s.PreparedQuerySet(5, pq("q1", "web-renamed", "")); err != nil {
		t.Fatal(err)
	}
	idx, q, _ := s.PreparedQueryGet(nil, "q1")
	if q.CreateIndex != 2 || q.ModifyIndex != 5 || idx != 5 || q.Name != "web-renamed" {
		t.Fatalf("after update: idx %d %+v", idx, q)
	}
}

// A query tied to a session goes when the session ends, waking a watcher
// of the query.
func TestPreparedQueryDiesWithSession(t *testing.T) {
	s := newStore(t)
	mustRegister(t, s, 1, &catalog.RegisterRequest{Node: "n1", Address: "10.0.0.1"})
	if err := s.SessionCreate(2, &catalog.Session{ID: "s1", Node: "n1"}); err != nil {
		t.Fatal(err)
	}
	q := pq("q1", "web", "")
	q.Session = "s1"
	if err := s.PreparedQuerySet(3, q); err != nil {
		t.Fatal(err)
	}
	ws := memdb.NewWatchSet()
	if _, got, _ := s.PreparedQueryGet(ws, "q1"); got == nil {
		t.Fatal("query not stored")
	}
	if err := s.SessionDestroy(4, time.Time{}, "s1"); err != nil {
		t.Fatal(err)
	}
	if ws.Watch(time.After(time.Second)) {
		t.Fatal("the query's watcher did not wake")
	}
	if idx, got, _ := s.PreparedQueryGet(nil, "q1"); got != nil || idx != 4 {
		t.Fatalf("query after its session ended: idx %d %+v", idx, got)
	}
}

// A node's coordinate goes with the node.
func TestCoordinateDeletedWithNode(t *testing.T) {
	s := newStore(t)
	mustRegister(t, s, 1, &catalog.RegisterRequest{Node: "n1", Address: "10.0.0.1"})
	if err := s.CoordinateBatchUpdate(2, catalog.Coordinates{{Node: "N1", Coord: testCoord(0.1)}}); err != nil {
		t.Fatal(err)
	}
	if _, c, _ := s.NodeCoordinate(nil, "n1"); c == nil || c.Node != "n1" {
		t.Fatalf("coordinate %+v", c)
	}
	if err := s.DeleteNode(3, time.Time{}, "n1"); err != nil {
		t.Fatal(err)
	}
	if idx, c, _ := s.NodeCoordinate(nil, "n1"); c != nil || idx != 3 {
		t.Fatalf("coordinate after the node left: idx %d %+v", idx, c)
	}
}
