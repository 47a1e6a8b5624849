/* "Did you mean": the closest of a list of names to a misspelled one, for the messages
 * that refuse an unknown option or feature name. */
#ifndef RINGSIDE_SUGGEST_H
#define RINGSIDE_SUGGEST_H

#include <stddef.h>

/* The candidate closest to word[0..len) by edit distance (insertions, deletions,
 * substitutions and swaps of two neighbours), if it is close enough to be a slip:
 * at most 1 edit for words up to 4 characters, 2 up to 8, 3 beyond. NULL candidates
 * are skipped; NULL if none is close, or if two are equally close. */
const char *suggest_closest(const char *word, size_t len, const char *const *cands, size_t n);

#endif
