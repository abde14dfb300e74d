package audit

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The tests re-execute their own binary to get a second process: the
// environment variable helperEnv names what that process does.
const helperEnv = "LINKDESK_AUDIT_TEST_HELPER"

func TestMain(m *testing.M) {
	helper := os.Getenv(helperEnv)
	if helper == "" {
		os.Exit(m.Run())
	}
	var err error
	switch helper {
	case "append":
		err = helperAppend()
	case "open-journal":
		err = helperOpenJournal()
	case "apply":
		err = helperApply()
	default:
		err = fmt.Errorf("unknown helper %q", helper)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(0)
}

// helperCmd prepares a re-execution of the test binary as helper with env.
func helperCmd(t testing.TB, helper string, env ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	// A race-enabled binary otherwise sleeps a second before it exits.
	cmd.Env = append(os.Environ(), append([]string{helperEnv + "=" + helper, "GORACE=atexit_sleep_ms=0"}, env...)...)
	return cmd
}

// helperAppend appends HELPER_COUNT records to HELPER_LOG, each with a
// payload of HELPER_PAYLOAD bytes, tagged with HELPER_TAG.
func helperAppend() error {
	count, _ := strconv.Atoi(os.Getenv("HELPER_COUNT"))
	size, _ := strconv.Atoi(os.Getenv("HELPER_PAYLOAD"))
	l, err := OpenLog(os.Getenv("HELPER_LOG"))
	if err != nil {
		return err
	}
	defer l.Close()
	for i := range count {
		if err := l.Append(payloadRecord(os.Getenv("HELPER_TAG"), i, size)); err != nil {
			return err
		}
	}
	return nil
}

// payloadRecord is record i of writer tag, with a Before of about size bytes
// whose content can be checked after reading it back.
func payloadRecord(tag string, i, size int) Record {
	before, _ := json.Marshal(map[string]string{"tag": tag, "fill": strings.Repeat(tag[:1], size)})
	return Record{
		Operator: tag, Tenant: "t.example.com", Action: "link", Phase: PhaseAttempt,
		OpID: fmt.Sprintf("%s-%d", tag, i), UserIDs: []string{"auth0|" + strconv.Itoa(i)},
		Before: before,
	}
}

// checkPayload reports whether r is intact as payloadRecord made it.
func checkPayload(r Record, size int) error {
	var b map[string]string
	if err := json.Unmarshal(r.Before, &b); err != nil {
		return err
	}
	if b["tag"] != r.Operator || b["fill"] != strings.Repeat(r.Operator[:1], size) {
		return fmt.Errorf("record %s: payload mangled", r.OpID)
	}
	return nil
}

// helperOpenJournal tries to open HELPER_JOURNAL and prints the error, if any.
func helperOpenJournal() error {
	j, err := OpenJournal(os.Getenv("HELPER_JOURNAL"), "plan-1", []string{"a", "b"})
	if err != nil {
		fmt.Print(err)
		return nil
	}
	fmt.Print("opened")
	return j.Close()
}

// helperApply is a miniature apply: it carries out every step of a plan,
// where "the call" appends the step's id to an effects file (the tenant). On
// resume it resolves unknown steps by reading the effects file, as the real
// executor reads the tenant. Killed at any instant, it must never perform a
// step twice.
func helperApply() error {
	dir := os.Getenv("HELPER_DIR")
	steps := applySteps(mustAtoi(os.Getenv("HELPER_STEPS")))
	j, err := OpenJournal(dir+"/journal", "plan-apply", steps)
	if err != nil {
		return err
	}
	defer j.Close()
	fmt.Println("ready") // the parent's clock for killing starts now
	log, err := OpenLog(dir + "/audit.log")
	if err != nil {
		return err
	}
	defer log.Close()
	tenant, err := os.OpenFile(dir+"/effects", os.O_RDWR|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	defer tenant.Close()
	recs, _, err := ReadLog(log.Path())
	if err != nil {
		return err
	}
	open := map[string]Record{} // step → attempt without a result
	for _, r := range recs {
		if r.Phase == PhaseAttempt {
			open[r.Step] = r
		} else {
			delete(open, r.Step)
		}
	}
	for _, id := range steps {
		if j.State(id) == StepUnknown {
			data, err := os.ReadFile(tenant.Name())
			if err != nil {
				return err
			}
			state := StepPending
			if bytes.Contains(data, []byte(id+"\n")) {
				state = StepDone
			}
			if a, ok := open[id]; ok {
				res := ResultError
				if state == StepDone {
					res = ResultOK
				}
				a.Phase, a.Result, a.Error, a.Time = PhaseResult, res, "resolved after restart", time.Time{}
				if err := log.Append(a); err != nil {
					return err
				}
			}
			if err := j.Mark(id, state, "resolved by reading the tenant"); err != nil {
				return err
			}
		}
		if j.State(id) != StepPending {
			continue
		}
		// The order that keeps both files honest across a kill: journal
		// started, audit attempt, call, audit result, journal done.
		if err := j.Mark(id, StepStarted, ""); err != nil {
			return err
		}
		attempt := Record{Operator: "helper", Tenant: "t", Action: "link", Phase: PhaseAttempt, OpID: NewOpID(), Step: id, UserIDs: []string{id}}
		if err := log.Append(attempt); err != nil {
			return err
		}
		if err := writeSynced(tenant, []byte(id+"\n")); err != nil {
			return err
		}
		attempt.Phase, attempt.Result = PhaseResult, ResultOK
		if err := log.Append(attempt); err != nil {
			return err
		}
		if err := j.Mark(id, StepDone, ""); err != nil {
			return err
		}
	}
	return nil
}

func applySteps(n int) []string {
	steps := make([]string, n)
	for i := range steps {
		steps[i] = fmt.Sprintf("step-%03d", i)
	}
	return steps
}

func mustAtoi(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		panic(err)
	}
	return n
}
