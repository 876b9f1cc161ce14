package parsers

import (
	"testing"
	"time"
)

// TestSampleBudget: a reader is never held back by readers still reading,
// only by those whose blocks are being replayed, and only past the most one
// reader has held; blocks given back by a replay let it go on.
func TestSampleBudget(t *testing.T) {
	var b SampleBudget
	b.take(100) // the first reader, alone
	b.take(50)  // a second reader while the first still reads
	b.give(50, false)
	b.ended(100) // the first reader's stream ends: its 100 bytes are replayed
	took := make(chan struct{})
	go func() {
		b.take(30) // 100 + 30 is past the limit of 100 while the replay holds
		close(took)
	}()
	select {
	case <-took:
		t.Fatal("a reader took blocks past the limit while a replay held its own")
	case <-time.After(50 * time.Millisecond):
	}
	b.give(40, true) // the replay passes 40 bytes: 60 + 30 fit
	select {
	case <-took:
	case <-time.After(10 * time.Second):
		t.Fatal("the reader still waits after the replay gave blocks back")
	}
	b.give(60, true)
	b.take(500) // no replay holds anything: a file larger than the limit goes on
	if b.held != 530 || b.replaying != 0 {
		t.Errorf("held %d, replaying %d; want 530 and 0", b.held, b.replaying)
	}
}
