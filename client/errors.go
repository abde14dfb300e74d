package client

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
)

// Error is an answer of the Management API that was not a success. Unlike
// the go-auth0 v1 SDK's error it keeps Auth0's errorCode.
type Error struct {
	Method     string
	Path       string
	StatusCode int
	ErrorName  string // "Not Found"
	Code       string // errorCode, e.g. "inexistent_user", "insufficient_scope"
	Message    string
	// Scope is the scope the application lacks, when Auth0 named one.
	Scope string
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s: %d", e.Method, e.Path, e.StatusCode)
	if e.Code != "" {
		fmt.Fprintf(&b, " %s", e.Code)
	} else if e.ErrorName != "" {
		fmt.Fprintf(&b, " %s", e.ErrorName)
	}
	if e.Message != "" {
		fmt.Fprintf(&b, ": %s", e.Message)
	}
	if e.Scope != "" {
		fmt.Fprintf(&b, " (grant the application the %s scope)", e.Scope)
	}
	return b.String()
}

// NotFound reports a 404 (a user that does not exist).
func (e *Error) NotFound() bool { return e.StatusCode == http.StatusNotFound }

// IsNotFound reports whether err is a 404 from the tenant.
func IsNotFound(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.NotFound()
}

// ErrReadOnly is returned by every write when the client is read-only; no
// request has been sent.
var ErrReadOnly = errors.New("read-only mode: writes are disabled (started with --read-only)")

// ErrOutcomeUnknown wraps a write whose answer was lost and whose effect
// could not be established by reading the tenant.
var ErrOutcomeUnknown = errors.New("the outcome of the write is unknown")

var scopeRe = regexp.MustCompile(`expected (?:any|all) of: ([a-z_:, ]+)`)

// parseError builds an *Error from an Auth0 error answer.
func parseError(method, path string, status int, body []byte) *Error {
	e := &Error{Method: method, Path: path, StatusCode: status}
	var b struct {
		StatusCode       int    `json:"statusCode"`
		Error            string `json:"error"`
		ErrorDescription string `json:"error_description"`
		Message          string `json:"message"`
		ErrorCode        string `json:"errorCode"`
	}
	if json.Unmarshal(body, &b) == nil {
		e.ErrorName, e.Code, e.Message = b.Error, b.ErrorCode, b.Message
		if e.Message == "" {
			e.Message = b.ErrorDescription
		}
	} else {
		e.ErrorName = http.StatusText(status)
		e.Message = strings.TrimSpace(truncate(string(body), 200))
	}
	if e.ErrorName == "" {
		e.ErrorName = http.StatusText(status)
	}
	if m := scopeRe.FindStringSubmatch(e.Message); m != nil {
		e.Scope = strings.TrimSpace(m[1])
	}
	return e
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
