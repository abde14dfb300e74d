package emulator

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/linkdesk/linkdesk/emulator/internal/rawjson"
)

// handlePasswordTicket is POST /api/v2/tickets/password-change: a reset URL
// for one account, named by user_id, or by email and connection_id where
// the email names one account only.
func (s *Server) handlePasswordTicket(w http.ResponseWriter, r *http.Request) {
	body, err := readObject(w, r)
	if err != nil {
		writeError(w, err)
		return
	}
	if err := s.checkTicket(payload(body)); err != nil {
		writeError(w, err)
		return
	}
	// The new Universal Login's reset page (recorded:
	// https://TENANT/u/reset-password?ticket=…#), at the scheme and host
	// the sandbox serves: plain http unless --tls. The sandbox serves no
	// such page (404, as any route it lacks).
	ticket := servedAt(r) + "/u/reset-password?ticket=" + randomAlnum(32) + "#"
	b := rawjson.AppendString([]byte(`{"ticket":`), ticket)
	writeJSON(w, http.StatusCreated, append(b, '}'))
}

func (s *Server) checkTicket(p payload) error {
	err := p.only("result_url", "user_id", "ttl_sec", "client_id", "connection_id", "email",
		"mark_email_as_verified", "includeEmailInRedirect", "organization_id", "identity")
	if err != nil {
		return err
	}
	str := map[string]string{}
	for _, key := range []string{"user_id", "email", "connection_id", "result_url", "client_id", "organization_id"} {
		v, _, err := p.str(key)
		if err != nil {
			return err
		}
		str[key] = v
	}
	for _, key := range []string{"mark_email_as_verified", "includeEmailInRedirect"} {
		if _, _, err := p.boolean(key); err != nil {
			return err
		}
	}
	if raw, ok := p["ttl_sec"]; ok {
		if n, err := strconv.Atoi(string(raw)); err != nil || n < 0 {
			return invalidBody("'Expected a non-negative integer' on property ttl_sec.")
		}
	}
	userID, email, connID := str["user_id"], str["email"], str["connection_id"]
	if userID != "" {
		if email != "" || connID != "" {
			return invalidBody("'user_id conflicts with email and connection_id'.")
		}
		u := s.st.getUser(userID)
		if u == nil {
			return errUserNotFound
		}
		if c := s.st.connection(u.Connection()); c == nil || !isDatabase(c) {
			return badRequest("operation_not_supported",
				"The user %s has no password: password-change tickets are for database users only.", userID)
		}
		return nil
	}
	if email == "" || connID == "" {
		return invalidBody("'Missing required property: user_id (or email and connection_id)'.")
	}
	c := s.st.connectionByID(connID)
	switch {
	case c == nil:
		return badRequest("inexistent_connection", "The connection does not exist.")
	case !isDatabase(c):
		return badRequest("operation_not_supported", "Password-change tickets are for database connections only.")
	case nonUniqueEmails(c):
		return badRequest("invalid_body",
			"The connection %s allows several accounts per email, so an email does not name one account: send user_id instead.", c.Name)
	}
	s.st.mu.RLock()
	defer s.st.mu.RUnlock()
	for _, u := range s.st.users.byEmail(strings.ToLower(email)) {
		if u.Connection() == c.Name {
			return nil
		}
	}
	return errUserNotFound
}
