// Package stats holds the small amount of statistics that repeated
// measurement needs: summaries of a sample, Student-t intervals for a mean
// and for paired differences, one-sample t tests, the percentile of a value
// within a sample, pooled paired differences over (budget, seed) cells, the
// adjusted Rand index of two partitions ([AdjustedRand]), and
// plain-language verdicts built on them. Standard library only.
//
// # Formulas
//
// For a sample x_1..x_n: the mean m = Σx_i/n, the sample standard deviation
// s = sqrt(Σ(x_i − m)²/(n − 1)) and the standard error of the mean
// se = s/sqrt(n). The two-sided interval at level L (for example 0.95) is
// m ± t_{(1+L)/2, n−1}·se, where t_{p,ν} is the p quantile of Student's t
// distribution with ν degrees of freedom (Student, 1908; any textbook, e.g.
// Wasserman, "All of Statistics", §10). A paired comparison of methods A and
// B measured under the same seeds applies this to d_i = a_i − b_i.
//
// The t statistic of a one-sample test of mean 0 is T = m/se with n − 1
// degrees of freedom; the one-sided p-values are P(T_ν ≥ T) (mean above 0)
// and P(T_ν ≤ T) (mean below 0).
//
// Student's t distribution function is computed from the regularized
// incomplete beta function (Abramowitz & Stegun 26.7.1; NIST DLMF 8.17 and
// 8.17.22 for the continued fraction, evaluated with the modified Lentz
// method): for t ≥ 0, F_ν(t) = 1 − ½·I_{ν/(ν+t²)}(ν/2, ½), and
// F_ν(−t) = 1 − F_ν(t). Quantiles invert F by bisection to machine
// precision. Snedecor's F distribution uses the same function:
// P(F_{d1,d2} > f) = I_{d2/(d2+d1·f)}(d2/2, d1/2) (DLMF 8.17.1 and
// A&S 26.6.2).
//
// Whether grouping matters ([GroupingMatters]) is the one-sided F test of
// two variances (Snedecor & Cochran, "Statistical Methods", §7): under the
// hypothesis that the grouping makes no difference, the totals of
// different random groupings vary only by training noise, whose variance is
// estimated from one grouping trained under several seeds; the ratio of the
// two sample variances then follows F(n_g − 1, n_s − 1).
//
// The percentile of a value v within a sample ([Percentile]) is the
// mid-rank percentage 100·(#{x_i < v} + ½·#{x_i = v})/n, so ties count
// half (Hazen's plotting position convention applied to one value).
//
// Totals compared here are losses: lower is better.
package stats
