/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The command line's shared machinery: option tables from which both the
 * getopt_long parser and the --help text are built, error printing and the
 * mapping of library errors to exit codes.
 */
#ifndef CVMIMG_CLI_H
#define CVMIMG_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include <json-c/json.h>

#include <cvmimg/err.h>

/* Exit codes, documented in cvmimg(1) and every subcommand's page. */
enum {
	CLI_EXIT_OK = 0,
	CLI_EXIT_CHECK = 1,   /* a check failed: verification false, mismatch */
	CLI_EXIT_USAGE = 2,   /* bad command line */
	CLI_EXIT_INPUT = 3,   /* malformed, truncated, oversized or unreadable input */
	CLI_EXIT_SYSTEM = 4,  /* I/O or system error */
};

/* Option ids below this are free for the commands; these are shared. */
enum {
	CLI_OPT_HELP = 1000,
	CLI_OPT_VERSION,
	CLI_OPT_JSON,
};

struct cli_option {
	const char *long_name;
	int short_name;  /* 0 if none */
	const char *arg; /* argument name for --help, NULL if the option takes none */
	int id;          /* > 0, returned by cli_next() */
	const char *help;
};

#define CLI_OPTION_JSON { "json", 0, NULL, CLI_OPT_JSON, "print the result as JSON" }
#define CLI_OPTION_END { NULL, 0, NULL, 0, NULL }

struct cli_command {
	const char *name;              /* "measure" */
	const char *const *synopsis;   /* NULL-terminated usage lines, after "cvmimg <name> " */
	const char *summary;           /* one paragraph for --help */
	const struct cli_option *options;
};

struct cli_parser {
	const struct cli_command *cmd;
	int argc;
	char **argv;
	int exit_code; /* set when cli_next() returns CLI_EXIT */
	int optind;    /* first operand once cli_next() returned CLI_END */
};

#define CLI_END 0
#define CLI_EXIT (-1)

void cli_parser_init(struct cli_parser *p, const struct cli_command *cmd, int argc, char **argv);

/*
 * The next option's id, with its argument in *arg. CLI_END when the options are
 * over (operands start at p->optind). CLI_EXIT when the command must stop with
 * p->exit_code: after --help or --version (0) or a usage error (2, reported).
 */
int cli_next(struct cli_parser *p, const char **arg);

void cli_print_help(const struct cli_command *cmd, FILE *out);

/* "cvmimg <cmd>: <message>" on stderr. */
void cli_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A usage error: the message, a hint at --help, and CLI_EXIT_USAGE. */
int cli_usage(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Report a library error and return its exit code. */
int cli_fail(const char *cmd, const cvm_err *e);

/* The exit code for a negative errno (cryptsetup's translate_errno()). */
int cli_exit_code(int negerrno);

/* Numeric option argument in [min, max], or a usage error naming the option. */
int cli_parse_u64(const char *cmd, const char *opt, const char *arg, uint64_t min, uint64_t max,
		  uint64_t *ret);

/* Print a JSON document on stdout (pretty, two-space indent, newline-terminated). */
void cli_print_json(json_object *o);

/* Add "key": "<hex>" to @o. */
void cli_json_add_hex(json_object *o, const char *key, const uint8_t *buf, size_t len);

/* Flush and close stdout; a write error (e.g. a full disk) turns into exit 4. */
int cli_close_stdout(int code);

#endif
