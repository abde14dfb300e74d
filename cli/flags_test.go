package cli

import (
	"bytes"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// testStreams captures a command's output; nothing is a terminal.
func testStreams() (*streams, *bytes.Buffer, *bytes.Buffer) {
	var out, errOut bytes.Buffer
	return &streams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}, &out, &errOut
}

// runFlags parses args for one command built with runF, without a tenant.
func runFlags(t *testing.T, build func(g *globalOptions, io *streams) *cobra.Command, args ...string) error {
	t.Helper()
	io, _, _ := testStreams()
	cmd := build(&globalOptions{}, io)
	cmd.SetArgs(args)
	cmd.SetOut(io.Out)
	cmd.SetErr(io.ErrOut)
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &exitError{code: exitUsage, err: err} })
	return cmd.Execute()
}

func TestWriteCommandsTakeTheirArgumentsAndFlags(t *testing.T) {
	var link *linkOptions
	err := runFlags(t, func(g *globalOptions, io *streams) *cobra.Command {
		return newLinkCmd(g, io, func(o *linkOptions) error { link = o; return nil })
	}, "auth0|1", "google-oauth2|2", "--no-merge-metadata", "--allow-unverified", "--reason", "ticket #7", "--force", "--json")
	if err != nil || link.Primary != "auth0|1" || link.Secondary != "google-oauth2|2" || !link.NoMergeMetadata ||
		!link.AllowUnverified || link.Reason != "ticket #7" || !link.Force || !link.JSON || link.ctx == nil {
		t.Fatalf("link: %v %+v", err, link)
	}

	var unlink *unlinkOptions
	err = runFlags(t, func(g *globalOptions, io *streams) *cobra.Command {
		return newUnlinkCmd(g, io, func(o *unlinkOptions) error { unlink = o; return nil })
	}, "auth0|1", "github", "42")
	if err != nil || unlink.Primary != "auth0|1" || unlink.Provider != "github" || unlink.UserID != "42" || unlink.Force {
		t.Fatalf("unlink: %v %+v", err, unlink)
	}

	var del *deleteOptions
	err = runFlags(t, func(g *globalOptions, io *streams) *cobra.Command {
		return newDeleteCmd(g, io, func(o *deleteOptions) error { del = o; return nil })
	}, "sms|9", "--reason", "dup")
	if err != nil || del.UserID != "sms|9" || del.Reason != "dup" {
		t.Fatalf("delete: %v %+v", err, del)
	}

	var ticket *ticketOptions
	err = runFlags(t, func(g *globalOptions, io *streams) *cobra.Command {
		return newTicketCmd(g, io, func(o *ticketOptions) error { ticket = o; return nil })
	}, "auth0|5", "--force")
	if err != nil || ticket.UserID != "auth0|5" || !ticket.Force {
		t.Fatalf("ticket: %v %+v", err, ticket)
	}
}

func TestUsageErrorsNeedNoTenant(t *testing.T) {
	for _, tc := range []struct {
		name  string
		build func(g *globalOptions, io *streams) *cobra.Command
		args  []string
		want  string
	}{
		{"link needs two ids", func(g *globalOptions, io *streams) *cobra.Command {
			return newLinkCmd(g, io, func(*linkOptions) error { t.Fatal("ran"); return nil })
		}, []string{"auth0|1"}, "usage: linkdesk link PRIMARY SECONDARY"},
		{"unlink needs three", func(g *globalOptions, io *streams) *cobra.Command {
			return newUnlinkCmd(g, io, func(*unlinkOptions) error { t.Fatal("ran"); return nil })
		}, []string{"auth0|1", "github"}, "usage: linkdesk unlink"},
		{"scan takes one output format", func(g *globalOptions, io *streams) *cobra.Command {
			return newScanCmd(g, io, func(*scanOptions) error { t.Fatal("ran"); return nil })
		}, []string{"--json", "--csv"}, "choose one of --json and --csv"},
		{"scan --email reads the tenant, not a file", func(g *globalOptions, io *streams) *cobra.Command {
			return newScanCmd(g, io, func(*scanOptions) error { t.Fatal("ran"); return nil })
		}, []string{"--email", "a@b.c", "--from-export", "x.gz"}, "cannot be combined"},
		{"plan needs --out", func(g *globalOptions, io *streams) *cobra.Command {
			return newPlanCmd(g, io, func(*planOptions) error { t.Fatal("ran"); return nil })
		}, nil, "--out FILE is required"},
		{"plan knows its classes", func(g *globalOptions, io *streams) *cobra.Command {
			return newPlanCmd(g, io, func(*planOptions) error { t.Fatal("ran"); return nil })
		}, []string{"--out", "-", "--class", "friends"}, `--class "friends"`},
		{"resume finishes or discards, not both", func(g *globalOptions, io *streams) *cobra.Command {
			return newResumeCmd(g, io, func(*resumeOptions) error { t.Fatal("ran"); return nil })
		}, []string{"--force", "--discard"}, "choose one of --force"},
		{"an unknown flag", func(g *globalOptions, io *streams) *cobra.Command {
			return newDeleteCmd(g, io, func(*deleteOptions) error { t.Fatal("ran"); return nil })
		}, []string{"auth0|1", "--forse"}, "unknown flag: --forse"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := runFlags(t, tc.build, tc.args...)
			ee, ok := err.(*exitError)
			if !ok || ee.code != exitUsage || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v (%T), want a usage error saying %q", err, err, tc.want)
			}
		})
	}
}
