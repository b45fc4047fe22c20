/* Subcommands of build/deepsweep: each lives in its own file and returns the
 * process exit status (0 ok, 1 run-time failure, 2 bad input). argv[0] is the
 * subcommand's name. */
#ifndef DS_COMMANDS_H
#define DS_COMMANDS_H

int cmd_info(int argc, char **argv);
int cmd_train(int argc, char **argv);
int cmd_gradcheck(int argc, char **argv);
int cmd_plot(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_merge(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_compare(int argc, char **argv);

#endif
