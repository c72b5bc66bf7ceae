// Package report turns the results of a task-grouping experiment
// (experiment.Results, the content of results.json) into the tables and
// figures of Fifty et al., "Efficiently Identifying Task Groupings for
// Multi-Task Learning" (NeurIPS 2021): a methods × budgets table of total
// test loss and error (Table 1 and 2 of the paper), a table of the cost of
// reaching a grouping (the paper's comparison of TAG's run time with HOA's),
// the chosen groups, and three figures drawn with gonum.org/v1/plot:
//
//   - the inter-task affinity matrix Ẑ as a heat map (row = source task i,
//     column = target task j, diverging colours centred on zero), with the
//     rows and columns ordered by a grouping and its blocks outlined when
//     one is given; above 60 tasks the cells are one raster image (so an
//     SVG stays small) and the axes name every k-th task or each group;
//   - the affinity trajectory over training: for every target task j, the
//     per-epoch mean over sources i ≠ j of Z_{i→j} (above 20 tasks thin
//     grey lines under their mean);
//   - the methods compared per budget: grouped bars of total test loss, with
//     the standard deviation of the random groupings as error bars and mtl
//     and stl as reference lines.
//
// Totals are sums over tasks, as in results.json; the tables say so.
package report
