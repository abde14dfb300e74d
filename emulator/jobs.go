package emulator

import (
	"net/http"
	"sync"
	"time"

	"github.com/linkdesk/linkdesk/emulator/internal/rawjson"
)

// Verification-email jobs (POST /api/v2/jobs/verification-email): the
// sandbox sends no mail; the job is pending when made and done when read, as
// soon as a real one would be: failed for an account whose email was
// already verified (recorded: TestJobManager_VerifyEmail), else completed.

type job struct {
	id, typ, status string
	created         time.Time
	outcome         string // the status it has once done
}

type jobTable struct {
	mu   sync.Mutex
	jobs map[string]*job
}

func (t *jobTable) add(j *job) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.jobs[j.id] = j
}

// get returns a copy of the job, done by the time anyone reads it.
func (t *jobTable) get(id string) *job {
	t.mu.Lock()
	defer t.mu.Unlock()
	j := t.jobs[id]
	if j == nil {
		return nil
	}
	j.status = j.outcome
	c := *j
	return &c
}

// appendJSON writes the job as Auth0 answers it: {type, status, created_at, id}.
func (j *job) appendJSON(b []byte) []byte {
	w := rawjson.Writer{B: append(b, '{')}
	w.Str("type", j.typ)
	w.Str("status", j.status)
	w.Time("created_at", j.created)
	w.Str("id", j.id)
	return append(w.B, '}')
}

// handleVerificationEmail is POST /api/v2/jobs/verification-email
// {user_id, client_id?, identity?: {user_id, provider}, organization_id?}:
// 201 with the pending job.
func (s *Server) handleVerificationEmail(w http.ResponseWriter, r *http.Request) {
	body, err := readObject(w, r)
	if err != nil {
		writeError(w, err)
		return
	}
	p := payload(body)
	if err := p.only("user_id", "client_id", "identity", "organization_id"); err != nil {
		writeError(w, err)
		return
	}
	userID, ok, err := p.str("user_id")
	if err == nil && (!ok || userID == "") {
		err = invalidBody("'Missing required property: user_id'.")
	}
	if err != nil {
		writeError(w, err)
		return
	}
	for _, k := range []string{"client_id", "organization_id"} {
		if _, _, err := p.str(k); err != nil {
			writeError(w, err)
			return
		}
	}
	u := s.st.getUser(userID)
	if u == nil {
		writeError(w, errUserNotFound)
		return
	}
	if raw, ok := body["identity"]; ok {
		id, err := decodeObject(raw)
		var provider, uid string
		if err == nil {
			provider, _, err = payload(id).str("provider")
		}
		if err == nil {
			uid, _, err = payload(id).str("user_id")
		}
		if err != nil || provider == "" || uid == "" {
			writeError(w, invalidBody("'identity needs user_id and provider'."))
			return
		}
		found := false
		for _, ident := range u.Identities {
			found = found || ident.Provider == provider && ident.UserID.Value == uid
		}
		if !found {
			writeError(w, badRequest("invalid_body", "The user %s has no identity %s|%s.", userID, provider, uid))
			return
		}
	}
	if u.Email == "" {
		writeError(w, badRequest("invalid_body", "The user %s has no email address.", userID))
		return
	}
	j := &job{id: newJobID(), typ: "verification_email", status: "pending", created: s.now().UTC(), outcome: "completed"}
	if u.EmailVerified.Bool() {
		j.outcome = "failed"
	}
	s.jobs.add(j)
	writeJSON(w, http.StatusCreated, j.appendJSON(nil))
}
