package lan

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/hashicorp/memberlist"
)

// defaultKeyringTimeout is how long a keyring operation waits for answers.
const defaultKeyringTimeout = 5 * time.Second

// KeyringOp is a keyring operation applied on every member.
type KeyringOp string

const (
	// KeyringList changes nothing; each member reports its keys.
	KeyringList KeyringOp = "list"
	// KeyringInstall adds a key (members decrypt with it from then on).
	KeyringInstall KeyringOp = "install"
	// KeyringUse makes an installed key the primary one, which encrypts.
	KeyringUse KeyringOp = "use"
	// KeyringRemove drops a key; members refuse to drop their primary key.
	KeyringRemove KeyringOp = "remove"
)

func (op KeyringOp) valid() bool {
	switch op {
	case KeyringList, KeyringInstall, KeyringUse, KeyringRemove:
		return true
	}
	return false
}

// KeyringReport is the pool's answer to a keyring operation. Keys are in
// base64, as Consul reports them.
type KeyringReport struct {
	NumNodes    int               // members asked, this agent included
	NumResp     int               // members that answered
	NumErr      int               // answers that reported an error
	Keys        map[string]int    // key -> members holding it
	PrimaryKeys map[string]int    // key -> members encrypting with it
	Messages    map[string]string // member -> its error, or why it did not answer
}

// Err summarizes the report: nil when every member asked answered without
// an error.
func (r *KeyringReport) Err() error {
	switch {
	case r.NumErr > 0:
		return fmt.Errorf("%d/%d nodes reported failure", r.NumErr, r.NumNodes)
	case r.NumResp < r.NumNodes:
		return fmt.Errorf("%d/%d nodes reported success", r.NumResp, r.NumNodes)
	}
	return nil
}

// keyringRequest asks a member to apply Op and answer From with ID.
type keyringRequest struct {
	ID   uint64
	From string
	Op   KeyringOp
	Key  []byte `json:",omitempty"`
}

// keyringAnswer is a member's answer: its keys after the operation
// (primary first) or the error that stopped it.
type keyringAnswer struct {
	ID    uint64
	Node  string
	Error string   `json:",omitempty"`
	Keys  [][]byte `json:",omitempty"`
}

// Keyring messages travel as a type byte and a JSON body, over
// memberlist's reliable (TCP) user messages, which memberlist encrypts
// with the primary key like the rest of gossip.
func encodeKeyringMsg(kind byte, v interface{}) ([]byte, error) {
	body, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return append([]byte{kind}, body...), nil
}

// KeyringOperation applies op (key is ignored by KeyringList) on every
// member that memberlist considers alive, this agent included, and
// reports their answers. It waits for all of them, for KeyringTimeout or
// for ctx, whichever ends first; members that did not answer are named in
// Messages. The error is non-nil only when nothing was asked (a bad
// operation or key, or a pool shut down); the members' failures are in
// the report (see KeyringReport.Err).
func (p *Pool) KeyringOperation(ctx context.Context, op KeyringOp, key []byte) (*KeyringReport, error) {
	if p.isShutdown() {
		return nil, ErrShutdown
	}
	if !op.valid() {
		return nil, fmt.Errorf("lan: unknown keyring operation %q", op)
	}
	if op == KeyringList {
		key = nil
	} else if err := memberlist.ValidateKey(key); err != nil {
		return nil, fmt.Errorf("lan: %w", err)
	}

	id := p.nextReqID.Add(1)
	req, err := encodeKeyringMsg(msgKeyringRequest, keyringRequest{ID: id, From: p.config.NodeName, Op: op, Key: key})
	if err != nil {
		return nil, err
	}
	nodes := p.ml.Members()
	// Room for an answer and a send failure from each member, so
	// deliveries never block.
	answers := make(chan keyringAnswer, 2*len(nodes)+1)
	p.pendingMu.Lock()
	p.pending[id] = answers
	p.pendingMu.Unlock()
	defer func() {
		p.pendingMu.Lock()
		delete(p.pending, id)
		p.pendingMu.Unlock()
	}()

	asked := make(map[string]bool, len(nodes))
	for _, n := range nodes {
		asked[n.Name] = true
		if n.Name == p.config.NodeName {
			answers <- p.applyKeyringOp(keyringRequest{ID: id, From: n.Name, Op: op, Key: key})
			continue
		}
		go func(n *memberlist.Node) {
			if err := p.ml.SendReliable(n, req); err != nil {
				deliver(answers, keyringAnswer{ID: id, Node: n.Name, Error: "request not delivered: " + err.Error()})
			}
		}(n)
	}

	report := &KeyringReport{
		NumNodes:    len(nodes),
		Keys:        map[string]int{},
		PrimaryKeys: map[string]int{},
		Messages:    map[string]string{},
	}
	timer := time.NewTimer(p.config.KeyringTimeout)
	defer timer.Stop()
	answered := make(map[string]bool, len(nodes))
	why := fmt.Sprintf("no answer within %v", p.config.KeyringTimeout)
wait:
	for len(answered) < len(asked) {
		select {
		case a := <-answers:
			if !asked[a.Node] || answered[a.Node] {
				continue
			}
			answered[a.Node] = true
			report.add(a)
		case <-timer.C:
			break wait
		case <-ctx.Done():
			why = "no answer before the request ended: " + ctx.Err().Error()
			break wait
		case <-p.shutdownCh:
			why = "no answer before this agent shut down"
			break wait
		}
	}
	for name := range asked {
		if !answered[name] {
			report.Messages[name] = why
		}
	}
	if op != KeyringList {
		p.logger.Info("lan: keyring operation done", "op", string(op),
			"members", report.NumNodes, "answered", report.NumResp, "failed", report.NumErr)
	}
	return report, nil
}

// add counts one member's answer.
func (r *KeyringReport) add(a keyringAnswer) {
	r.NumResp++
	if a.Error != "" {
		r.NumErr++
		r.Messages[a.Node] = a.Error
		return
	}
	for i, k := range a.Keys {
		s := base64.StdEncoding.EncodeToString(k)
		r.Keys[s]++
		if i == 0 {
			r.PrimaryKeys[s]++
		}
	}
}

// deliver hands an answer over without blocking.
func deliver(ch chan keyringAnswer, a keyringAnswer) {
	select {
	case ch <- a:
	default:
	}
}

// handleKeyringRequest applies a request from another member and sends
// the answer back. Called from NotifyMsg; the work happens elsewhere.
func (p *Pool) handleKeyringRequest(buf []byte) {
	var req keyringRequest
	if err := json.Unmarshal(buf, &req); err != nil {
		p.logger.Warn("lan: dropping malformed keyring request", "error", err)
		return
	}
	go func() {
		ans := p.applyKeyringOp(req)
		msg, err := encodeKeyringMsg(msgKeyringAnswer, ans)
		if err != nil {
			p.logger.Error("lan: encoding keyring answer", "error", err)
			return
		}
		to := p.memberlistNode(req.From)
		if to == nil {
			p.logger.Warn("lan: keyring request from an unknown member; not answering", "from", req.From)
			return
		}
		if err := p.ml.SendReliable(to, msg); err != nil {
			p.logger.Warn("lan: sending keyring answer", "to", req.From, "error", err)
		}
	}()
}

// handleKeyringAnswer routes an answer to the operation waiting for it;
// answers to operations that have ended are dropped.
func (p *Pool) handleKeyringAnswer(buf []byte) {
	var a keyringAnswer
	if err := json.Unmarshal(buf, &a); err != nil {
		p.logger.Warn("lan: dropping malformed keyring answer", "error", err)
		return
	}
	p.pendingMu.Lock()
	ch := p.pending[a.ID]
	p.pendingMu.Unlock()
	if ch != nil {
		deliver(ch, a)
	}
}

// memberlistNode returns memberlist's live node named name, or nil.
func (p *Pool) memberlistNode(name string) *memberlist.Node {
	for _, n := range p.ml.Members() {
		if n.Name == name {
			return n
		}
	}
	return nil
}

// applyKeyringOp applies req to this agent's keyring, saves it when it
// changed, and answers with the keys held afterwards.
func (p *Pool) applyKeyringOp(req keyringRequest) keyringAnswer {
	ans := keyringAnswer{ID: req.ID, Node: p.config.NodeName}
	if p.keyring == nil {
		ans.Error = "gossip encryption is not enabled on this agent"
		return ans
	}
	p.keyMu.Lock()
	defer p.keyMu.Unlock()
	before := p.keyringKeys()
	var err error
	switch req.Op {
	case KeyringList:
	case KeyringInstall:
		err = p.keyring.AddKey(req.Key)
	case KeyringUse:
		err = p.keyring.UseKey(req.Key)
	case KeyringRemove:
		if bytes.Equal(req.Key, p.keyring.GetPrimaryKey()) {
			err = errors.New("removing the primary key is not allowed")
		} else {
			// memberlist's RemoveKey shifts its key slice in place, and
			// gossip may be reading that slice. UseKey of the primary
			// first swaps in a fresh copy that no reader holds yet.
			err = p.keyring.UseKey(p.keyring.GetPrimaryKey())
			if err == nil {
				err = p.keyring.RemoveKey(req.Key)
			}
		}
	default:
		err = fmt.Errorf("unknown keyring operation %q", req.Op)
	}
	after := p.keyringKeys()
	if err == nil && !sameKeys(before, after) && p.config.KeyringFile != "" {
		if werr := writeKeyringFile(p.config.KeyringFile, after); werr != nil {
			p.logger.Error("lan: keyring changed but not saved", "error", werr)
			err = fmt.Errorf("keyring changed but not saved: %v", werr)
		}
	}
	if err != nil {
		ans.Error = err.Error()
		return ans
	}
	if req.Op != KeyringList {
		p.logger.Info("lan: keyring changed", "op", string(req.Op), "by", req.From)
	}
	ans.Keys = after
	return ans
}

// keyringKeys copies the keyring's keys, primary first. memberlist hands
// out its own slice, which a later RemoveKey shifts in place. keyMu held.
func (p *Pool) keyringKeys() [][]byte {
	src := p.keyring.GetKeys()
	out := make([][]byte, len(src))
	for i, k := range src {
		out[i] = append([]byte(nil), k...)
	}
	return out
}

func sameKeys(a, b [][]byte) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !bytes.Equal(a[i], b[i]) {
			return false
		}
	}
	return true
}

// KeyringKeys returns this agent's own keys in base64, primary first;
// nil when gossip is not encrypted.
func (p *Pool) KeyringKeys() []string {
	if p.keyring == nil {
		return nil
	}
	p.keyMu.Lock()
	keys := p.keyringKeys()
	p.keyMu.Unlock()
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = base64.StdEncoding.EncodeToString(k)
	}
	sort.SliceStable(out[1:], func(i, j int) bool { return out[1+i] < out[1+j] })
	return out
}
