package emulator

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/linkdesk/linkdesk/emulator/internal/rawjson"
)

// apiError is an answer in Auth0's error shape:
// {"statusCode","error","message","errorCode"}, errorCode left out where
// Auth0 sends none (recorded: its "Not Found" answers, a missing role or
// organization).
type apiError struct {
	status int
	code   string // errorCode; "" for none
	msg    string
}

func (e *apiError) Error() string { return fmt.Sprintf("%d %s: %s", e.status, e.code, e.msg) }

func newAPIError(status int, code, format string, args ...any) *apiError {
	return &apiError{status: status, code: code, msg: fmt.Sprintf(format, args...)}
}

func badRequest(code, format string, args ...any) *apiError {
	return newAPIError(http.StatusBadRequest, code, format, args...)
}

// invalidBody is Auth0's answer to a payload that fails validation.
func invalidBody(format string, args ...any) *apiError {
	return badRequest("invalid_body", "Payload validation error: "+format, args...)
}

var (
	errUserNotFound = newAPIError(http.StatusNotFound, "inexistent_user", "The user does not exist.")
	errUserExists   = newAPIError(http.StatusConflict, "auth0_idp_error", "The user already exists.")
	errNoConnection = newAPIError(http.StatusNotFound, "inexistent_connection", "The connection does not exist")
	// Recorded (GET and DELETE of /api/v2/roles/{id} and
	// /api/v2/organizations/{id} after the delete): no errorCode.
	errNoRole         = newAPIError(http.StatusNotFound, "", "The role does not exist.")
	errNoOrganization = newAPIError(http.StatusNotFound, "", "No organization found by that id or name")
	// errNoRoute answers a path or method the API does not have (recorded
	// "Not Found" answers have no errorCode).
	errNoRoute = newAPIError(http.StatusNotFound, "", "Not Found")
)

func (e *apiError) appendJSON(b []byte) []byte {
	w := rawjson.Writer{B: append(b, '{')}
	w.Key("statusCode")
	w.B = strconv.AppendInt(w.B, int64(e.status), 10)
	w.Str("error", http.StatusText(e.status))
	w.Str("message", e.msg)
	if e.code != "" {
		w.Str("errorCode", e.code)
	}
	return append(w.B, '}')
}

// writeError answers with err in Auth0's shape; errors that are not
// *apiError become a 500.
func writeError(w http.ResponseWriter, err error) {
	var ae *apiError
	if !errors.As(err, &ae) {
		ae = newAPIError(http.StatusInternalServerError, "internal_error", "%v", err)
	}
	writeJSON(w, ae.status, ae.appendJSON(nil))
}

// writeNoContent answers 204 with no body, and Auth0's JSON content type
// all the same (recorded on every 204 answer).
func writeNoContent(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusNoContent)
}

func writeJSON(w http.ResponseWriter, status int, body []byte) {
	writeJSONAs(w, status, "application/json; charset=utf-8", body)
}

// writeTokenJSON answers /oauth/token, whose content type has no charset
// (recorded on each of its answers, 200 to 403), unlike the Management API's.
func writeTokenJSON(w http.ResponseWriter, status int, body []byte) {
	writeJSONAs(w, status, "application/json", body)
}

func writeJSONAs(w http.ResponseWriter, status int, contentType string, body []byte) {
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	w.Write(body)
}

// maxBody bounds request bodies: the real API refuses large payloads too.
const maxBody = 1 << 20

// readObject reads a JSON object body into its members, compacted. An empty
// body is an empty object.
func readObject(w http.ResponseWriter, r *http.Request) (map[string]json.RawMessage, error) {
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		return nil, newAPIError(http.StatusRequestEntityTooLarge, "payload_too_large", "Payload too large")
	}
	return decodeObject(data)
}

func decodeObject(data []byte) (map[string]json.RawMessage, error) {
	fields := map[string]json.RawMessage{}
	if len(rawjson.TrimSpace(data)) == 0 {
		return fields, nil
	}
	if err := json.Unmarshal(data, &fields); err != nil || fields == nil {
		return nil, badRequest("invalid_body", "Invalid request payload JSON format")
	}
	for k, v := range fields {
		fields[k] = rawjson.Compact(v)
	}
	return fields, nil
}
