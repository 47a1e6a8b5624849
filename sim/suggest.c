/* "Did you mean" for the command line: the optimal-string-alignment distance (the
 * Damerau-Levenshtein distance with each substring edited once) between a mistyped
 * name and each valid one. Names are short, so the whole table fits on the stack. */
#include <stdbool.h>
#include <string.h>

#include "suggest.h"

#define SUGGEST_MAX 64   /* longer names are never suggested for */

static size_t distance(const char *a, size_t la, const char *b, size_t lb)
{
    size_t d[SUGGEST_MAX + 1][SUGGEST_MAX + 1];
    for (size_t i = 0; i <= la; i++)
        d[i][0] = i;
    for (size_t j = 0; j <= lb; j++)
        d[0][j] = j;
    for (size_t i = 1; i <= la; i++) {
        for (size_t j = 1; j <= lb; j++) {
            size_t cost = a[i - 1] != b[j - 1];
            size_t v = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < v)
                v = d[i][j - 1] + 1;
            if (d[i - 1][j - 1] + cost < v)
                v = d[i - 1][j - 1] + cost;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < v)
                v = d[i - 2][j - 2] + 1;
            d[i][j] = v;
        }
    }
    return d[la][lb];
}

const char *suggest_closest(const char *word, size_t len, const char *const *cands, size_t n)
{
    if (len == 0 || len > SUGGEST_MAX)
        return NULL;
    size_t limit = len <= 4 ? 1 : len <= 8 ? 2 : 3;
    const char *best = NULL;
    size_t best_d = limit + 1;
    bool tie = false;
    for (size_t i = 0; i < n; i++) {
        if (!cands[i] || strlen(cands[i]) > SUGGEST_MAX)
            continue;
        size_t dd = distance(word, len, cands[i], strlen(cands[i]));
        if (dd < best_d) {
            best = cands[i];
            best_d = dd;
            tie = false;
        } else if (dd == best_d && best && strcmp(best, cands[i]) != 0) {
            tie = true;
        }
    }
    return tie ? NULL : best;
}
