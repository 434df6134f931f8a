package main

import (
	"fmt"
	"math/rand"
	"sort"
	"sync"
	"time"

	"github.com/livekit/protocol/livekit"
	lksdk "github.com/livekit/server-sdk-go/v2"
	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media"
)

// opusSilence is a 20 ms CELT frame that decodes to silence (what a muted encoder sends).
var opusSilence = []byte{0xf8, 0xff, 0xfe}

const frame = 20 * time.Millisecond

// heard records when the agent's speech packets arrived (not decoded: sized).
type heard struct {
	mu         sync.Mutex
	speechAt   []time.Time
	lastSpeech time.Time
}

func (h *heard) speech(at time.Time) {
	h.mu.Lock()
	h.speechAt = append(h.speechAt, at)
	h.lastSpeech = at
	h.mu.Unlock()
}

// firstAfter is the first speech packet at or after t, or the zero time.
func (h *heard) firstAfter(t time.Time) time.Time {
	h.mu.Lock()
	defer h.mu.Unlock()
	i := sort.Search(len(h.speechAt), func(i int) bool { return !h.speechAt[i].Before(t) })
	if i == len(h.speechAt) {
		return time.Time{}
	}
	return h.speechAt[i]
}

func (h *heard) last() time.Time {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.lastSpeech
}

type histogram struct {
	mu     sync.Mutex
	counts map[int]int
}

func newHistogram() *histogram { return &histogram{counts: map[int]int{}} }
func (h *histogram) add(n int) {
	h.mu.Lock()
	h.counts[n]++
	h.mu.Unlock()
}
func (h *histogram) snapshot() map[string]int {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := map[string]int{}
	for k, v := range h.counts {
		out[fmt.Sprint(k)] = v
	}
	return out
}

// waitUntil polls (every frame) until cond holds or the deadline passes.
func waitUntil(deadline time.Time, cond func() bool) bool {
	for time.Now().Before(deadline) {
		if cond() {
			return true
		}
		time.Sleep(frame)
	}
	return cond()
}

// untilQuiet waits for quietMs without agent speech.
func untilQuiet(h *heard, quietMs int, timeout time.Duration) bool {
	return waitUntil(time.Now().Add(timeout), func() bool {
		return time.Since(h.last()) > time.Duration(quietMs)*time.Millisecond
	})
}

func runPerson(o options, p int, questions []question, out *output, sizes *histogram, rnd *rand.Rand) {
	room := fmt.Sprintf("%s-%d", o.prefix, p)
	report := func(fields map[string]any) {
		fields["person"] = p
		out.line(fields)
	}
	h := &heard{}
	cb := lksdk.NewRoomCallback()
	cb.OnTrackSubscribed = func(track *webrtc.TrackRemote, _ *lksdk.RemoteTrackPublication, _ *lksdk.RemoteParticipant) {
		if track.Kind() != webrtc.RTPCodecTypeAudio {
			return
		}
		go func() {
			for {
				pkt, _, err := track.ReadRTP()
				if err != nil {
					return
				}
				n := len(pkt.Payload)
				if o.sizes {
					sizes.add(n)
				}
				if n > o.speechBytes {
					h.speech(time.Now())
				}
			}
		}()
	}
	joinedAt := time.Now()
	r, err := lksdk.ConnectToRoom(o.url, lksdk.ConnectInfo{
		APIKey:              o.apiKey,
		APISecret:           o.apiSecret,
		RoomName:            room,
		ParticipantIdentity: fmt.Sprintf("sam-%s", room),
		ParticipantName:     "Sam",
	}, cb, lksdk.WithAutoSubscribe(true))
	if err != nil {
		report(map[string]any{"error": "join: " + err.Error()})
		return
	}
	defer r.Disconnect()
	track, err := webrtc.NewTrackLocalStaticSample(
		webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2},
		"audio", "mic")
	if err != nil {
		report(map[string]any{"error": "track: " + err.Error()})
		return
	}
	if _, err := r.LocalParticipant.PublishTrack(track, &lksdk.TrackPublicationOptions{
		Name: "microphone", Source: livekit.TrackSource_MICROPHONE,
	}); err != nil {
		report(map[string]any{"error": "publish: " + err.Error()})
		return
	}

	// The microphone: one packet every 20 ms, a question's packets when one is queued, else
	// silence. played reports when the packet holding the end of the speech went out.
	type utterance struct {
		q      question
		played chan [2]time.Time // start, speech end
	}
	queue := make(chan utterance, 1)
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		tick := time.NewTicker(frame)
		defer tick.Stop()
		var cur *utterance
		var i int
		var start, end time.Time
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			if cur == nil {
				select {
				case u := <-queue:
					cur, i = &u, 0
				default:
				}
			}
			data := opusSilence
			if cur != nil {
				data = cur.q.Packets[i]
			}
			_ = track.WriteSample(media.Sample{Data: data, Duration: frame})
			if cur == nil {
				continue
			}
			now := time.Now()
			if i == 0 {
				start = now
			}
			// The packet holding the last speech sample: it covers [i*20, (i+1)*20) ms.
			if i == cur.q.EndMs/int(frame/time.Millisecond) {
				end = now
			}
			i++
			if i == len(cur.q.Packets) {
				cur.played <- [2]time.Time{start, end}
				cur = nil
			}
		}
	}()

	// The greeting, as joinPerson waits for it.
	if !waitUntil(joinedAt.Add(30*time.Second), func() bool { return !h.firstAfter(joinedAt).IsZero() }) {
		report(map[string]any{"error": "no greeting within 30 s"})
		return
	}
	untilQuiet(h, o.quietMs, 40*time.Second)
	report(map[string]any{"greetingMs": h.firstAfter(joinedAt).Sub(joinedAt).Milliseconds()})

	// People ask at their own pace: the first question within one period, then every period +-30%.
	next := time.Now().Add(time.Duration(rnd.Float64()*float64(o.periodMs)) * time.Millisecond)
	for t := 0; t < o.turns; t++ {
		time.Sleep(time.Until(next))
		q := questions[(p+t)%len(questions)]
		u := utterance{q: q, played: make(chan [2]time.Time, 1)}
		queue <- u
		se := <-u.played
		start, end := se[0], se[1]
		next = start.Add(time.Duration(float64(o.periodMs)*(0.7+0.6*rnd.Float64())) * time.Millisecond)
		turn := map[string]any{"turn": t}
		// Over the speaker: agent speech while the question was still being said.
		if first := h.firstAfter(start); !first.IsZero() && first.Before(end) {
			turn["overSpeakerMs"] = end.Sub(first).Milliseconds()
		}
		var reply time.Time
		waitUntil(end.Add(time.Duration(o.replyTimeoutMs)*time.Millisecond), func() bool {
			reply = h.firstAfter(end)
			return !reply.IsZero()
		})
		if reply.IsZero() {
			turn["unanswered"] = true
			report(turn)
			continue
		}
		turn["v2vMs"] = reply.Sub(end).Milliseconds()
		report(turn)
		untilQuiet(h, o.quietMs, 40*time.Second)
		if time.Now().After(next) {
			next = time.Now()
		}
	}
}
