package gomlxtrainer

import (
	"fmt"

	"github.com/tagroup/tag/affinity"
	"github.com/tagroup/tag/affinityrun"
	"github.com/tagroup/tag/data"
	"github.com/tagroup/tag/data/catalog"
	"github.com/tagroup/tag/experiment"
	"github.com/tagroup/tag/mtl"
)

// Request is how `tag run` (or a worker of it, `tag unit`) asks for the
// training of a run's units: the data as the data flags choose them, the
// finished run it continues, the changes of the recipe flags and
// -vary-split.
type Request struct {
	// Data are the data flags' values; Given names the flags given on
	// the command line (catalog.Choice.Over, TrainingSource).
	Data  catalog.Choice
	Given map[string]bool
	// Seed is the first repetition's training seed; the glyph default is
	// rendered with it.
	Seed uint64
	// From, when set, is the finished run continued
	// (experiment.PlanFrom): the data source and recipe it recorded are
	// the run's, which the data and recipe flags given may only repeat.
	// A run made before sources were recorded gets its data from the
	// flags, with the added tasks as further targets of a CSV file.
	From *experiment.From
	// Open opens a source; nil: catalog.Spec.Open, then
	// catalog.CheckSplits.
	Open func(catalog.Spec) (data.Dataset, error)
	// Recipe, when set, changes the recipe chosen for ds as the recipe
	// flags say (Changes.Apply, nTasks as there).
	Recipe func(ds data.Dataset, nTasks int, cfg *mtl.Config, aff *affinity.Options) error
	// VarySplit splits a CSV file's rows anew per repetition
	// (catalog.Spec.SplitPerSeed), starting from the split seed of the
	// source as opened.
	VarySplit bool
}

// Setup is what a run trains its units with.
type Setup struct {
	// Data is the data set opened and Tasks the tasks the data flags
	// choose (with From, its changed tasks, unless its run recorded no
	// source).
	Data  data.Dataset
	Tasks []string
	// Trainer trains every unit; Description is the data description
	// the units' keys cover (experiment.Config.Data) and Source the source
	// as the run records it (experiment.Config.Source).
	Trainer     *Trainer
	Description map[string]any
	Source      *catalog.Spec
	// From is Request.From.
	From *experiment.From
}

// NewSetup opens the data r chooses and builds the Trainer of every unit:
// the recipe chosen for the data (Recipe), changed by r.Recipe, on the
// data split per seed with r.VarySplit. With r.From, the data and recipe
// are those its run recorded (FromRecord), the data flags given merged
// into the recorded source (catalog.Choice.Over, affinityrun.SourceFor,
// which refuses a different value naming the field). Errors in what the
// user gave are bad input (data.SpecError, experiment.ConfigError,
// affinityrun.InputError, or r.Recipe's and r.Open's own).
func NewSetup(r Request) (*Setup, error) {
	open := r.Open
	if open == nil {
		open = openChecked
	}
	st := &Setup{From: r.From}
	var cfg mtl.Config
	var aff affinity.Options
	var src catalog.Spec
	recorded := false
	if f := r.From; f != nil {
		var rec *catalog.Spec
		var err error
		if rec, cfg, aff, err = FromRecord(f); err != nil {
			return nil, err
		}
		if rec != nil {
			given, err := r.Data.Over(*rec, r.Given, r.Seed)
			if err != nil {
				return nil, err
			}
			if src, err = affinityrun.SourceFor(f.Layout.Dir, rec, given, f.Added); err != nil {
				return nil, err
			}
			if st.Data, err = open(src); err != nil {
				return nil, err
			}
			// nTasks 0: under -estimator auto the recorded estimator is
			// kept.
			if err := r.changeRecipe(st.Data, 0, &cfg, &aff); err != nil {
				return nil, err
			}
			recorded = true
		}
		st.Tasks = f.Tasks()
	}
	if !recorded {
		choice := r.Data
		if r.From != nil {
			// A run that recorded no source: the flags name its data,
			// and the added tasks are further target columns.
			choice.AddTargets(r.From.Added)
		}
		var err error
		if st.Data, st.Tasks, src, err = choice.Load(r.Seed, r.Given, open); err != nil {
			return nil, err
		}
		cfg, aff = Recipe(st.Data)
		if err := r.changeRecipe(st.Data, len(st.Tasks), &cfg, &aff); err != nil {
			return nil, err
		}
	}
	ds := st.Data
	st.Description, st.Source = Describe(ds), catalog.Recorded(src, ds)
	var dataForSeed func(uint64) (data.Dataset, error)
	if r.VarySplit {
		var err error
		if dataForSeed, err = src.SplitPerSeed(ds, r.Seed); err != nil {
			return nil, err
		}
		st.Description["split"] = fmt.Sprintf("varies with the seed (-vary-split): the repetition with training seed %d+r uses row-split seed %d+r", r.Seed, src.CSV.SplitSeed)
	}
	st.Trainer = &Trainer{Data: ds, DataForSeed: dataForSeed, Config: cfg, Affinity: aff}
	return st, nil
}

// changeRecipe applies r.Recipe, when set.
func (r Request) changeRecipe(ds data.Dataset, nTasks int, cfg *mtl.Config, aff *affinity.Options) error {
	if r.Recipe == nil {
		return nil
	}
	return r.Recipe(ds, nTasks, cfg, aff)
}

// openChecked opens src and refuses a data set with an empty split.
func openChecked(src catalog.Spec) (data.Dataset, error) {
	ds, err := src.Open()
	if err != nil {
		return nil, err
	}
	return ds, catalog.CheckSplits(ds)
}
