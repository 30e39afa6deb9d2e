package daemon

import (
	"context"
	"fmt"
	"net/mail"
	"strings"
	"time"

	"github.com/followupd/followupd/internal/store"
)

// Forgotten is what `followupd forget` did, and what it could not do.
type Forgotten struct {
	store.Forgetting
	// Checkpointed: the WAL was copied into the database file and
	// truncated, so no earlier page holding what was deleted stays in it.
	Checkpointed bool
}

// CannotErase is what forget cannot reach, said to whoever runs it.
const CannotErase = "followupd cannot erase the mail itself (it stays in the mailbox and its Sent folder until you delete it there), " +
	"log lines already written (the system journal), or copies of the database in backups"

// Forget erases everything the database holds of an address at its
// owner's request and keeps only a keyed hash of it, so that nothing is
// ever sent to it again.
func Forget(ctx context.Context, st *store.Store, address string, now time.Time) (Forgotten, error) {
	email := address
	if a, err := mail.ParseAddress(address); err == nil {
		email = a.Address
	}
	email = strings.ToLower(strings.TrimSpace(email))
	if !strings.Contains(email, "@") {
		return Forgotten{}, fmt.Errorf("%q is not an email address", address)
	}
	var out Forgotten
	err := st.Update(ctx, now, func(tx *store.Tx) (err error) {
		out.Forgetting, err = tx.Forget(email)
		return err
	})
	if err != nil {
		return out, err
	}
	// A daemon reading at the same moment can keep the checkpoint from
	// completing: try a few times.
	for i := 0; i < 5 && !out.Checkpointed; i++ {
		if i > 0 {
			time.Sleep(200 * time.Millisecond)
		}
		if out.Checkpointed, err = st.CheckpointWAL(ctx); err != nil {
			return out, err
		}
	}
	return out, nil
}
