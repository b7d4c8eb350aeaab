/* commands.h: the subcommands of the bovw program, one file each. */
#ifndef BOVW_CLI_COMMANDS_H
#define BOVW_CLI_COMMANDS_H

/* Each takes the arguments after its own name (argv[0] is the name). */
int cmd_dataset(int argc, char **argv);
int cmd_dataset_toy(int argc, char **argv);  /* bovw dataset toy (dataset_toy.c) */
int cmd_dataset_edges(int argc, char **argv); /* `bovw dataset edges` (dataset_edges.c) */
int cmd_dataset_clips(int argc, char **argv);   /* `bovw dataset clips` (dataset_clips.c) */
int cmd_dataset_signals(int argc, char **argv); /* `bovw dataset signals` (dataset_clips.c) */
int cmd_extract(int argc, char **argv);
int cmd_merge(int argc, char **argv);
int cmd_codebook(int argc, char **argv);
int cmd_encode(int argc, char **argv);
int cmd_train(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_predict(int argc, char **argv);
int cmd_nn(int argc, char **argv);
int cmd_nn_weights(int argc, char **argv); /* `bovw nn weights` (nn_weights.c) */
int cmd_nn_features(int argc, char **argv);    /* `bovw nn features` (nn_inspect.c) */
int cmd_nn_activations(int argc, char **argv); /* `bovw nn activations` (nn_inspect.c) */
int cmd_compare(int argc, char **argv);
int cmd_plot(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_compress(int argc, char **argv);
int cmd_decompress(int argc, char **argv);

#endif
