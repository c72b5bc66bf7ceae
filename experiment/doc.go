// Package experiment runs the experiment of Fifty et al., "Efficiently
// Identifying Task Groupings for Multi-Task Learning" (NeurIPS 2021, §5):
// for every budget k (the number of networks allowed), each method picks
// groups of tasks, one network per chosen group is trained from scratch with
// the same recipe, every task is served by the chosen network that is best for
// it on the validation split, and the test loss and error of each task are
// reported from that network.
//
// Methods (names as in the paper and on the command line), each one type in
// its own file (method_*.go) and one line of the registry:
//
//	mtl          all tasks in one network
//	stl          one network per task
//	uw, gradnorm, pcgrad
//	             all tasks in one network with uncertainty weighting, GradNorm or PCGrad
//	random       random partitions into k groups, the same groupings under every seed
//	random-best  the best of Config.Candidates random partitions on validation loss
//	random-sized random partitions with the group sizes tag chose under each seed and
//	             budget (not run by default): tag's choice of tasks, sizes aside
//	hoa          Standley et al.'s higher-order approximation: train every pair and every
//	             single task, L[i][j] = validation loss of j trained with i, L[j][j] = j alone,
//	             and minimise the approximated mean loss
//	cs           selection on the cosine similarity of per-task gradients (Config.Rule)
//	tag          selection on the lookahead inter-task affinity Ẑ (Eq. 1) under Config.Rule
//	             (default zsum: standardized affinities, disjoint groups)
//	tag-paper    tag under the paper's rule (mean in-group affinity, overlapping groups)
//	tag-refine   the Config.Candidates best groupings of tag's objective, each trained,
//	             the best on validation kept
//	optimal      train every subset (2^n − 1 networks), select on true validation losses
//
// The whole experiment is repeated under Config.Seeds seeds; every total is
// kept per seed, so methods are compared pair by pair, and Analyze states
// with 95% intervals whether grouping matters on the data and whether each
// method beats random groupings, random-best, mtl and stl.
//
// Selection always uses validation metrics; reported numbers are test metrics.
// Totals are sums over tasks (means are reported beside them).
//
// The engines (package experiment/gomlxtrainer) are behind two small
// interfaces, Trainer (trains one network on a group of tasks, or the one
// affinity run) and Selector (network selection on a task matrix or on
// true group losses), so that this package knows nothing of GoMLX
// (selection's rule names are checked here; package selection is standard
// library only).
//
// A run lives in a directory whose every path Layout names: DIR/manifest.json
// records the hash of the data description and the Trainer's recipe, and
// DIR/units/ holds one JSON file per trained network (a "unit"), keyed by its
// task set, seed, update rule and that hash and written atomically when the
// unit finishes; a network in training keeps its checkpoint in
// DIR/checkpoints/<the same key>/. Units that several methods need
// (a group chosen by two methods, HOA's pairs that are also optimal's subsets,
// the single-task networks of stl and hoa) are trained once. Re-running the
// same command skips finished units; a cancelled run loses at most the units in
// flight. results.json is a pure function of the unit files and the
// configuration, so a resumed run writes the same bytes as an uninterrupted one.
//
// Units train in the running process by default. With Config.Executor set
// (package cluster: Slurm job arrays, Kubernetes Indexed Jobs), each phase's
// missing units are written as a Plan (DIR/plans/phase-N.json) and handed to
// the executor, whose worker processes train one unit each with
// Plan.RunUnit; the run then reads their unit files.
package experiment
