package cli

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/linkdesk/linkdesk/audit"
	"github.com/linkdesk/linkdesk/emulator"
	"github.com/linkdesk/linkdesk/emulator/gen"
)

type emulatorOptions struct {
	cmdEnv

	emulator.RunOptions
	Users int
	Seed  int64

	rateSet bool // --rate or --burst given
}

func newEmulatorCmd(g *globalOptions, io *streams, runF func(*emulatorOptions) error) *cobra.Command {
	o := &emulatorOptions{cmdEnv: cmdEnv{g: g, io: io}}
	ro := &o.RunOptions
	cmd := &cobra.Command{
		Use:   "emulator",
		Short: "Serve a sandbox tenant (an Auth0 Management API emulator) for other tools",
		Long: `Serve a sandbox tenant: a faithful emulator of the Auth0 Management API with
generated or fixture data. It prints the export lines that point linkdesk,
the go-auth0 SDK or curl at it, and runs until interrupted.

Each run is a tenant of its own (its state lives in this process), even at
the same address: linkdesk names it by the run its answers carry, as the
second line says ("# linkdesk names it: sandbox 5e0c91ab (127.0.0.1:4780)"), so
that what was cut off on one run is never settled or undone on another.`,
		Example: `  linkdesk emulator --users 5000
  linkdesk emulator --rate 2 --burst 2          # the global limit of a free tenant
  linkdesk emulator --rate-profile paid         # a paid tenant's limits, per endpoint group too
  linkdesk emulator --search-lag 2s             # search shows a write 2 s after it
  linkdesk emulator --tls --cert-out /tmp/sandbox.pem`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.rateSet = cmd.Flags().Changed("rate") || cmd.Flags().Changed("burst")
			return dispatch(cmd, o, &o.cmdEnv, runF, runEmulator)
		},
	}
	f := cmd.Flags()
	f.StringVar(&ro.Addr, "addr", "127.0.0.1:4780", "address to listen on (HOST:PORT; port 0 picks a free one)")
	f.IntVar(&o.Users, "users", 5000, "number of users to generate")
	f.Int64Var(&o.Seed, "seed", 1, "generator seed: the same seed gives the same tenant")
	f.BoolVar(&ro.TLS, "tls", false, "serve HTTPS with a self-signed certificate")
	f.StringVar(&ro.CertOut, "cert-out", "", "with --tls: write the certificate (PEM) here, for SSL_CERT_FILE")
	f.Float64Var(&ro.Rate, "rate", 16, "rate limit: requests per second refilled (negative: unlimited)")
	f.IntVar(&ro.Burst, "burst", 50, "rate limit: bucket size")
	f.Float64Var(&ro.FailRate, "fail-rate", 0, "fraction of requests that fail (5xx or a dropped connection), 0 to 1")
	f.DurationVar(&ro.Latency, "latency", 0, "mean added latency per request, ±50% jitter (e.g. 20ms)")
	f.DurationVar(&ro.HoldWriteReplies, "hold-write-replies", 0, "carry writes out at once, then hold their answers this long (tests of interrupted writes)")
	f.DurationVar(&ro.TokenTTL, "token-ttl", 24*time.Hour, "lifetime of issued access tokens")
	f.DurationVar(&ro.SearchLag, "search-lag", emulator.DefaultSearchLag, "how long a write takes to reach user search and the log, as on Auth0 (reads by id and users-by-email see it at once; 0: at once)")
	f.StringVar(&ro.RateProfile, "rate-profile", "", "a tenant's rate limits: free, paid or enterprise (the global bucket and the users read, users write and connections buckets)")
	f.StringVar(&ro.Dump, "dump", "", "when stopped, write the final tenant (a fixture) and the request counters here as JSON")
	f.Int64Var(&ro.Seed, "fault-seed", 0, "seed of the fault and latency generator")
	cmd.Long += "\n\n--fixture FILE loads the tenant from a file (a fixture, or what --dump wrote:\nthe tenant a sandbox ended with); --client-id and --client-secret set\nthe credentials it accepts (default sandbox-client and a random secret)."
	return cmd
}

func runEmulator(o *emulatorOptions) error {
	ro := &o.RunOptions
	if ro.TLS && ro.CertOut == "" {
		return usageErrorf("--tls needs --cert-out FILE, where the self-signed certificate is written for clients to trust")
	}
	if ro.FailRate < 0 || ro.FailRate > 1 {
		return usageErrorf("--fail-rate must be between 0 and 1")
	}
	if o.Users < 0 {
		return usageErrorf("--users must not be negative")
	}
	if ro.RateProfile != "" {
		if _, ok := emulator.RateProfiles[ro.RateProfile]; !ok {
			return usageErrorf("--rate-profile must be free, paid or enterprise")
		}
		if o.rateSet {
			return usageErrorf("--rate-profile sets the rate limits: leave out --rate and --burst")
		}
	}
	if ro.SearchLag < 0 {
		return usageErrorf("--search-lag must not be negative")
	}
	// Said now, not when the sandbox stops (the dump) or in an os error.
	for _, file := range []struct{ flag, path string }{{"--dump", ro.Dump}, {"--cert-out", ro.CertOut}} {
		if file.path != "" {
			if err := checkFileDir(file.flag, file.path); err != nil {
				return err
			}
		}
	}
	if s := o.g.ClientSecret; s != "" && len(s) < audit.MinSecretLen {
		return usageErrorf("--client-secret must be at least %d characters, as an Auth0 client secret is (64): a shorter one cannot be told from other text in what linkdesk writes", audit.MinSecretLen)
	}
	ro.ClientID, ro.ClientSecret = o.g.ClientID, o.g.ClientSecret
	if o.g.Fixture != "" {
		t, err := emulator.LoadFixture(o.g.Fixture)
		if err != nil {
			return usageErrorf("--fixture: %v", err)
		}
		ro.Tenant = t
	} else {
		fmt.Fprintf(o.io.ErrOut, "generating %d %s (seed %d)…\n", o.Users, plural(o.Users, "user", "users"), o.Seed)
		ro.Tenant = gen.Generate(gen.GenOptions{Users: o.Users, Seed: o.Seed})
	}
	return emulator.Run(o.ctx, *ro, o.io.Out)
}
