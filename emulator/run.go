package emulator

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"time"
)

// RunOptions configure `linkdesk emulator`: a sandbox tenant served until
// its context ends.
type RunOptions struct {
	Options
	Addr    string // default "127.0.0.1:0"
	TLS     bool
	CertOut string // with TLS: where the certificate goes; default "sandbox-cert.pem"
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
	fmt.Fprintf(out, "# linkdesk sandbox tenant: %d users, %d connections; %s\n",
		s.UserCount(), len(s.st.conns), s.rateSummary())
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
