# Reference statistics for tests/test_stats_r.py, computed with R's own tests.
# Usage: Rscript reference.R cohorts.csv out.csv
# cohorts.csv: cohort, patient_id, visit (ordered as first seen; the first is the baseline),
# one column per outcome (NA = missing). Primary endpoint: the first outcome at the last visit.
# out.csv: cohort, outcome, visit, quantity, value (one row per number the pipeline reports).
suppressMessages({
  library(coin)
  library(exactRankTests)
})
args <- commandArgs(trailingOnly = TRUE)
data <- read.csv(args[1], stringsAsFactors = FALSE)
alpha_ci <- 0.05
rows <- list()
put <- function(cohort, outcome, visit, quantity, value) {
  rows[[length(rows) + 1]] <<- data.frame(cohort = cohort, outcome = outcome, visit = visit,
                                          quantity = quantity, value = as.numeric(value))
}

# coin's signed-rank test; "greater" means differences above 0
coin_p <- function(d, zero, distribution, alternative) {
  y <- rep(0, length(d))
  pvalue(wilcoxsign_test(d ~ y, zero.method = zero, distribution = distribution, alternative = alternative))
}

# Hodges-Lehmann: median of the Walsh averages (zeros included) and [W_(k), W_(M+1-k)] with k from
# qsignrank for n < 50 (as wilcox.test), from the normal approximation with continuity otherwise
hodges_lehmann <- function(d) {
  n <- length(d)
  walsh <- outer(d, d, "+") / 2
  walsh <- sort(walsh[upper.tri(walsh, diag = TRUE)])
  m <- length(walsh)
  if (n < 50) {
    k <- max(qsignrank(alpha_ci / 2, n), 1)
    level <- 1 - 2 * psignrank(k - 1, n)
  } else {
    mu <- n * (n + 1) / 4
    sigma <- sqrt(n * (n + 1) * (2 * n + 1) / 24)
    k <- max(ceiling(mu - 0.5 - qnorm(1 - alpha_ci / 2) * sigma), 1)
    level <- 1 - 2 * pnorm((k - 1 + 0.5 - mu) / sigma)
  }
  c(median(walsh), walsh[k], walsh[m + 1 - k], level)
}

# matched-pairs rank-biserial: (R+ - R-) / all ranks, zeros dropped (Wilcoxon) or ranked (Pratt)
rank_biserial <- function(d, zero) {
  if (zero == "Wilcoxon") d <- d[d != 0]
  r <- rank(abs(d))
  (sum(r[d > 0]) - sum(r[d < 0])) / sum(r)
}

# exact Friedman p by listing every within-patient permutation of the ranks
friedman_exact <- function(m) {
  n <- nrow(m); k <- ncol(m)
  r <- t(apply(m, 1, rank))
  perms <- as.matrix(expand.grid(rep(list(1:k), k)))
  perms <- perms[apply(perms, 1, function(p) length(unique(p)) == k), , drop = FALSE]
  index <- as.matrix(expand.grid(rep(list(seq_len(nrow(perms))), n)))
  sums <- matrix(0, nrow(index), k)
  for (i in 1:n) sums <- sums + matrix(r[i, perms[index[, i], ]], ncol = k)
  s <- rowSums(sums^2)
  c(mean(s >= sum(colSums(r)^2) - 1e-9), mean(s >= max(s) - 1e-9))
}

for (cohort in unique(data$cohort)) {
  one <- data[data$cohort == cohort, ]
  visits <- unique(one$visit)
  outcomes <- setdiff(names(one), c("cohort", "patient_id", "visit"))
  p_by_test <- c()
  for (outcome in outcomes) {
    wide <- reshape(one[, c("patient_id", "visit", outcome)], idvar = "patient_id", timevar = "visit",
                    direction = "wide")
    wide <- wide[order(wide$patient_id), ]
    values <- as.matrix(wide[, paste(outcome, visits, sep = ".")])
    for (j in 2:length(visits)) {
      visit <- visits[j]
      d <- na.omit(values[, j] - values[, 1])
      put(cohort, outcome, visit, "n_pairs", length(d))
      put(cohort, outcome, visit, "V", wilcox.test(d, exact = FALSE)$statistic)
      put(cohort, outcome, visit, "n_improved", sum(d > 0))
      put(cohort, outcome, visit, "n_worsened", sum(d < 0))
      for (alternative in c("two.sided", "greater", "less")) {
        alt <- sub(".", "-", alternative, fixed = TRUE)
        extreme <- if (alternative == "less") -abs(d) else abs(d)
        put(cohort, outcome, visit, paste("p exact wilcox", alt), coin_p(d, "Wilcoxon", "exact", alternative))
        put(cohort, outcome, visit, paste("p exact pratt", alt), coin_p(d, "Pratt", "exact", alternative))
        put(cohort, outcome, visit, paste("p exactRankTests wilcox", alt),
            wilcox.exact(d, exact = TRUE, alternative = alternative)$p.value)
        put(cohort, outcome, visit, paste("p asymptotic pratt", alt), coin_p(d, "Pratt", "asymptotic", alternative))
        put(cohort, outcome, visit, paste("min p exact wilcox", alt), coin_p(extreme, "Wilcoxon", "exact", alternative))
        put(cohort, outcome, visit, paste("min p exact pratt", alt), coin_p(extreme, "Pratt", "exact", alternative))
        for (correct in c(FALSE, TRUE)) {
          mode <- if (correct) "asymptotic-corrected" else "asymptotic"
          put(cohort, outcome, visit, paste("p", mode, "wilcox", alt),
              wilcox.test(d, exact = FALSE, correct = correct, alternative = alternative)$p.value)
          put(cohort, outcome, visit, paste("min p", mode, "wilcox", alt),
              wilcox.test(extreme, exact = FALSE, correct = correct, alternative = alternative)$p.value)
        }
      }
      hl <- hodges_lehmann(d)
      put(cohort, outcome, visit, "hl_estimate", hl[1])
      put(cohort, outcome, visit, "hl_ci_low", hl[2])
      put(cohort, outcome, visit, "hl_ci_high", hl[3])
      put(cohort, outcome, visit, "hl_ci_level_achieved", hl[4])
      put(cohort, outcome, visit, "rank_biserial wilcox", rank_biserial(d, "Wilcoxon"))
      put(cohort, outcome, visit, "rank_biserial pratt", rank_biserial(d, "Pratt"))
      paired <- t.test(values[, j], values[, 1], paired = TRUE)
      put(cohort, outcome, visit, "t_p_value", paired$p.value)
      put(cohort, outcome, visit, "t_ci_low", paired$conf.int[1])
      put(cohort, outcome, visit, "t_ci_high", paired$conf.int[2])
      p_by_test[paste(outcome, visit)] <- coin_p(d, "Wilcoxon", "exact", "two.sided")
    }
    complete <- values[complete.cases(values), , drop = FALSE]
    test <- friedman.test(complete)
    put(cohort, outcome, "all", "n_complete", nrow(complete))
    put(cohort, outcome, "all", "friedman_q", test$statistic)
    put(cohort, outcome, "all", "friedman_chi_square_p", test$p.value)
    put(cohort, outcome, "all", "kendall_w", test$statistic / (nrow(complete) * (ncol(complete) - 1)))
    if (factorial(ncol(complete))^nrow(complete) <= 1e6) {
      enumerated <- friedman_exact(complete)
      put(cohort, outcome, "all", "friedman_exact_p", enumerated[1])
      put(cohort, outcome, "all", "friedman_exact_min_p", enumerated[2])
    }
  }
  # multiplicity (exact two-sided p, zeros dropped): the first outcome at the last visit is
  # primary and keeps its p; Holm over all secondary tests, and within each outcome
  primary <- paste(outcomes[1], visits[length(visits)])
  secondary <- setdiff(names(p_by_test), primary)
  adjusted <- p.adjust(p_by_test[secondary], "holm")
  for (test in secondary) {
    parts <- strsplit(test, " ")[[1]]
    put(cohort, parts[1], parts[2], "holm secondary", adjusted[test])
  }
  for (outcome in outcomes) {
    family <- secondary[startsWith(secondary, paste0(outcome, " "))]
    within <- p.adjust(p_by_test[family], "holm")
    for (test in family) put(cohort, outcome, strsplit(test, " ")[[1]][2], "holm within_outcome", within[test])
  }
}
write.csv(do.call(rbind, rows), args[2], row.names = FALSE)
