package client

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/auth0/go-auth0"
	"github.com/auth0/go-auth0/management"
	"github.com/klauspost/compress/gzip"
)

const (
	maxPollInterval   = 5 * time.Second
	maxExportRestarts = 5
	progressEvery     = 1 << 20 // bytes between progress reports while reading
)

func (t *tenant) ExportUsers(ctx context.Context, req ExportRequest, progress func(ExportProgress)) (io.ReadCloser, error) {
	if progress == nil {
		progress = func(ExportProgress) {}
	}
	fields := req.Fields
	if len(fields) == 0 {
		fields = DefaultExportFields
	}
	job := &management.Job{Format: auth0.String("json")}
	for _, f := range fields {
		job.Fields = append(job.Fields, map[string]interface{}{"name": f})
	}
	if req.ConnectionID != "" {
		job.ConnectionID = auth0.String(req.ConnectionID)
	}
	if req.Limit > 0 {
		job.Limit = auth0.Int(req.Limit)
	}
	// A repeated job request only starts a second, identical export.
	cctx, c := withCapture(withRetryable(ctx))
	if err := t.m.Job.ExportUsers(cctx, job); err != nil {
		return nil, sdkError(http.MethodPost, "/api/v2/jobs/users-exports", err, c)
	}
	id := job.GetID()
	if id == "" {
		return nil, errors.New("POST /api/v2/jobs/users-exports: the answer has no job id")
	}
	progress(ExportProgress{JobID: id, Status: job.GetStatus()})
	loc, err := t.waitForExport(ctx, id, progress)
	if err != nil {
		return nil, err
	}
	r := &exportReader{ctx: ctx, t: t, jobID: id, location: loc, progress: progress, keep: req.Keep}
	if err := r.open(); err != nil {
		return nil, err
	}
	return r, nil
}

// readJob reads an export job; each read of a completed job carries a fresh
// download location.
func (t *tenant) readJob(ctx context.Context, id string) (*management.Job, error) {
	cctx, c := withCapture(ctx)
	job, err := t.m.Job.Read(cctx, id)
	if err != nil {
		return nil, sdkError(http.MethodGet, "/api/v2/jobs/"+id, err, c)
	}
	return job, nil
}

func (t *tenant) waitForExport(ctx context.Context, id string, progress func(ExportProgress)) (string, error) {
	wait := t.poll
	for {
		job, err := t.readJob(ctx, id)
		if err != nil {
			return "", err
		}
		status := job.GetStatus()
		progress(ExportProgress{JobID: id, Status: status, Percent: job.GetPercentageDone()})
		switch status {
		case "completed":
			if job.GetLocation() == "" {
				return "", fmt.Errorf("export job %s completed without a download location", id)
			}
			return job.GetLocation(), nil
		case "failed", "cancelled", "canceled":
			return "", fmt.Errorf("export job %s %s%s", id, status, jobDetail(job))
		}
		if err := Sleep(ctx, wait); err != nil {
			return "", err
		}
		wait = min(wait*3/2, maxPollInterval)
	}
}

func jobDetail(j *management.Job) string {
	if s := j.GetSummary(); s != nil && s.GetFailed() > 0 {
		return fmt.Sprintf(" (%d failed)", s.GetFailed())
	}
	return ": Auth0 gave no reason; try again, or export from the Dashboard and use --from-export"
}

// exportReader streams the decompressed export. If the download breaks it
// asks the job for a fresh location, downloads again and skips what it had
// already handed out, so the caller sees one unbroken stream.
type exportReader struct {
	ctx      context.Context
	t        *tenant
	jobID    string
	location string
	progress func(ExportProgress)
	keep     *ExportCopy

	body      io.ReadCloser
	dec       io.Reader
	delivered int64
	lines     int64
	reported  int64
	restarts  int
	done      bool
}

func (r *exportReader) open() error {
	var lastErr error
	for attempt := 0; attempt < 4; attempt++ {
		if attempt > 0 {
			if err := Sleep(r.ctx, backoff(attempt)); err != nil {
				return err
			}
		}
		req, err := http.NewRequestWithContext(r.ctx, http.MethodGet, r.location, nil)
		if err != nil {
			return fmt.Errorf("export %s: bad download location: %w", r.jobID, err)
		}
		resp, err := r.t.download.Do(req)
		if err != nil {
			if r.ctx.Err() != nil {
				return r.ctx.Err()
			}
			lastErr = unwrapURLError(err)
			continue
		}
		if resp.StatusCode != http.StatusOK {
			drain(resp)
			lastErr = fmt.Errorf("download answered %s", resp.Status)
			if resp.StatusCode == http.StatusForbidden || resp.StatusCode == http.StatusNotFound {
				// The presigned link expired (they last about 60s): ask for a fresh one.
				job, err := r.t.readJob(r.ctx, r.jobID)
				if err != nil {
					return err
				}
				r.location = job.GetLocation()
			}
			continue
		}
		var body io.Reader = resp.Body
		if r.keep != nil {
			r.keep.reset() // a download that starts again starts the copy again
			body = io.TeeReader(resp.Body, r.keep)
		}
		dec, err := Decompress(body)
		if err != nil {
			resp.Body.Close()
			lastErr = err
			continue
		}
		r.body, r.dec = resp.Body, dec
		r.progress(ExportProgress{JobID: r.jobID, Status: "downloading", Percent: 100, BytesRead: r.delivered, Lines: r.lines})
		return nil
	}
	return fmt.Errorf("export %s: download failed: %w", r.jobID, lastErr)
}

// Decompress reads a users export: gzip (what Auth0 sends, detected by its
// magic number) or, should a file be uncompressed, plain NDJSON.
func Decompress(body io.Reader) (io.Reader, error) {
	br := bufio.NewReaderSize(body, 1<<20)
	magic, err := br.Peek(2)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	if bytes.Equal(magic, []byte{0x1f, 0x8b}) {
		return gzip.NewReader(br)
	}
	return br, nil
}

func (r *exportReader) Read(p []byte) (int, error) {
	if r.done {
		return 0, io.EOF
	}
	for {
		n, err := r.dec.Read(p)
		if n > 0 {
			r.delivered += int64(n)
			r.lines += int64(bytes.Count(p[:n], []byte{'\n'}))
			if r.delivered-r.reported >= progressEvery {
				r.reported = r.delivered
				r.progress(ExportProgress{JobID: r.jobID, Status: "downloading", Percent: 100, BytesRead: r.delivered, Lines: r.lines})
			}
		}
		if err == nil || errors.Is(err, io.EOF) {
			if errors.Is(err, io.EOF) {
				r.done = true
				r.progress(ExportProgress{JobID: r.jobID, Status: "downloaded", Percent: 100, BytesRead: r.delivered, Lines: r.lines})
			}
			return n, err
		}
		if r.ctx.Err() != nil {
			return n, r.ctx.Err()
		}
		if n > 0 {
			return n, nil // hand out what arrived; the error comes back on the next Read
		}
		if rerr := r.restart(); rerr != nil {
			return 0, fmt.Errorf("export %s: download broke after %d bytes (%v) and could not resume: %w", r.jobID, r.delivered, err, rerr)
		}
	}
}

func (r *exportReader) restart() error {
	if r.restarts >= maxExportRestarts {
		return errors.New("too many broken downloads")
	}
	r.restarts++
	r.body.Close()
	if err := r.open(); err != nil {
		return err
	}
	// The file of a job does not change: skip what was already handed out.
	skipped, err := io.CopyN(io.Discard, r.dec, r.delivered)
	if err != nil || skipped != r.delivered {
		return fmt.Errorf("skipping %d bytes already read: %v", r.delivered, err)
	}
	return nil
}

func (r *exportReader) Close() error {
	if r.body == nil {
		return nil
	}
	return r.body.Close()
}
