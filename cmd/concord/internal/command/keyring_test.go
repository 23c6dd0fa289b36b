package command

import (
	"encoding/base64"
	"strings"
	"testing"
)

const keyringListBody = `[{"WAN":false,"Datacenter":"dc1","Segment":"","Messages":{},
 "Keys":{"pUqJrVyVRj5jsiYEkM/tFQYfWyJIv4s3XkvDwy7Cu5s=":3,"HS8Es6Z8xDw3hX2d4M5LGTzWQf3sJgZ1T0k5dKpIvVw=":2},
 "PrimaryKeys":{"pUqJrVyVRj5jsiYEkM/tFQYfWyJIv4s3XkvDwy7Cu5s=":3},"NumNodes":3}]`

func TestKeyringList(t *testing.T) {
	f := newFakeAgent(t)
	f.reply("GET /v1/operator/keyring", 200, keyringListBody)
	expect(t, runCLI(t, f.env(), "", "keyring", "-list"), 0,
		"==> Gathering installed encryption keys...\n\n"+
			"dc1 (LAN):\n"+
			"  HS8Es6Z8xDw3hX2d4M5LGTzWQf3sJgZ1T0k5dKpIvVw= [2/3]\n"+
			"  pUqJrVyVRj5jsiYEkM/tFQYfWyJIv4s3XkvDwy7Cu5s= [3/3]\n", "")
	expect(t, runCLI(t, f.env(), "", "keyring", "-list-primary", "-local-only"), 0,
		"==> Gathering installed primary encryption keys...\n\n"+
			"dc1 (LAN):\n"+
			"  pUqJrVyVRj5jsiYEkM/tFQYfWyJIv4s3XkvDwy7Cu5s= [3/3]\n", "")
	f.expectCalls(
		call{Method: "GET", Path: "/v1/operator/keyring"},
		call{Method: "GET", Path: "/v1/operator/keyring", Query: "local-only=true"},
	)

	f.reply("GET /v1/operator/keyring", 500, "dc1 (LAN) error: 2/3 nodes reported success\n  c2: no answer within 5s")
	expect(t, runCLI(t, f.env(), "", "keyring", "-list"), 1,
		"==> Gathering installed encryption keys...\n",
		"error: Unexpected response code: 500 (dc1 (LAN) error: 2/3 nodes reported success\n  c2: no answer within 5s)\n")
}

func TestKeyringChanges(t *testing.T) {
	f := newFakeAgent(t)
	for _, m := range []string{"POST", "PUT", "DELETE"} {
		f.reply(m+" /v1/operator/keyring", 200, "")
	}
	const key = "HS8Es6Z8xDw3hX2d4M5LGTzWQf3sJgZ1T0k5dKpIvVw="
	expect(t, runCLI(t, f.env(), "", "keyring", "-install", key), 0, "==> Installing new gossip encryption key...\n", "")
	expect(t, runCLI(t, f.env(), "", "keyring", "-use", key), 0, "==> Changing primary gossip encryption key...\n", "")
	expect(t, runCLI(t, f.env(), "", "keyring", "-remove", key), 0, "==> Removing gossip encryption key...\n", "")
	body := `{"Key":"` + key + `"}` + "\n"
	f.expectCalls(
		call{Method: "POST", Path: "/v1/operator/keyring", Body: body},
		call{Method: "PUT", Path: "/v1/operator/keyring", Body: body},
		call{Method: "DELETE", Path: "/v1/operator/keyring", Body: body},
	)

	f.reply("DELETE /v1/operator/keyring", 500, "dc1 (LAN) error: 3/3 nodes reported failure")
	expect(t, runCLI(t, f.env(), "", "keyring", "-remove", key), 1, "==> Removing gossip encryption key...\n",
		"error: Unexpected response code: 500 (dc1 (LAN) error: 3/3 nodes reported failure)\n")
}

func TestKeyringUsageErrors(t *testing.T) {
	expect(t, runCLI(t, nil, "", "keyring", "-list", "-install", "k"), 1, "", "Only a single action is allowed\n")
	expect(t, runCLI(t, nil, "", "keyring", "-use", "k", "-relay-factor", "6"), 1, "",
		"Error parsing relay factor: Relay factor must be in range: [0, 5]\n")
	expect(t, runCLI(t, nil, "", "keyring", "-use", "k", "-local-only"), 1, "",
		"Local-only can only be set for list queries\n")
	if r := runCLI(t, nil, "", "keyring"); r.code != 1 || !strings.HasPrefix(r.stderr, "Usage: concord keyring [options]") {
		t.Fatalf("keyring without an action: %+v", r)
	}
}

func TestKeygen(t *testing.T) {
	seen := map[string]bool{}
	for range 2 {
		r := runCLI(t, nil, "", "keygen")
		key, err := base64.StdEncoding.DecodeString(strings.TrimSuffix(r.stdout, "\n"))
		if r.code != 0 || r.stderr != "" || err != nil || len(key) != 32 || seen[r.stdout] {
			t.Fatalf("keygen: %+v (%v, %d bytes)", r, err, len(key))
		}
		seen[r.stdout] = true
	}
}
