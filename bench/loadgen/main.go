// Command loadgen simulates many people, each in a room of their own with the agent, cheaply:
// questions are pre-encoded Opus packets (sent in real time, 20 ms apart, with a silence frame
// between questions), and the agent's reply is found in its RTP packets without decoding them
// (a speech packet is larger than a silence packet). One JSON line per turn on stdout, then a
// summary line with this process's own CPU.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"math/rand"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	protoLogger "github.com/livekit/protocol/logger"
	lksdk "github.com/livekit/server-sdk-go/v2"
)

type question struct {
	Path    string
	EndMs   int // where the speech ends in the clip (the last sample above the speech floor)
	Packets [][]byte
}

type options struct {
	url, apiKey, apiSecret, prefix string
	people, turns                  int
	periodMs, joinSpreadMs         int
	speechBytes                    int
	replyTimeoutMs, quietMs        int
	sizes                          bool
}

func main() {
	var o options
	var qs string
	flag.StringVar(&o.url, "url", "ws://10.77.0.1:7880", "livekit-server URL")
	flag.StringVar(&o.apiKey, "api-key", os.Getenv("LIVEKIT_API_KEY"), "API key")
	flag.StringVar(&o.apiSecret, "api-secret", os.Getenv("LIVEKIT_API_SECRET"), "API secret")
	flag.StringVar(&o.prefix, "prefix", "loadgen", "room name prefix")
	flag.IntVar(&o.people, "people", 1, "simulated people, one room each")
	flag.IntVar(&o.turns, "turns", 3, "questions per person")
	flag.IntVar(&o.periodMs, "period-ms", 15000, "mean time between one person's questions (jittered +-30%)")
	flag.IntVar(&o.joinSpreadMs, "join-spread-ms", 150, "delay between people joining")
	// The agent's silence is 1-byte (DTX) or 53-58-byte packets; its speech 60-160 bytes.
	flag.IntVar(&o.speechBytes, "speech-bytes", 59, "an agent RTP payload larger than this is speech")
	flag.IntVar(&o.replyTimeoutMs, "reply-timeout-ms", 20000, "a question unanswered this long is a failed turn")
	flag.IntVar(&o.quietMs, "quiet-ms", 1200, "agent silence that ends a reply")
	flag.BoolVar(&o.sizes, "sizes", false, "print a histogram of the agent's payload sizes")
	flag.StringVar(&qs, "questions", "", "comma-separated path.opus:endMs")
	flag.Parse()
	lksdk.SetLogger(protoLogger.GetDiscardLogger())
	if o.apiKey == "" || o.apiSecret == "" || qs == "" {
		fmt.Fprintln(os.Stderr, "loadgen: -api-key, -api-secret and -questions are required")
		os.Exit(2)
	}
	var questions []question
	for _, item := range strings.Split(qs, ",") {
		i := strings.LastIndex(item, ":")
		end, err := strconv.Atoi(item[i+1:])
		if i < 0 || err != nil {
			fail("bad -questions item %q", item)
		}
		pkts, err := readOggOpus(item[:i])
		if err != nil {
			fail("%s: %v", item[:i], err)
		}
		questions = append(questions, question{Path: item[:i], EndMs: end, Packets: pkts})
	}

	out := newOutput()
	sizes := newHistogram()
	cpu0 := cpuSeconds()
	wall0 := time.Now()
	var wg sync.WaitGroup
	for p := 0; p < o.people; p++ {
		wg.Add(1)
		go func(p int) {
			defer wg.Done()
			time.Sleep(time.Duration(p*o.joinSpreadMs) * time.Millisecond)
			runPerson(o, p, questions, out, sizes, rand.New(rand.NewSource(int64(p)+1)))
		}(p)
	}
	wg.Wait()
	wall := time.Since(wall0).Seconds()
	cpu := cpuSeconds() - cpu0
	summary := map[string]any{
		"summary":         true,
		"people":          o.people,
		"seconds":         wall,
		"cpuPct":          100 * cpu / wall,
		"cpuPerPersonPct": 100 * cpu / wall / float64(o.people),
	}
	if o.sizes {
		summary["agentPayloadBytes"] = sizes.snapshot()
	}
	out.line(summary)
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "loadgen: "+format+"\n", args...)
	os.Exit(1)
}

// output serialises JSON lines from many goroutines.
type output struct {
	mu  sync.Mutex
	enc *json.Encoder
}

func newOutput() *output { return &output{enc: json.NewEncoder(os.Stdout)} }

func (o *output) line(v any) {
	o.mu.Lock()
	defer o.mu.Unlock()
	_ = o.enc.Encode(v)
}

// cpuSeconds is this process's user+system CPU time from /proc/self/stat.
func cpuSeconds() float64 {
	b, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		return 0
	}
	s := string(b)
	fields := strings.Fields(s[strings.LastIndex(s, ")")+2:])
	// fields[0] is state (field 3); utime and stime are fields 14 and 15.
	ut, _ := strconv.ParseFloat(fields[11], 64)
	st, _ := strconv.ParseFloat(fields[12], 64)
	return (ut + st) / 100 // USER_HZ
}
