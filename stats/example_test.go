package stats_test

import (
	"fmt"

	"github.com/tagroup/tag/stats"
)

// TAG and random groupings trained under the same five seeds (outputs
// checked against scipy.stats): TAG's total
// test loss is lower under every seed, and the 95% interval of the paired
// difference lies below zero.
func ExampleCompare() {
	tag := []float64{1.52, 1.49, 1.55, 1.50, 1.53}
	random := []float64{1.68, 1.62, 1.70, 1.66, 1.69}
	v, err := stats.Compare("tag", "random", tag, random, 0.95)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(v.Outcome)
	fmt.Println(v.Text)
	// Output:
	// A better
	// tag better than random: total loss lower by 0.152 (9.1%); 95% interval of tag − random [-0.1682, -0.1358] over 5 seeds
}

// The factor of a two-sided 95% interval from five values.
func ExampleTQuantile() {
	t, _ := stats.TQuantile(0.975, 4)
	fmt.Printf("%.6f\n", t)
	// Output: 2.776445
}

// Where TAG's total falls among twenty random groupings (lower is better).
func ExamplePercentile() {
	random := []float64{1.70, 1.62, 1.66, 1.75, 1.59, 1.68, 1.71, 1.64, 1.69, 1.73,
		1.61, 1.67, 1.72, 1.65, 1.60, 1.74, 1.63, 1.58, 1.69, 1.66}
	fmt.Printf("TAG beats %.1f%% of random groupings\n", 100-stats.Percentile(1.61, random))
	// Output: TAG beats 82.5% of random groupings
}

// Five random groupings under one seed against one grouping under three
// seeds: the groupings differ by little more than training noise.
func ExampleGroupingMatters() {
	groupings := []float64{1.66, 1.70, 1.63, 1.68, 1.71}
	seeds := []float64{1.64, 1.69, 1.66}
	g, _ := stats.GroupingMatters(groupings, seeds, 0.95)
	fmt.Println(g.Matters)
	fmt.Println(g.Text)
	// Output:
	// false
	// grouping does not measurably matter: spread between 5 groupings (std 0.03209) vs seed-to-seed noise over 3 seeds (std 0.02517), variance ratio 1.63, p = 0.415 (a ratio above 19.2 would be needed at 95%)
}

// TAG minus the random mean in every (budget, seed) cell, pooled with the
// seed as the unit of replication.
func ExamplePooledDifference() {
	cells := []stats.Cell{
		{Budget: 2, Seed: 1, A: 1.71, B: 1.70}, {Budget: 3, Seed: 1, A: 1.53, B: 1.68},
		{Budget: 2, Seed: 2, A: 1.69, B: 1.72}, {Budget: 3, Seed: 2, A: 1.55, B: 1.66},
		{Budget: 2, Seed: 3, A: 1.74, B: 1.71}, {Budget: 3, Seed: 3, A: 1.52, B: 1.67},
	}
	p, err := stats.PooledDifference(cells, 0.95)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("mean %+.4f, by seed %v\n", p.Mean, p.BySeed)
	// Output: mean -0.0667, by seed -0.06667 [-0.08101, -0.05232] (95%, n=3)
}

// The rank correlation of two affinity estimates: the order of the values
// counts, not their scale.
func ExampleSpearman() {
	update := []float64{0.30, 0.01, -0.02, 0.25, 0.00}
	scratch := []float64{0.90, 0.05, -0.01, 0.40, 0.02}
	rho, err := stats.Spearman(update, scratch)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%.2f\n", rho)
	// Output: 1.00
}
