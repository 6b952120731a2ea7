/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The command line's shared machinery: option tables that bind each option to
 * where its value goes (git's parse-options), from which the getopt_long
 * parser and the --help text are both built; operand counts; error printing
 * and the mapping of library errors to exit codes.
 *
 * A command declares its options as a local table of CLI_* entries pointing
 * at its own variables, then calls cli_parse() once. The parser converts and
 * range-checks values, lets the last of a repeated single-valued option win
 * (or refuses it, for commands that say so), appends repeated list options in
 * order, checks the operand count, and handles
 * -h/--help and -V/--version. Nothing depends on the order of the table
 * beyond the order --help lists the options in.
 */
#ifndef CVMIMG_CLI_H
#define CVMIMG_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <json-c/json.h>

#include <cvmimg/err.h>

/* Exit codes, documented in cvmimg(1) and every subcommand's page. */
enum {
	CLI_EXIT_OK = 0,
	CLI_EXIT_CHECK = 1,  /* a check failed: verification false, mismatch */
	CLI_EXIT_USAGE = 2,  /* bad command line */
	CLI_EXIT_INPUT = 3,  /* malformed, truncated, oversized or unreadable input */
	CLI_EXIT_SYSTEM = 4, /* I/O or system error */
};

/* cli_parse(): go on with the command (any other value is the exit code). */
#define CLI_GO_ON (-1)

enum cli_type {
	CLI_T_FLAG,	/* bool: set to true */
	CLI_T_STRING,	/* const char *: the argument itself */
	CLI_T_LIST,	/* struct cli_list: every use appended, in order */
	CLI_T_U64,	/* uint64_t in [min, max], decimal or 0x-hex */
	CLI_T_U32,	/* uint32_t in [min, max] */
	CLI_T_SIZE,	/* uint64_t: bytes, with K/M/G/T (powers of 1024); in [min, max] */
	CLI_T_CHOICE,	/* int: the index of the argument in choices[] */
	CLI_T_HEX,	/* uint8_t[max]: exactly max bytes in hex */
	CLI_T_CALLBACK, /* fn(o, arg): the command's own conversion, as often as given */
};

struct cli_option;

/* A callback's result: 0, or an exit code after reporting (cli_usage()). */
typedef int (*cli_option_fn)(const struct cli_option *o, const char *arg);

struct cli_option {
	const char *long_name;
	int short_name;	  /* 0 if none */
	const char *arg;  /* argument name for --help; NULL: the option takes none */
	const char *help;
	enum cli_type type;
	void *dest;	  /* where the value goes (callbacks: their context, in ctx()) */
	uint64_t min, max;
	const char *const *choices; /* CLI_T_CHOICE: NULL-terminated */
	cli_option_fn fn;
	bool given; /* set by cli_parse() */
};

/* The values of a repeated option, in the order given; freed by cli_list_free(). */
struct cli_list {
	const char **items;
	size_t n;
};
void cli_list_free(struct cli_list *l);

#define CLI_FLAG(l, s, dst, h)                                                                     \
	{ .long_name = (l), .short_name = (s), .help = (h), .type = CLI_T_FLAG,                    \
	  .dest = (bool *){ (dst) } }
#define CLI_STRING(l, s, a, dst, h)                                                                \
	{ .long_name = (l), .short_name = (s), .arg = (a), .help = (h), .type = CLI_T_STRING,      \
	  .dest = (const char **){ (dst) } }
#define CLI_LIST(l, s, a, dst, h)                                                                  \
	{ .long_name = (l), .short_name = (s), .arg = (a), .help = (h), .type = CLI_T_LIST,        \
	  .dest = (struct cli_list *){ (dst) } }
#define CLI_U64(l, s, a, dst, lo, hi, h)                                                           \
	{ .long_name = (l), .short_name = (s), .arg = (a), .help = (h), .type = CLI_T_U64,         \
	  .dest = (uint64_t *){ (dst) }, .min = (lo), .max = (hi) }
#define CLI_U32(l, s, a, dst, lo, hi, h)                                                           \
	{ .long_name = (l), .short_name = (s), .arg = (a), .help = (h), .type = CLI_T_U32,         \
	  .dest = (uint32_t *){ (dst) }, .min = (lo), .max = (hi) }
#define CLI_SIZE(l, s, a, dst, lo, hi, h)                                                          \
	{ .long_name = (l), .short_name = (s), .arg = (a), .help = (h), .type = CLI_T_SIZE,        \
	  .dest = (uint64_t *){ (dst) }, .min = (lo), .max = (hi) }
#define CLI_CHOICE(l, s, a, dst, names, h)                                                         \
	{ .long_name = (l), .short_name = (s), .arg = (a), .help = (h), .type = CLI_T_CHOICE,      \
	  .dest = (int *){ (dst) }, .choices = (names) }
#define CLI_HEX(l, s, a, dst, len, h)                                                               \
	{ .long_name = (l), .short_name = (s), .arg = (a), .help = (h), .type = CLI_T_HEX,         \
	  .dest = (uint8_t *){ (dst) }, .max = (len) }
#define CLI_CALLBACK(l, s, a, f, context, h)                                                       \
	{ .long_name = (l), .short_name = (s), .arg = (a), .help = (h), .type = CLI_T_CALLBACK,    \
	  .dest = (context), .fn = (f) }
#define CLI_JSON(dst) CLI_FLAG("json", 0, dst, "print the result as JSON")
#define CLI_END { .long_name = NULL }

struct cli_command {
	const char *name;	     /* "measure", or "uki inspect" for a verb */
	const char *const *synopsis; /* NULL-terminated usage lines, after "cvmimg <name> " */
	const char *summary;	     /* one paragraph for --help */
	const char *man;	     /* manual page, default "cvmimg-<name>" */
	unsigned min_operands, max_operands;
	const char *missing_operand; /* message when fewer than min_operands were given */
	bool refuse_repeats;	     /* a single-valued option given twice is a usage error
					(otherwise the last one counts) */
};

/*
 * Parse @argv (argv[0] is the command's name) against @opts. Returns CLI_GO_ON
 * with the operands in *ret_operands (pointing into @argv; may be NULL) and
 * their count in *ret_n; otherwise the exit code: 0 after --help or --version,
 * CLI_EXIT_USAGE after a usage error it has reported.
 */
int cli_parse(const struct cli_command *cmd, struct cli_option *opts, int argc, char **argv,
	      char ***ret_operands, unsigned *ret_n);

/*
 * Apply a configuration file's JSON object (@name for messages) to @opts, as
 * if each key were the long option of that name: a string or number is its
 * argument, true sets a flag, an array repeats a list option. Options given on
 * the command line (or an alias of them) keep the command line's value. Call
 * after cli_parse(); @config must live as long as the values are used.
 * Returns 0 or CLI_EXIT_USAGE after reporting an unknown key or a wrong type.
 */
int cli_apply_config(const struct cli_command *cmd, struct cli_option *opts, json_object *config,
		     const char *name);

/* Whether an option bound to @dest was given (aliases included). */
bool cli_given(const struct cli_option *opts, const void *dest);

void cli_print_help(const struct cli_command *cmd, const struct cli_option *opts, FILE *out);

/* The word that names a command in messages: "uki" for "uki inspect". */
const char *cli_program(const struct cli_command *cmd);

/* A verb of a command with verbs (git's OPT_SUBCOMMAND). */
struct cli_verb {
	const char *name;
	int (*fn)(int argc, char **argv); /* argv[0] is the verb */
};

/*
 * Run the verb named by argv[1] with argv + 1. Returns -1 (CLI_GO_ON) when
 * argv[1] names no verb, so the command can go on without one.
 */
int cli_run_verb(const struct cli_verb *verbs, int argc, char **argv);

/* "cvmimg <cmd>: <message>" on stderr. */
void cli_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A usage error: the message, a hint at --help, and CLI_EXIT_USAGE. */
int cli_usage(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Report a library error and return its exit code. */
int cli_fail(const char *cmd, const cvm_err *e);

/* The exit code for a negative errno (cryptsetup's translate_errno()). */
int cli_exit_code(int negerrno);

/*
 * A size: digits with an optional K, M, G or T (powers of 1024; "iB" or "B"
 * may follow). Returns 0; -EINVAL if malformed; -ERANGE if it overflows.
 */
int cli_size_parse(const char *s, uint64_t *ret);

/* Numeric argument of --@opt in [min, max], or a usage error naming the option. */
int cli_parse_u64(const char *cmd, const char *opt, const char *arg, uint64_t min, uint64_t max,
		  uint64_t *ret);

/* Print a JSON document on stdout (pretty, two-space indent, newline-terminated). */
void cli_print_json(json_object *o);

/* The directory of the running program (from /proc/self/exe); false if unknown. */
bool cli_program_dir(char *dir, size_t size);

/* Whether this binary runs from its CMake build tree (CMakeCache.txt beside it). */
bool cli_in_build_tree(void);

/*
 * The templates/ directory the build reads: $CVMIMG_TEMPLATES, the source
 * tree's when this binary runs from its build tree (CMakeCache.txt beside
 * it), else NULL for the installed copy.
 */
const char *cli_templates_dir(void);

/*
 * For a command that holds keys, passphrases or image plaintext, before it
 * reads any: no core dump (RLIMIT_CORE 0, and PR_SET_DUMPABLE 0, which also
 * covers a core_pattern pipe and keeps other processes of the same user from
 * ptrace and from /proc/PID/mem and /proc/PID/environ), and the key schedules
 * OpenSSL expands in secure memory (cvm_secret_openssl_init(), so before
 * anything uses OpenSSL). 0 or -1 with errno.
 */
int cli_protect_secrets(void);

/* Flush and close stdout; a write error (e.g. a full disk) turns into exit 4. */
int cli_close_stdout(int code);

#endif
