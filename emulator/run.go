package emulator

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// RunOptions configure `linkdesk emulator`: a sandbox tenant served until
// its context ends.
type RunOptions struct {
	Options
	Addr    string // default "127.0.0.1:0"
	TLS     bool
	CertOut string // with TLS: where the certificate goes; default "sandbox-cert.pem"
	// Dump, when set, is where the tenant's final state and counters go
	// when it stops (a Dump as JSON, 0600): how a test that runs the
	// sandbox tenant as another process learns what it ended with, without
	// a route beside the Management API.
	Dump string
}

// Dump is what a sandbox tenant leaves in RunOptions.Dump when it stops.
type Dump struct {
	Stats  Stats           `json:"stats"`
	Tenant json.RawMessage `json:"tenant"` // the final tenant as a fixture
}

// ReadDump reads the file RunOptions.Dump names: the counters, and the
// final tenant as ReadFixture reads it.
func ReadDump(path string) (Stats, *Tenant, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Stats{}, nil, err
	}
	var d Dump
	if err := json.Unmarshal(data, &d); err != nil {
		return Stats{}, nil, fmt.Errorf("dump %s: %w", path, err)
	}
	t, err := ReadFixture(bytes.NewReader(d.Tenant))
	if err != nil {
		return Stats{}, nil, fmt.Errorf("dump %s: %w", path, err)
	}
	return d.Stats, t, nil
}

func (s *Server) writeDump(path string) error {
	var tenant bytes.Buffer
	if err := WriteFixture(&tenant, s.Snapshot()); err != nil {
		return err
	}
	var data bytes.Buffer
	enc := json.NewEncoder(&data)
	enc.SetEscapeHTML(false) // the tenant's raw JSON stays byte for byte as it was
	if err := enc.Encode(Dump{Stats: s.Stats(), Tenant: tenant.Bytes()}); err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data.Bytes(), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path) // whole or not at all: a reader never sees half a dump
}

// Run starts a sandbox tenant, prints the lines that point a client at it,
// serves until ctx is done, then shuts down cleanly.
func Run(ctx context.Context, ro RunOptions, out io.Writer) error {
	s, err := New(ro.Options)
	if err != nil {
		return err
	}
	addr := ro.Addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	var base string
	if ro.TLS {
		certOut := ro.CertOut
		if certOut == "" {
			certOut = "sandbox-cert.pem"
		}
		if certOut, err = filepath.Abs(certOut); err != nil {
			return err
		}
		base, err = s.StartTLS(addr, certOut)
		if err == nil {
			defer fmt.Fprintf(out, "# certificate left in %s\n", certOut)
		}
		ro.CertOut = certOut
	} else {
		base, err = s.Start(addr)
	}
	if err != nil {
		s.Close()
		return err
	}
	fmt.Fprintf(out, "# linkdesk sandbox tenant sandbox %s: %d users, %d connections; %s\n",
		s.Run(), s.UserCount(), len(s.st.conns), s.rateSummary())
	// A tenant of its own, every run: its state lives in this process. The
	// name is the one linkdesk gives it (its journals, locks and audit
	// records go by it), so that what a linkdesk cut off on another run
	// served at this address is never settled or undone on this one.
	fmt.Fprintf(out, "# linkdesk names it: %s\n", TenantName(s.Run(), base))
	fmt.Fprintf(out, "export AUTH0_DOMAIN=%s\n", base)
	if ro.TLS {
		fmt.Fprintf(out, "export SSL_CERT_FILE=%s\n", ro.CertOut)
	}
	fmt.Fprintf(out, "export AUTH0_CLIENT_ID=%s\n", s.ClientID())
	fmt.Fprintf(out, "export AUTH0_CLIENT_SECRET=%s\n", s.ClientSecret())
	<-ctx.Done()
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err = s.shutdown(sctx)
	if ro.Dump != "" {
		if derr := s.writeDump(ro.Dump); derr != nil {
			err = errors.Join(err, fmt.Errorf("dump: %w", derr))
		}
	}
	st := s.Stats()
	fmt.Fprintf(out, "# sandbox tenant stopped after %d API calls (%d writes, %d rate-limited)\n",
		st.APICalls, st.Writes, st.RateLimited)
	return err
}

// rateSummary describes the rate limit and chaos settings in a few words.
func (s *Server) rateSummary() string {
	o := s.opts
	var rate string
	if o.Rate < 0 {
		rate = "no rate limit"
	} else {
		rate = fmt.Sprintf("rate %g/s, burst %d", s.limiter.rate, int(s.limiter.burst))
	}
	if o.RateProfile != "" {
		rate = o.RateProfile + " tenant's rate limits: " + rate + " for the whole API, and per minute users read 500 (burst 40), users write 200 (burst 20), connections 50 (burst 5)"
	}
	if o.FailRate > 0 {
		rate += fmt.Sprintf(", fail rate %g", o.FailRate)
	}
	if o.Latency > 0 {
		rate += fmt.Sprintf(", latency %s", o.Latency)
	}
	if o.SearchLag > 0 {
		rate += fmt.Sprintf(", search lag %s", o.SearchLag)
	}
	return rate
}

// TenantName is what linkdesk calls the sandbox tenant of run served at
// base ("http://127.0.0.1:4780", or the domain alone): "sandbox RUN
// (HOST:PORT)", the sandbox of `linkdesk demo` and a `linkdesk emulator`
// alike.
//
// The loopback address has one spelling, 127.0.0.1: the run reached as
// localhost:4780 or [::1]:4780 is the one reached as 127.0.0.1:4780, and
// every record, journal and refusal must say so (testers: resume on
// localhost found nothing to settle of a write cut off on 127.0.0.1, and a
// write there passed the unsettled-write gate).
func TenantName(run, base string) string {
	host := base
	if _, rest, ok := strings.Cut(base, "://"); ok {
		host = rest
	}
	return fmt.Sprintf("sandbox %s (%s)", run, LoopbackAs127(strings.ToLower(strings.TrimRight(host, "/"))))
}

// LoopbackAs127 is HOST:PORT with a loopback host (localhost, [::1],
// 127.0.0.1) written 127.0.0.1; any other address as it is.
func LoopbackAs127(hostPort string) string {
	host, port, err := net.SplitHostPort(hostPort)
	if err != nil {
		host, port = hostPort, ""
	}
	host = strings.TrimSuffix(host, ".")
	if host != "localhost" && host != "::1" && host != "127.0.0.1" {
		return hostPort
	}
	if port == "" {
		return "127.0.0.1"
	}
	return "127.0.0.1:" + port
}
