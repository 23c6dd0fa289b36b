package httpapi

import (
	"container/list"
	"sync"
)

// Bounds of the rendered-answer cache.
const (
	// answerCacheBytes bounds the keys and bodies held, all together.
	answerCacheBytes = 32 << 20
	// answerCacheEntries bounds how many keys are held.
	answerCacheEntries = 1024
	// answerCacheMaxBody is the largest body kept; a bigger one is
	// rendered for each request.
	answerCacheMaxBody = answerCacheBytes / 8
)

// answerCache keeps the JSON body last rendered for a read, with the
// index it reflects, so that readers asking the same question while the
// index stays put are answered with the same bytes. The servers say
// whether the index moved (catalog.ServiceRequest.NotModifiedIndex), so
// an entry is only ever used for the index it was rendered at: a stale
// entry is never served, it is replaced by the next answer at a newer
// index. Entries are evicted least recently used first once the cache
// holds answerCacheBytes or answerCacheEntries.
//
// It is safe for concurrent use; bodies are never changed once stored.
type answerCache struct {
	mu    sync.Mutex
	bytes int
	keys  map[string]*list.Element // of *cachedAnswer
	lru   list.List                // front: most recently used
}

// cachedAnswer is a rendered body and the index of the answer it renders.
type cachedAnswer struct {
	key   string
	index uint64
	body  []byte
}

func newAnswerCache() *answerCache {
	return &answerCache{keys: map[string]*list.Element{}}
}

// get returns the answer held for key, or nil.
func (c *answerCache) get(key string) *cachedAnswer {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.keys[key]
	if !ok {
		return nil
	}
	c.lru.MoveToFront(e)
	return e.Value.(*cachedAnswer)
}

// put keeps body as key's answer at index, unless the cache already holds
// one at a higher index (a slower reader must not put an older answer
// back) or the body is too large to keep.
func (c *answerCache) put(key string, index uint64, body []byte) {
	if len(body) > answerCacheMaxBody {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.keys[key]; ok {
		old := e.Value.(*cachedAnswer)
		if old.index > index {
			return
		}
		c.bytes += len(body) - len(old.body)
		e.Value = &cachedAnswer{key: key, index: index, body: body}
		c.lru.MoveToFront(e)
	} else {
		c.keys[key] = c.lru.PushFront(&cachedAnswer{key: key, index: index, body: body})
		c.bytes += len(key) + len(body)
	}
	for c.bytes > answerCacheBytes || len(c.keys) > answerCacheEntries {
		e := c.lru.Back()
		old := e.Value.(*cachedAnswer)
		c.lru.Remove(e)
		delete(c.keys, old.key)
		c.bytes -= len(old.key) + len(old.body)
	}
}
