/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cvmimg/log.h>
#include <cvmimg/util.h>

#include "cli.h"

#define CLI_MAX_OPTIONS 96
#define HELP_COLUMN 30

static const struct cli_option std_options[] = {
	{ "help", 'h', NULL, CLI_OPT_HELP, "display this help" },
	{ "version", 'V', NULL, CLI_OPT_VERSION, "display version" },
	CLI_OPTION_END,
};

void cli_parser_init(struct cli_parser *p, const struct cli_command *cmd, int argc, char **argv)
{
	*p = (struct cli_parser){ .cmd = cmd, .argc = argc, .argv = argv, .optind = 1 };
	optind = 0; /* a full reset of getopt's state for each command */
	opterr = 0;
}

/*
 * getopt_long returns the short option character, or for long options the
 * value we give: 256 + the option's index, so that ids never collide with
 * characters. cli_next() turns either back into the table's id.
 */
#define LONG_BASE 256

static size_t build_getopt(const struct cli_option *opts, struct option *longopts,
			   char *shortopts, size_t n)
{
	char *s = shortopts + strlen(shortopts);

	for (; opts->long_name && n < CLI_MAX_OPTIONS; opts++, n++) {
		longopts[n] = (struct option){ opts->long_name,
					       opts->arg ? required_argument : no_argument, NULL,
					       LONG_BASE + (int)n };
		if (opts->short_name) {
			*s++ = (char)opts->short_name;
			if (opts->arg)
				*s++ = ':';
		}
	}
	*s = '\0';
	return n;
}

static const struct cli_option *nth_option(const struct cli_option *opts, size_t nopts,
					   size_t i)
{
	return i < nopts ? &opts[i] : &std_options[i - nopts];
}

static int id_of(const struct cli_option *opts, int c)
{
	size_t nopts = 0;

	while (opts[nopts].long_name)
		nopts++;
	if (c >= LONG_BASE)
		return nth_option(opts, nopts, (size_t)(c - LONG_BASE))->id;
	for (size_t i = 0; nth_option(opts, nopts, i)->long_name; i++)
		if (nth_option(opts, nopts, i)->short_name == c)
			return nth_option(opts, nopts, i)->id;
	return 0;
}

static const char *option_name(const struct cli_parser *p)
{
	const char *a = p->argv[optind - 1];

	return a ? a : "?";
}

int cli_next(struct cli_parser *p, const char **arg)
{
	struct option longopts[CLI_MAX_OPTIONS + 1] = { 0 };
	char shortopts[2 * CLI_MAX_OPTIONS + 2] = ":";
	size_t n = build_getopt(p->cmd->options, longopts, shortopts, 0);
	int c, id;

	build_getopt(std_options, longopts, shortopts, n);
	c = getopt_long(p->argc, p->argv, shortopts, longopts, NULL);
	*arg = optarg;
	if (c == -1) {
		p->optind = optind;
		return CLI_END;
	}
	if (c == '?' || c == ':') {
		p->exit_code = c == ':' ? cli_usage(p->cmd->name, "option '%s' needs an argument",
						    option_name(p))
					: cli_usage(p->cmd->name, "unknown option '%s'",
						    option_name(p));
		return CLI_EXIT;
	}
	id = id_of(p->cmd->options, c);
	if (id == CLI_OPT_HELP || id == CLI_OPT_VERSION) {
		if (id == CLI_OPT_HELP)
			cli_print_help(p->cmd, stdout);
		else
			printf("cvmimg %s\n", cvm_version());
		p->exit_code = CLI_EXIT_OK;
		return CLI_EXIT;
	}
	return id;
}

static void print_options(const struct cli_option *o, FILE *out)
{
	for (; o->long_name; o++) {
		char left[128];
		int len;

		len = snprintf(left, sizeof(left), " %c%c%s--%s%s%s", o->short_name ? '-' : ' ',
			       o->short_name ? o->short_name : ' ', o->short_name ? ", " : "  ",
			       o->long_name, o->arg ? " " : "", o->arg ? o->arg : "");
		if (len < HELP_COLUMN - 1)
			fprintf(out, "%-*s%s\n", HELP_COLUMN, left, o->help);
		else
			fprintf(out, "%s\n%*s%s\n", left, HELP_COLUMN, "", o->help);
	}
}

void cli_print_help(const struct cli_command *cmd, FILE *out)
{
	fputs("Usage:\n", out);
	for (const char *const *s = cmd->synopsis; *s; s++)
		fprintf(out, " cvmimg %s %s\n", cmd->name, *s);
	fprintf(out, "\n%s\n\nOptions:\n", cmd->summary);
	print_options(cmd->options, out);
	fputc('\n', out);
	print_options(std_options, out);
	fprintf(out, "\nFor more details see cvmimg-%s(1).\n", cmd->name);
}

__attribute__((format(printf, 2, 0))) static void vreport(const char *cmd, const char *fmt,
							    va_list ap)
{
	fprintf(stderr, "cvmimg %s: ", cmd);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void cli_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(cmd, fmt, ap);
	va_end(ap);
}

int cli_usage(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(cmd, fmt, ap);
	va_end(ap);
	fprintf(stderr, "Try 'cvmimg %s --help' for more information.\n", cmd);
	return CLI_EXIT_USAGE;
}

int cli_exit_code(int negerrno)
{
	switch (negerrno) {
	case 0:
		return CLI_EXIT_OK;
	case -EKEYREJECTED:
		return CLI_EXIT_CHECK;
	case -EBADMSG:
	case -EINVAL:
	case -ERANGE:
	case -EFBIG:
	case -ENOENT:
	case -EACCES:
	case -EISDIR:
	case -ENOTDIR:
	case -ELOOP:
	case -ENAMETOOLONG:
		return CLI_EXIT_INPUT;
	default:
		return CLI_EXIT_SYSTEM;
	}
}

int cli_fail(const char *cmd, const cvm_err *e)
{
	if (e->msg[0])
		cli_error(cmd, "%s", e->msg);
	else
		cli_error(cmd, "%s", strerror(-e->code));
	return cli_exit_code(e->code);
}

int cli_parse_u64(const char *cmd, const char *opt, const char *arg, uint64_t min, uint64_t max,
		  uint64_t *ret)
{
	int r = cvm_parse_u64(arg, min, max, ret);

	if (r == -ERANGE)
		return cli_usage(cmd, "--%s must be between %llu and %llu, not '%s'", opt,
				 (unsigned long long)min, (unsigned long long)max, arg);
	if (r < 0)
		return cli_usage(cmd, "--%s needs a number, not '%s'", opt, arg);
	return 0;
}

void cli_print_json(json_object *o)
{
	puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
						       JSON_C_TO_STRING_NOSLASHESCAPE));
}

void cli_json_add_hex(json_object *o, const char *key, const uint8_t *buf, size_t len)
{
	char *hex = malloc(2 * len + 1);

	if (!hex)
		return;
	cvm_hex_encode(buf, len, hex);
	json_object_object_add(o, key, json_object_new_string(hex));
	free(hex);
}

int cli_close_stdout(int code)
{
	bool failed = fflush(stdout) != 0 || ferror(stdout);

	if (fclose(stdout) != 0)
		failed = true;
	if (failed && code == CLI_EXIT_OK) {
		fprintf(stderr, "cvmimg: cannot write to standard output: %s\n",
			strerror(errno ? errno : EIO));
		return CLI_EXIT_SYSTEM;
	}
	return code;
}
