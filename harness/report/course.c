/* The course's own test accuracies for its MNIST labs, shown beside ours.
 * Known wrong: the lab is guessed from words in a run's label, so any sweep
 * whose labels say "dropout" or "deep" gets a course figure (issue 10 takes
 * references from the config instead; this file then goes). */
#include "report.h"

#include <ctype.h>
#include <math.h>
#include <string.h>
#include <strings.h>

static int has_word(const char *s, const char *w)
{
    size_t n = strlen(w);
    for (const char *p = s; (p = strstr(p, w)); p++) {
        int before = p == s || !isalnum((unsigned char)p[-1]);
        int after = !isalnum((unsigned char)p[n]);
        if (before && after)
            return 1;
    }
    return 0;
}

double ds_course_accuracy(const char *dataset, const char *label)
{
    if (strcasecmp(dataset, "mnist"))
        return NAN; /* the course's table is for MNIST only */
    char low[128];
    size_t i = 0;
    for (; label[i] && i + 1 < sizeof low; i++)
        low[i] = (char)tolower((unsigned char)label[i]);
    low[i] = 0;
    /* Most specific first: "deep+dropout" also says "deep". */
    if (strstr(low, "dropout"))
        return 98.13;
    if (strstr(low, "deep"))
        return 97.23;
    if (strstr(low, "xavier"))
        return 97.83;
    if (strstr(low, "softmax"))
        return 90.23;
    if (has_word(low, "nn") || strstr(low, "normal"))
        return 94.55;
    return NAN;
}
