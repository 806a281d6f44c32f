package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"
)

// Descope's codes match with errors.Is, whatever the status they came with, and only their own.
func TestErrorIsMatchesCodes(t *testing.T) {
	cases := []struct {
		status int
		body   string
		is     []error
		isNot  []error
	}{
		{404, `{"errorCode":"E112102","errorDescription":"User not found"}`, []error{ErrUserNotFound}, []error{ErrRateLimited, ErrValidationFailed}},
		{400, `{"errorCode":"E112102"}`, []error{ErrUserNotFound}, []error{ErrBadRequest}},
		{400, `{"errorCode":"E011003","errorMessage":"bad"}`, []error{ErrValidationFailed}, []error{ErrUserNotFound, ErrInvalidArguments}},
		{429, `{"errorCode":"E130429"}`, []error{ErrRateLimited}, []error{ErrUserNotFound}},
		{429, `<html>slow down</html>`, []error{ErrRateLimited}, []error{ErrUserNotFound}}, // a 429 without Descope's code
		{400, `{"errorCode":"E011004"}`, []error{ErrInvalidArguments}, []error{ErrMissingArguments}},
		{400, `{"errorCode":"E011002"}`, []error{ErrMissingArguments}, []error{ErrInvalidArguments}},
	}
	for _, tc := range cases {
		c, _ := newScripted(t, []http.HandlerFunc{jsonStep(tc.status, tc.body)}, WithMaxRetries(0))
		_, err := c.UpdatePicture(context.Background(), "jane@example.com", "")
		wrapped := fmt.Errorf("syncing jane: %w", err)
		for _, target := range tc.is {
			if !errors.Is(wrapped, target) {
				t.Errorf("%d %s: errors.Is(err, %v) = false", tc.status, tc.body, target)
			}
		}
		for _, target := range tc.isNot {
			if errors.Is(wrapped, target) {
				t.Errorf("%d %s: errors.Is(err, %v) = true", tc.status, tc.body, target)
			}
		}
	}
	if IsUserNotFound(errors.New("E112102")) || !IsUserNotFound(ErrUserNotFound) {
		t.Error("IsUserNotFound must match *Error values only")
	}
	if got := ErrUserNotFound.Error(); got != "descope: E112102: User not found" {
		t.Errorf("sentinel reads %q", got)
	}
}
