/* "Did you mean ...?": the nearest known name to a misspelt one, for
 * unknown options (cli.c), config keys and override keys (config.c). */
#ifndef DS_SUGGEST_H
#define DS_SUGGEST_H

/* Edit distance, case-insensitive: insertions, deletions, substitutions and
 * swaps of two neighbours ("hepl" -> "help") count 1 each (optimal string
 * alignment); 99 when either word is longer than 63 characters. */
int ds_edit_distance(const char *a, const char *b);

/* The candidate nearest to word if it is close enough to be a typo (at most
 * max(2, strlen(word) / 3 + 1) edits), else NULL. NULL entries of cands are
 * skipped. */
const char *ds_suggest(const char *word, const char *const *cands, int n);

#endif
