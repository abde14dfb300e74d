// Package swar tests eight bytes at once in a uint64 (SIMD within a
// register): how the export decoder and the report's JSON writer pass over
// plain text without a branch a byte.
package swar

// LowBits has every byte 0x01; HighBits every byte 0x80.
const (
	LowBits  = 0x0101010101010101
	HighBits = 0x8080808080808080
)

// HasZero reports whether a byte of w is zero.
func HasZero(w uint64) bool { return (w-LowBits)&^w&HighBits != 0 }

// HasLess reports whether a byte of w is below n (n ≤ 128, every byte of w
// below 128).
func HasLess(w uint64, n uint64) bool { return (w-LowBits*n)&^w&HighBits != 0 }
