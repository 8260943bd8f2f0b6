# Oracle for the optimal-string-alignment distance: R's stringdist package
# (method "osa": Damerau-Levenshtein restricted to edits that do not overlap, each
# substring edited at most once), with its plain Levenshtein ("lv") alongside as a
# cross-check of jellyfish. Reads "a<TAB>b" lines from the file given as the first
# argument and writes a, b, osa, lv. Used by generate.sh at table-generation time only.
suppressPackageStartupMessages(library(stringdist))
args <- commandArgs(trailingOnly = TRUE)
pairs <- read.delim(args[1], header = FALSE, sep = "\t", quote = "", colClasses = "character",
                    na.strings = character(0), comment.char = "")
osa <- stringdist(pairs[[1]], pairs[[2]], method = "osa")
lv <- stringdist(pairs[[1]], pairs[[2]], method = "lv")
out <- data.frame(pairs[[1]], pairs[[2]], as.integer(osa), as.integer(lv))
write.table(out, stdout(), sep = "\t", quote = FALSE, row.names = FALSE, col.names = FALSE)
