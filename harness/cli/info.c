/* `deepsweep info`: version, ISA chosen and available, threads, topology. */
#include "cli.h"
#include "commands.h"
#include "kernels.h"
#include "topo.h"

#include <omp.h>
#include <stdio.h>

static void print_size(const char *name, size_t bytes, int count)
{
    if (!bytes) {
        printf("%-14s unknown\n", name);
        return;
    }
    if (bytes >= (1u << 20))
        printf("%-14s %zu MiB x %d\n", name, bytes >> 20, count);
    else
        printf("%-14s %zu KiB x %d\n", name, bytes >> 10, count);
}

static void usage(FILE *f, const ds_opt *opts)
{
    fprintf(f, "usage: deepsweep info\n\n"
               "Prints the version, the ISA in use and those available, the\n"
               "OpenMP thread count and the machine's topology (hwloc).\n\n");
    ds_cli_print_options(f, opts);
    ds_cli_exit_status(f);
}

int cmd_info(int argc, char **argv)
{
    const ds_opt opts[] = {DS_OPT_END};
    const ds_cli cli = {.command = "info", .opts = opts, .usage = usage};
    int first, status;
    if (ds_cli_parse(&cli, argc, argv, &first, &status))
        return status;
    printf("deepsweep      %s (%s)\n", DS_VERSION, DS_GIT_REV);
    printf("isa            %s\n", ds_isa_name());
    printf("isa available ");
    for (int i = 0; i < DS_ISA_COUNT; i++)
        if (ds_isa_available((ds_isa)i))
            printf(" %s", ds_isa_to_name((ds_isa)i));
    printf("\n");
    printf("omp threads    %d\n", omp_get_max_threads());
    ds_topo t;
    if (ds_topo_read(&t) != 0)
        printf("topology       unavailable (hwloc could not load it)\n");
    printf("cpu model      %s\n", t.cpu_model);
    printf("packages       %d\n", t.packages);
    printf("cores          %d\n", t.cores);
    printf("pus            %d\n", t.pus);
    printf("numa nodes     %d\n", t.numa_nodes);
    print_size("l1d", t.l1d_bytes, t.l1d_count);
    print_size("l2", t.l2_bytes, t.l2_count);
    print_size("l3", t.l3_bytes, t.l3_count);
    return 0;
}
