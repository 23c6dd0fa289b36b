package catalog

import (
	"errors"
	"testing"
)

func TestBadRequestInSaysBadRequestOnce(t *testing.T) {
	cases := []struct {
		err  error
		want string
	}{
		{BadRequestf("Missing key name"), "Bad request: operation 3: Missing key name"},
		{ErrorFromWire("Bad request: Missing key name"), "Bad request: operation 3: Missing key name"},
		{errors.New("key is odd"), "Bad request: operation 3: key is odd"},
	}
	for _, tc := range cases {
		err := BadRequestIn("operation 3", tc.err)
		if !IsBadRequest(err) || err.Error() != tc.want {
			t.Errorf("BadRequestIn(%v) = %v, want %q", tc.err, err, tc.want)
		}
	}
}
