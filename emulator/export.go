package emulator

import (
	"bufio"
	"bytes"
	"compress/flate"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"io"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/linkdesk/linkdesk/emulator/internal/rawjson"
)

// Users-export jobs. A job snapshots the tenant when it is created (the
// stored users never change, so a snapshot is a slice of pointers) and
// writes a gzip file in the background: NDJSON or CSV, one user per line.
// Once complete, every GET of the job gives a fresh `location`: a signed
// link outside /api/v2, like an S3 presigned URL, valid ExportLinkTTL.

// exportPathPrefix is where export files are served.
const exportPathPrefix = "/exports/"

// defaultExportFields are exported when a job names none.
var defaultExportFields = []string{
	"user_id", "email", "email_verified", "username", "phone_number", "name", "given_name",
	"family_name", "nickname", "picture", "identities", "created_at", "updated_at",
	"last_login", "logins_count", "blocked",
}

type exportField struct {
	name, exportAs string
	get            fieldGetter
}

type exportJob struct {
	id       string
	conn     *Connection // nil: the whole tenant
	format   string      // "json" or "csv"
	limit    int
	fields   []exportField
	created  time.Time
	fail     bool
	snapshot []*User

	// guarded by exportJobs.mu
	status  string // pending, processing, completed, failed
	started time.Time
	total   int
	done    atomic.Int64
	file    *exportFile // the finished file, until evicted
}

// exportFile is a finished export: an open temp file, already unlinked
// where the system allows it, so that nothing is left on disk even when the
// process dies without Close.
type exportFile struct {
	f        *os.File
	size     int64
	modTime  time.Time
	path     string // still to remove: the system refused to unlink an open file
	readers  int    // downloads in progress
	released bool   // evicted: close once the readers are done
}

func (ef *exportFile) closeIfUnused() {
	if ef.released && ef.readers == 0 {
		ef.f.Close()
		if ef.path != "" {
			os.Remove(ef.path)
		}
	}
}

type exportJobs struct {
	mu     sync.Mutex
	jobs   map[string]*exportJob
	files  []*exportJob // completed jobs whose file is kept, oldest first
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	closed bool
}

func newExportJobs() *exportJobs {
	ctx, cancel := context.WithCancel(context.Background())
	return &exportJobs{jobs: map[string]*exportJob{}, ctx: ctx, cancel: cancel}
}

// keptExportFiles is how many finished export files stay on disk: an older
// job's link then answers NoSuchKey, as if a bucket lifecycle rule had
// removed it (a million-user export is some 170 MB).
const keptExportFiles = 4

// close stops running jobs and releases every export file.
func (j *exportJobs) close() error {
	j.mu.Lock()
	j.closed = true
	j.mu.Unlock()
	j.cancel()
	j.wg.Wait()
	j.mu.Lock()
	defer j.mu.Unlock()
	for _, job := range j.files {
		job.file.released = true
		job.file.closeIfUnused()
	}
	j.files = nil
	return nil
}

// handleCreateExport is POST /api/v2/jobs/users-exports.
func (s *Server) handleCreateExport(w http.ResponseWriter, r *http.Request) {
	body, err := readObject(w, r)
	if err != nil {
		writeError(w, err)
		return
	}
	job, err := s.newExportJob(payload(body), s.now())
	if err != nil {
		writeError(w, err)
		return
	}
	answer := s.exports.appendJob(nil, job, "") // pending: encoded before the job starts
	if err := s.exports.start(job); err != nil {
		writeError(w, err)
		return
	}
	// Auth0 answers 200 here, not 201 (recorded: TestJobManager_ExportUsers).
	writeJSON(w, http.StatusOK, answer)
}

func (s *Server) newExportJob(p payload, now time.Time) (*exportJob, error) {
	if err := p.only("connection_id", "format", "limit", "fields"); err != nil {
		return nil, err
	}
	job := &exportJob{id: newJobID(), format: "csv", created: now, fail: s.opts.FailExports, status: "pending"}
	if f, ok, err := p.str("format"); err != nil {
		return nil, err
	} else if ok {
		if f != "json" && f != "csv" {
			return nil, invalidBody("'No enum match for: \"%s\"' on property format.", f)
		}
		job.format = f
	}
	if id, ok, err := p.str("connection_id"); err != nil {
		return nil, err
	} else if ok {
		if job.conn = s.st.connectionByID(id); job.conn == nil {
			return nil, badRequest("inexistent_connection", "The connection does not exist.")
		}
	}
	if raw, ok := p["limit"]; ok {
		n, err := strconv.Atoi(string(raw))
		if err != nil || n < 1 {
			return nil, invalidBody("'Expected a positive integer' on property limit.")
		}
		job.limit = n
	}
	var fields []struct {
		Name     *string `json:"name"`
		ExportAs string  `json:"export_as"`
	}
	if raw, ok := p["fields"]; ok && json.Unmarshal(raw, &fields) != nil {
		return nil, wrongType("fields", "array", raw)
	}
	for _, f := range fields {
		if f.Name == nil || *f.Name == "" {
			return nil, invalidBody("'Missing required property: name' on property fields.")
		}
		get, ok := compileField(*f.Name)
		if !ok {
			return nil, invalidBody("'Invalid field name: %s' on property fields.", *f.Name)
		}
		job.fields = append(job.fields, exportField{name: *f.Name, exportAs: f.ExportAs, get: get})
	}
	if len(fields) == 0 {
		for _, name := range defaultExportFields {
			get, _ := compileField(name)
			job.fields = append(job.fields, exportField{name: name, get: get})
		}
	}
	s.st.mu.RLock()
	job.snapshot = s.st.users.users()
	s.st.mu.RUnlock()
	return job, nil
}

func (j *exportJobs) start(job *exportJob) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.closed {
		return newAPIError(http.StatusServiceUnavailable, "service_unavailable", "The sandbox tenant is shutting down.")
	}
	j.jobs[job.id] = job
	j.wg.Add(1)
	go j.run(job)
	return nil
}

func (j *exportJobs) run(job *exportJob) {
	defer j.wg.Done()
	users := job.snapshot
	if job.conn != nil {
		var kept []*User
		for _, u := range users {
			if u.Connection() == job.conn.Name {
				kept = append(kept, u)
			}
		}
		users = kept
	}
	if job.limit > 0 && len(users) > job.limit {
		users = users[:job.limit]
	}
	j.mu.Lock()
	job.snapshot = nil
	job.status, job.started, job.total = "processing", time.Now(), len(users)
	j.mu.Unlock()

	ef, err := j.write(job, users)
	j.mu.Lock()
	defer j.mu.Unlock()
	if err != nil || job.fail || j.closed {
		job.status = "failed"
		if ef != nil {
			ef.released = true
			ef.closeIfUnused()
		}
		return
	}
	job.status, job.file = "completed", ef
	j.files = append(j.files, job)
	if len(j.files) > keptExportFiles {
		old := j.files[0]
		j.files = j.files[1:]
		old.file.released = true
		old.file.closeIfUnused()
		old.file = nil
	}
}

// openFile lends out the job's file for a download; release gives it back.
func (j *exportJobs) openFile(job *exportJob) (ef *exportFile, release func()) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if job.file == nil {
		return nil, nil
	}
	ef = job.file
	ef.readers++
	return ef, func() {
		j.mu.Lock()
		defer j.mu.Unlock()
		ef.readers--
		ef.closeIfUnused()
	}
}

// write builds the export file: one gzip member, as Auth0 hands it over,
// whose deflate stream is compressed in blocks on every CPU (the way pigz
// does it: each block ends on a byte boundary with a sync flush, and the
// blocks are written in order), so that a million users take seconds.
func (j *exportJobs) write(job *exportJob, users []*User) (_ *exportFile, err error) {
	f, err := os.CreateTemp("", "linkdesk-export-*.gz")
	if err != nil {
		return nil, err
	}
	file := &exportFile{f: f, path: f.Name()}
	if os.Remove(f.Name()) == nil {
		file.path = ""
	}
	defer func() {
		if err != nil {
			file.released = true
			file.closeIfUnused()
		}
	}()
	bw := bufio.NewWriterSize(f, 256<<10)
	// The member header gzip.Writer writes at BestSpeed: no name, no time.
	if _, err := bw.Write([]byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 4, 255}); err != nil {
		return nil, err
	}
	var header []byte
	if job.format == "csv" {
		for i, fld := range job.fields {
			if i > 0 {
				header = append(header, ',')
			}
			header = appendCSVCell(header, []byte(fld.header()))
		}
		header = append(header, '\n')
	}
	crc, size := crc32.NewIEEE(), uint32(0)
	err = compressBlocks(j.ctx, len(users), exportBlock, func(b *exportBlockBuf, start, end int) {
		b.raw = b.raw[:0]
		if start == 0 {
			b.raw = append(b.raw, header...)
		}
		for _, u := range users[start:end] {
			b.raw = job.appendLine(b.raw, u, &b.cell)
		}
	}, func(b *exportBlockBuf, end int) error {
		crc.Write(b.raw)
		size += uint32(len(b.raw))
		job.done.Store(int64(end))
		_, err := bw.Write(b.zipped)
		return err
	})
	if err != nil {
		return nil, err
	}
	// The final block: empty, fixed Huffman codes, BFINAL set. Then the
	// CRC-32 and the size of what the member holds.
	trailer := []byte{3, 0, 0, 0, 0, 0, 0, 0, 0, 0}
	binary.LittleEndian.PutUint32(trailer[2:], crc.Sum32())
	binary.LittleEndian.PutUint32(trailer[6:], size)
	if _, err := bw.Write(trailer); err != nil {
		return nil, err
	}
	job.done.Store(int64(len(users)))
	if err := bw.Flush(); err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	file.size, file.modTime = fi.Size(), fi.ModTime()
	return file, nil
}

// exportBlock is how many users one compressed block holds.
const exportBlock = 2048

// exportBlockBuf is one block of an export: its text, and compressed.
type exportBlockBuf struct {
	raw, zipped []byte
	cell        []byte // scratch for CSV cells
	zw          *flate.Writer
}

// compressBlocks cuts [0, n) into blocks of size, has fill write each
// block's text on one goroutine a CPU, compresses it as a non-final deflate
// block ending with a sync flush, and hands the blocks to put in order (one
// empty block when n is 0). It stops at put's first error or when ctx ends.
func compressBlocks(ctx context.Context, n, size int, fill func(b *exportBlockBuf, start, end int), put func(b *exportBlockBuf, end int) error) error {
	type block struct {
		start, end int
		buf        *exportBlockBuf
		done       chan struct{}
	}
	workers := runtime.GOMAXPROCS(0)
	todo := make(chan *block)
	order := make(chan *block, 2*workers)
	free := make(chan *exportBlockBuf, 3*workers)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for b := range todo {
				fill(b.buf, b.start, b.end)
				zb := bytes.NewBuffer(b.buf.zipped[:0])
				if b.buf.zw == nil {
					b.buf.zw, _ = flate.NewWriter(zb, flate.BestSpeed)
				} else {
					b.buf.zw.Reset(zb)
				}
				b.buf.zw.Write(b.buf.raw)
				b.buf.zw.Flush()
				b.buf.zipped = zb.Bytes()
				close(b.done)
			}
		})
	}
	go func() {
		defer close(order)
		defer close(todo)
		for start := 0; start < n || start == 0; start += size {
			var buf *exportBlockBuf
			select {
			case buf = <-free:
			default:
				buf = &exportBlockBuf{}
			}
			b := &block{start: start, end: min(start+size, n), buf: buf, done: make(chan struct{})}
			for _, ch := range []chan *block{todo, order} {
				select {
				case ch <- b:
				case <-stop:
					return
				}
			}
		}
	}()
	defer wg.Wait()
	defer close(stop)
	for b := range order {
		<-b.done
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := put(b.buf, b.end); err != nil {
			return err
		}
		select {
		case free <- b.buf:
		default:
		}
	}
	return nil
}

func (f exportField) header() string {
	if f.exportAs != "" {
		return f.exportAs
	}
	return f.name
}

// appendLine appends one user's line: an NDJSON object of the fields it has,
// or a CSV row with an empty cell for each it lacks.
func (job *exportJob) appendLine(b []byte, u *User, cell *[]byte) []byte {
	if job.format == "csv" {
		for i, f := range job.fields {
			if i > 0 {
				b = append(b, ',')
			}
			var ok bool
			if *cell, ok = f.get((*cell)[:0], u); ok {
				b = appendCSVCell(b, *cell)
			}
		}
		return append(b, '\n')
	}
	w := rawjson.Writer{B: append(b, '{')}
	for _, f := range job.fields {
		m := w.Mark()
		w.Key(f.header())
		var ok bool
		if w.B, ok = f.get(w.B, u); !ok {
			w.Reset(m)
		}
	}
	return append(w.B, '}', '\n')
}

// appendJob writes the job as GET /api/v2/jobs/{id} answers; base is the
// URL the client reached us at, for the download location.
func (j *exportJobs) appendJob(b []byte, job *exportJob, base string) []byte {
	j.mu.Lock()
	status, total, started := job.status, job.total, job.started
	j.mu.Unlock()
	w := rawjson.Writer{B: append(b, '{')}
	w.Str("type", "users_export")
	w.Str("status", status)
	if job.conn != nil {
		w.Str("connection_id", job.conn.ID)
		w.Str("connection", job.conn.Name)
	}
	w.Str("format", job.format)
	if job.limit > 0 {
		w.Key("limit")
		w.B = strconv.AppendInt(w.B, int64(job.limit), 10)
	}
	w.Key("fields")
	w.B = append(w.B, '[')
	for i, f := range job.fields {
		if i > 0 {
			w.B = append(w.B, ',')
		}
		fw := rawjson.Writer{B: append(w.B, '{')}
		fw.Str("name", f.name)
		if f.exportAs != "" {
			fw.Str("export_as", f.exportAs)
		}
		w.B = append(fw.B, '}')
	}
	w.B = append(w.B, ']')
	w.Time("created_at", job.created)
	w.Str("id", job.id)
	switch status {
	case "processing":
		done := int(job.done.Load())
		pct, left := 0, 0
		if total > 0 {
			pct = done * 100 / total
		}
		if done > 0 {
			elapsed := time.Since(started)
			left = int((elapsed * time.Duration(total-done) / time.Duration(done)).Seconds())
		}
		w.Key("percentage_done")
		w.B = strconv.AppendInt(w.B, int64(pct), 10)
		w.Key("time_left_seconds")
		w.B = strconv.AppendInt(w.B, int64(left), 10)
	case "completed":
		if base != "" {
			w.Str("location", base)
		}
	case "failed":
		w.Key("summary")
		w.B = fmt.Appendf(w.B, `{"failed":%d,"updated":0,"inserted":0,"total":%d}`, total, total)
	}
	return append(w.B, '}')
}

func (j *exportJobs) get(id string) *exportJob {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.jobs[id]
}

// handleGetJob is GET /api/v2/jobs/{id}.
func (s *Server) handleGetJob(w http.ResponseWriter, r *http.Request) {
	job := s.exports.get(r.PathValue("id"))
	if job == nil {
		if vj := s.jobs.get(r.PathValue("id")); vj != nil {
			writeJSON(w, http.StatusOK, vj.appendJSON(nil))
			return
		}
		writeError(w, newAPIError(http.StatusNotFound, "inexistent_job", "The job does not exist."))
		return
	}
	writeJSON(w, http.StatusOK, s.exports.appendJob(nil, job, s.downloadURL(r, job, s.now())))
}

// fileName is the download's file name: job id and format.
func (job *exportJob) fileName() string { return job.id + "." + job.format + ".gz" }

// downloadURL signs a fresh link to the job's file, S3 style.
func (s *Server) downloadURL(r *http.Request, job *exportJob, now time.Time) string {
	date := now.UTC().Format("20060102T150405Z")
	expires := strconv.Itoa(max(1, int(s.opts.ExportLinkTTL.Seconds())))
	return fmt.Sprintf("%s%s%s?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date=%s&X-Amz-Expires=%s&X-Amz-Signature=%s",
		servedAt(r), exportPathPrefix, job.fileName(), date, expires, s.sign(job.fileName(), date, expires))
}

func (s *Server) sign(parts ...string) string {
	m := hmac.New(sha256.New, s.signKey)
	m.Write([]byte(strings.Join(parts, "\n")))
	return hex.EncodeToString(m.Sum(nil))
}

// s3Error answers the way S3 refuses a presigned URL.
func s3Error(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(status)
	fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?>`+"\n"+
		`<Error><Code>%s</Code><Message>%s</Message><RequestId>%s</RequestId></Error>`, code, msg, randomHex(8))
}

// handleDownload serves an export file to whoever holds a valid link: no
// bearer token, like S3. Faults: the connection drops, or the file is cut
// off halfway.
func (s *Server) handleDownload(w http.ResponseWriter, r *http.Request) {
	file := r.PathValue("file")
	q := r.URL.Query()
	date, expires := q.Get("X-Amz-Date"), q.Get("X-Amz-Expires")
	if !hmac.Equal([]byte(s.sign(file, date, expires)), []byte(q.Get("X-Amz-Signature"))) {
		s3Error(w, http.StatusForbidden, "SignatureDoesNotMatch",
			"The request signature we calculated does not match the signature you provided.")
		return
	}
	signed, err1 := time.Parse("20060102T150405Z", date)
	ttl, err2 := strconv.Atoi(expires)
	if err1 != nil || err2 != nil || s.now().After(signed.Add(time.Duration(ttl)*time.Second)) {
		s3Error(w, http.StatusForbidden, "AccessDenied", "Request has expired")
		return
	}
	id, _, _ := strings.Cut(file, ".")
	var ef *exportFile
	if job := s.exports.get(id); job != nil && job.fileName() == file {
		var release func()
		if ef, release = s.exports.openFile(job); ef != nil {
			defer release()
		}
	}
	if ef == nil {
		s3Error(w, http.StatusNotFound, "NoSuchKey", "The specified key does not exist.")
		return
	}
	content := io.NewSectionReader(ef.f, 0, ef.size)
	w.Header().Set("Content-Type", "application/gzip")
	w.Header().Set("Content-Disposition", `attachment; filename="`+file+`"`)
	switch kind := s.chaos.fault(downloadFaults); kind {
	case FaultDrop:
		s.countFault(kind)
		dropConnection()
	case FaultTruncated:
		s.countFault(kind)
		w.Header().Set("Content-Length", strconv.FormatInt(ef.size, 10))
		w.WriteHeader(http.StatusOK)
		io.CopyN(w, content, ef.size/2)
		http.NewResponseController(w).Flush()
		dropConnection()
	}
	http.ServeContent(w, r, file, ef.modTime, content)
}
