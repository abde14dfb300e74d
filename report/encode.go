package report

import (
	"io"
	"runtime"

	"github.com/linkdesk/linkdesk/linking"
)

// encodeBatch is how many groups one worker encodes at a time.
const encodeBatch = 512

// writeGroups writes encode's output for every group to w, in order. Batches
// of groups are encoded on every CPU (touching a million accounts' strings is
// mostly waiting on memory, which overlaps well) while only a few batches are
// held at once, so memory stays bounded whatever the report's size.
func writeGroups(w io.Writer, groups []*linking.Group, encode func(b []byte, i int, g *linking.Group) []byte) error {
	type batch struct {
		start int
		out   chan []byte
	}
	workers := runtime.GOMAXPROCS(0)
	jobs := make(chan *batch)
	order := make(chan *batch, 2*workers)
	done := make(chan struct{})
	free := make(chan []byte, 3*workers) // written buffers, for reuse

	go func() {
		defer close(jobs)
		defer close(order)
		for start := 0; start < len(groups); start += encodeBatch {
			// To a worker first, then in line for writing: every batch the
			// writer waits for is being encoded, even after an error.
			b := &batch{start: start, out: make(chan []byte, 1)}
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
				var buf []byte
				select {
				case buf = <-free:
				default:
				}
				for i := b.start; i < min(b.start+encodeBatch, len(groups)); i++ {
					buf = encode(buf, i, groups[i])
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
		select {
		case free <- buf[:0]:
		default:
		}
	}
	return err
}
