package main

import (
	"bytes"
	"fmt"
	"os"
)

// readOggOpus returns the audio packets of an Ogg Opus file (OpusHead and OpusTags skipped),
// joining lacing segments across pages.
func readOggOpus(path string) ([][]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var packets [][]byte
	var cur []byte
	for len(b) > 0 {
		if len(b) < 27 || !bytes.Equal(b[:4], []byte("OggS")) {
			return nil, fmt.Errorf("not an Ogg page at %d bytes from the end", len(b))
		}
		nseg := int(b[26])
		if len(b) < 27+nseg {
			return nil, fmt.Errorf("truncated page")
		}
		lacing := b[27 : 27+nseg]
		body := b[27+nseg:]
		off := 0
		for _, l := range lacing {
			if off+int(l) > len(body) {
				return nil, fmt.Errorf("truncated page body")
			}
			cur = append(cur, body[off:off+int(l)]...)
			off += int(l)
			if l < 255 {
				packets = append(packets, cur)
				cur = nil
			}
		}
		b = body[off:]
	}
	if len(packets) < 3 || !bytes.HasPrefix(packets[0], []byte("OpusHead")) {
		return nil, fmt.Errorf("not Ogg Opus")
	}
	return packets[2:], nil
}
