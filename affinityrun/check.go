package affinityrun

import (
	"bytes"
	"encoding/gob"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/tagroup/tag/affinity"
	"github.com/tagroup/tag/experiment"
	"github.com/tagroup/tag/mtl"
)

// CheckFolder verifies a tag run directory (experiment.Check, when it
// holds manifest.json) or else a tag affinity folder (CheckDir). A folder
// that is neither is refused (InputError).
func CheckFolder(dir string) (*experiment.CheckReport, error) {
	if exists(experiment.Layout{Dir: dir}.Manifest()) {
		return experiment.Check(dir)
	}
	rep, err := CheckDir(dir)
	if IsInput(err) {
		return nil, inputf("%s is neither a tag run directory (manifest.json) nor a tag affinity folder (run.json or checkpoint.gob)", dir)
	}
	return rep, err
}

// CheckDir verifies every file of the tag affinity (or tag update) folder
// dir: each file against its checksum file, run.json, the affinity sums
// (sizes, finite values, the tasks of run.json), the weights (they
// decode, and the snapshot weights-quarter.gob when present) and the matrices and trajectory (experiment.CheckAffinityFiles).
// A folder with neither run.json nor a checkpoint is refused (InputError).
// The report's repairs are commands.
func CheckDir(dir string) (*experiment.CheckReport, error) {
	l := experiment.Layout{Dir: dir}
	checkpoint := filepath.Join(dir, mtl.CheckpointFile)
	if !exists(l.RunRecord()) && !exists(checkpoint) {
		return nil, inputf("%s is not a tag affinity folder (no %s or %s)", dir, filepath.Base(l.RunRecord()), mtl.CheckpointFile)
	}
	// run.json, read once: it names the command in the repairs, and its
	// tasks are those the sums must have.
	command := "tag affinity (or tag update)"
	var rec Record
	b, readErr := os.ReadFile(l.RunRecord())
	decodeErr := readErr
	if readErr == nil {
		decodeErr = json.Unmarshal(b, &rec)
	}
	if decodeErr == nil {
		command = "tag affinity"
		if rec.Update != nil {
			command = "tag update"
		}
	}
	repair := func(p string) string {
		if p == checkpoint {
			return fmt.Sprintf("rerun the %s command that made %s with -resume (it restarts the network from scratch)", command, dir)
		}
		return fmt.Sprintf("redo the run: the %s command that made %s, with -force", command, dir)
	}
	rep, err := experiment.CheckFiles(dir, "tag affinity", repair)
	if err != nil {
		return nil, err
	}
	readable := func(p string) ([]byte, bool) {
		if rep.Has(p) {
			return nil, false
		}
		b, err := os.ReadFile(p)
		return b, err == nil
	}
	if readErr == nil && !rep.Has(l.RunRecord()) && (decodeErr != nil || len(rec.Tasks) == 0) {
		rep.Add(l.RunRecord(), fmt.Sprintf("not a run record (%v)", decodeErr), repair(l.RunRecord()))
	}
	if b, ok := readable(l.AffinitySums()); ok {
		var sums affinity.PairSums
		err := json.Unmarshal(b, &sums)
		if err == nil {
			err = sums.Validate()
		}
		if err == nil && len(rec.Tasks) > 0 && !slices.Equal(sums.Tasks, rec.Tasks) {
			err = fmt.Errorf("tasks %v, but run.json has %v", sums.Tasks, rec.Tasks)
		}
		if err != nil {
			rep.Add(l.AffinitySums(), err.Error(), repair(l.AffinitySums()))
		}
	}
	for _, p := range []string{l.Weights(), l.WeightsQuarter()} {
		if b, ok := readable(p); ok {
			if err := gob.NewDecoder(bytes.NewReader(b)).Decode(&mtl.Parameters{}); err != nil {
				rep.Add(p, fmt.Sprintf("the weights do not decode (%v)", err), repair(p))
			}
		}
	}
	experiment.CheckAffinityFiles(rep, l, repair)
	return rep, nil
}
