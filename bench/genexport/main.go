// Command genexport writes the sandbox tenant's users as a users-export file
// (gzip NDJSON, one full user a line: profile, identities with profileData,
// metadata), the way Auth0 hands an export over. It is gen.GenerateEach
// and User.AppendJSON, nothing more: the benchmark file and the emulator's
// tenant are the same users. With -fields, each line keeps only the fields
// linkdesk's export job asks for (client.DefaultExportFields), in that order,
// as the job's own file has them.
//
//	go run ./bench/genexport -users 1000000 -out bench/out/users-1m.json.gz
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"os"

	"github.com/klauspost/compress/gzip"

	"github.com/linkdesk/linkdesk/client"
	"github.com/linkdesk/linkdesk/emulator"
	"github.com/linkdesk/linkdesk/emulator/gen"
)

func main() {
	users := flag.Int("users", 1_000_000, "number of users to generate")
	seed := flag.Int64("seed", 1, "generator seed")
	out := flag.String("out", "", "file to write (gzip NDJSON)")
	fields := flag.Bool("fields", false, "only the fields linkdesk's export job asks for")
	flag.Parse()
	if *out == "" || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: genexport [-users N] [-seed S] -out FILE")
		os.Exit(2)
	}
	if err := write(*out, *users, *seed, *fields); err != nil {
		fmt.Fprintln(os.Stderr, "genexport:", err)
		os.Exit(1)
	}
}

func write(path string, users int, seed int64, fields bool) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	bw := bufio.NewWriterSize(f, 1<<20)
	zw := gzip.NewWriter(bw) // the default level, as a stock gzip writes
	var line []byte
	var werr error
	gen.GenerateEach(gen.GenOptions{Users: users, Seed: seed}, nil, func(u *emulator.User) {
		if werr != nil {
			return
		}
		line = u.AppendJSON(line[:0])
		if fields {
			if line, werr = onlyExportFields(line); werr != nil {
				return
			}
		}
		line = append(line, '\n')
		_, werr = zw.Write(line)
	})
	if werr != nil {
		return werr
	}
	if err := zw.Close(); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	return f.Close()
}

// onlyExportFields rewrites a user's line with the fields an export job of
// client.DefaultExportFields holds, in their order; absent ones are left out.
func onlyExportFields(line []byte) ([]byte, error) {
	var all map[string]json.RawMessage
	if err := json.Unmarshal(line, &all); err != nil {
		return nil, err
	}
	out := []byte{'{'}
	for _, f := range client.DefaultExportFields {
		v, ok := all[f]
		if !ok {
			continue
		}
		if len(out) > 1 {
			out = append(out, ',')
		}
		out = append(append(strconvQuote(out, f), ':'), v...)
	}
	return append(out, '}'), nil
}

func strconvQuote(b []byte, s string) []byte { return append(append(append(b, '"'), s...), '"') }
