package report

import (
	"io"
	"runtime"
	"sync/atomic"

	"github.com/linkdesk/linkdesk/linking"
)

// encodeBatch is how many groups one worker encodes at a time.
const encodeBatch = 128

// writeGroups writes encode's output for every group to w, in order. Batches
// of groups are encoded on every CPU (touching a million accounts' strings is
// mostly waiting on memory, which overlaps well) while only a few batches are
// held at once, so memory stays bounded whatever the report's size.
func writeGroups(w io.Writer, groups []*linking.Group, encode func(b []byte, i int, g *linking.Group) []byte) error {
	type batch struct {
		start int
		buf   []byte // given with the batch, in order: the batch the writer waits for always has one
		out   chan []byte
	}
	workers := runtime.GOMAXPROCS(0)
	jobs := make(chan *batch)
	order := make(chan *batch, 2*workers)
	done := make(chan struct{})
	maxBuffers := 3 * workers
	free := make(chan []byte, maxBuffers) // written buffers, for reuse; never full
	var largest atomic.Int64

	go func() {
		defer close(jobs)
		defer close(order)
		made := 0
		for start := 0; start < len(groups); start += encodeBatch {
			b := &batch{start: start, out: make(chan []byte, 1)}
			select {
			case b.buf = <-free:
			default:
				if made < maxBuffers {
					// As large as the largest batch so far: growing one
					// from nothing would allocate it twice over.
					made++
					b.buf = make([]byte, 0, largest.Load())
					break
				}
				select { // every buffer is out: wait for the writer
				case b.buf = <-free:
				case <-done:
					return
				}
			}
			// To a worker first, then in line for writing: every batch the
			// writer waits for is being encoded, even after an error.
			select {
			case jobs <- b:
			case <-done:
				return
			}
			select {
			case order <- b:
			case <-done:
				return
			}
		}
	}()
	for range workers {
		go func() {
			for b := range jobs {
				buf := b.buf
				for i := b.start; i < min(b.start+encodeBatch, len(groups)); i++ {
					buf = encode(buf, i, groups[i])
				}
				if n := int64(len(buf)); n > largest.Load() {
					largest.Store(n) // a racy maximum: a hint, never a bound
				}
				b.out <- buf
			}
		}()
	}
	var err error
	for b := range order {
		buf := <-b.out
		if err == nil {
			if _, err = w.Write(buf); err != nil {
				close(done)
			}
		}
		free <- buf[:0] // never blocks: it holds every buffer made
	}
	return err
}
