// Command linkdesk finds the duplicate accounts of an Auth0 tenant and links,
// unlinks or deletes them from the server side, safely and on the record.
// ARCHITECTURE.md maps the packages; the command line lives in cli.
package main

import (
	"os"

	"github.com/linkdesk/linkdesk/cli"
)

func main() { os.Exit(cli.Main(os.Args[1:])) }
