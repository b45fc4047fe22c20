/* "Did you mean ...?": see suggest.h. */
#include "suggest.h"

#include <ctype.h>
#include <limits.h>
#include <string.h>

static int same(char x, char y) { return tolower((unsigned char)x) == tolower((unsigned char)y); }

int ds_edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 63 || lb > 63)
        return 99;
    int d[64][64];
    for (size_t i = 0; i <= la; i++)
        d[i][0] = (int)i;
    for (size_t j = 0; j <= lb; j++)
        d[0][j] = (int)j;
    for (size_t i = 1; i <= la; i++)
        for (size_t j = 1; j <= lb; j++) {
            int c = d[i - 1][j - 1] + !same(a[i - 1], b[j - 1]);
            if (d[i - 1][j] + 1 < c)
                c = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < c)
                c = d[i][j - 1] + 1;
            if (i > 1 && j > 1 && same(a[i - 1], b[j - 2]) && same(a[i - 2], b[j - 1]) &&
                d[i - 2][j - 2] + 1 < c)
                c = d[i - 2][j - 2] + 1; /* two neighbours swapped: one typo */
            d[i][j] = c;
        }
    return d[la][lb];
}

const char *ds_suggest(const char *word, const char *const *cands, int n)
{
    int best = INT_MAX;
    const char *bw = NULL;
    for (int i = 0; i < n; i++) {
        if (!cands[i])
            continue;
        int d = ds_edit_distance(word, cands[i]);
        if (d < best) {
            best = d;
            bw = cands[i];
        }
    }
    int limit = (int)strlen(word) / 3 + 1;
    if (limit < 2)
        limit = 2;
    return bw && best <= limit ? bw : NULL;
}
