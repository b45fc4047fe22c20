/* Fuzz target of the one CSV reader (csvread.h: resume, merge, plot, show):
 * every row, every field as text, number and integer, and the row spans. */
#include "fuzz.h"

#include "csvread.h"

#include <stdio.h>
#include <string.h>

int ds_fuzz_csv(const uint8_t *data, size_t size)
{
    if (!size)
        return 0; /* fmemopen needs a buffer */
    FILE *f = fmemopen((void *)data, size, "rb");
    if (!f)
        return 0;
    char err[2048] = "";
    ds_csv *c = ds_csv_open_stream(f, "fuzz.csv", err, sizeof err);
    if (!c) {
        if (!err[0])
            ds_fuzz_fail("ds_csv_open_stream", "NULL with an empty message");
        return 0;
    }
    int nc = ds_csv_ncols(c);
    for (int i = 0; i < nc; i++)
        if (ds_csv_col(c, ds_csv_header(c, i)) != i)
            ds_fuzz_fail("ds_csv_col", "a header name maps to another column");
    long prev_end = 0;
    for (int rows = 0; rows < 100000; rows++) {
        err[0] = 0;
        int r = ds_csv_next(c, err, sizeof err);
        if (r == 0)
            break;
        if (r < 0) {
            if (!err[0])
                ds_fuzz_fail("ds_csv_next", "-1 with an empty message");
            continue;
        }
        if (r != 1)
            ds_fuzz_fail("ds_csv_next", "a status other than -1, 0, 1");
        long s, e;
        ds_csv_row_span(c, &s, &e);
        if (s < prev_end || e < s || e > (long)size)
            ds_fuzz_fail("ds_csv_row_span", "a span outside the input or before the last row");
        prev_end = e;
        for (int i = 0; i < nc; i++) {
            double d;
            long l;
            (void)strlen(ds_csv_field(c, i));
            err[0] = 0;
            if (ds_csv_double(c, i, &d, err, sizeof err) && !err[0])
                ds_fuzz_fail("ds_csv_double", "an error with an empty message");
            err[0] = 0;
            if (ds_csv_int(c, i, &l, err, sizeof err) && !err[0])
                ds_fuzz_fail("ds_csv_int", "an error with an empty message");
        }
    }
    ds_csv_close(c);
    return 0;
}
