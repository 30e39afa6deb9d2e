package daemon

import (
	"context"
	"time"

	"github.com/followupd/followupd/internal/store"
)

// quietScanEvery is how often the dispatcher looks for customers gone
// quiet; quietBatch bounds one scan.
const (
	quietScanEvery = 10 * time.Minute
	quietBatch     = 500
)

// scanQuiet plans the "quiet" sequences for customers who have had no
// contact for the sequence's quiet_after. The trigger key names the
// customer and their last contact, so one silence starts a sequence once,
// and a new silence after a new contact starts it again.
func (d *Daemon) scanQuiet(ctx context.Context, now time.Time) {
	p := d.policy()
	for _, seq := range p.QuietSequences() {
		custs, err := d.store.QuietCustomers(ctx, seq.Name, now.Add(-seq.QuietAfter.Duration), quietBatch)
		if err != nil {
			d.log.Error("quiet scan", "err", err)
			return
		}
		planned := 0
		err = d.store.Update(ctx, now, func(tx *store.Tx) error {
			for _, c := range custs {
				plan, _ := p.PlanQuiet(seq, now, c)
				for i := range plan {
					plan[i].TriggerKey = store.QuietKey(c.ID, c.LastContact)
				}
				added, err := planFollowups(tx, plan)
				if err != nil {
					return err
				}
				planned += len(added)
			}
			return nil
		})
		if err != nil {
			d.log.Error("quiet scan", "err", err)
			return
		}
		if planned > 0 {
			d.log.Info("quiet customers: follow-ups planned", "sequence", seq.Name, "planned", planned)
		}
	}
}
