/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cvmimg/cleanup.h>
#include <cvmimg/log.h>
#include <cvmimg/util.h>

#include "cli.h"

#define HELP_COLUMN 30

static const struct cli_option std_options[] = {
	{ .long_name = "help", .short_name = 'h', .help = "display this help" },
	{ .long_name = "version", .short_name = 'V', .help = "display version" },
	CLI_END,
};

enum { STD_HELP, STD_VERSION };

/*
 * getopt_long returns the short option character, or for long options the
 * value we give: LONG_BASE + the option's index, so that indices never
 * collide with characters. Command options come first, then std_options.
 */
#define LONG_BASE 256

struct parse {
	const struct cli_command *cmd;
	struct cli_option *opts;
	size_t n_opts;
};

static const struct cli_option *nth(const struct parse *p, size_t i)
{
	return i < p->n_opts ? &p->opts[i] : &std_options[i - p->n_opts];
}

static size_t count_options(const struct cli_option *o)
{
	size_t n = 0;

	while (o[n].long_name)
		n++;
	return n;
}

static void build_getopt(const struct parse *p, struct option *longopts, char *shortopts)
{
	char *s = shortopts;

	*s++ = ':';
	for (size_t i = 0; nth(p, i)->long_name; i++) {
		const struct cli_option *o = nth(p, i);

		longopts[i] = (struct option){ o->long_name, o->arg ? required_argument : no_argument,
					       NULL, LONG_BASE + (int)i };
		if (o->short_name) {
			*s++ = (char)o->short_name;
			if (o->arg)
				*s++ = ':';
		}
	}
	*s = '\0';
}

/* The table index of what getopt_long returned, or -1. */
static long index_of(const struct parse *p, int c)
{
	if (c >= LONG_BASE)
		return c - LONG_BASE;
	for (size_t i = 0; nth(p, i)->long_name; i++)
		if (nth(p, i)->short_name == c)
			return (long)i;
	return -1;
}

static const char *option_word(char **argv)
{
	const char *a = argv[optind - 1];

	return a ? a : "?";
}

/* An option that binds the same destination as @o and was seen already (aliases count). */
static bool given_before(const struct parse *p, size_t idx)
{
	const struct cli_option *o = nth(p, idx);

	if (idx >= p->n_opts)
		return false;
	return o->given || cli_given(p->opts, o->dest);
}

bool cli_given(const struct cli_option *opts, const void *dest)
{
	for (; opts->long_name; opts++)
		if (opts->given && dest && opts->dest == dest)
			return true;
	return false;
}

static int store_number(const struct parse *p, const struct cli_option *o, const char *arg)
{
	const char *prog = cli_program(p->cmd);
	uint64_t v;
	int r;

	if (o->type == CLI_T_SIZE) {
		r = cli_size_parse(arg, &v);
		if (r == 0 && (v < o->min || v > o->max))
			r = -ERANGE;
		if (r == -EINVAL)
			return cli_usage(prog, "--%s needs a size such as 512M or 4G, not '%s'",
					 o->long_name, arg);
		if (r < 0)
			return cli_usage(prog, "--%s must be a size between %llu and %llu bytes, "
					       "not '%s'",
					 o->long_name, (unsigned long long)o->min,
					 (unsigned long long)o->max, arg);
	} else if (cli_parse_u64(prog, o->long_name, arg, o->min, o->max, &v)) {
		return CLI_EXIT_USAGE;
	}
	if (o->type == CLI_T_U32)
		*(uint32_t *)o->dest = (uint32_t)v;
	else
		*(uint64_t *)o->dest = v;
	return 0;
}

static int store_choice(const struct parse *p, const struct cli_option *o, const char *arg)
{
	char valid[256] = "";

	for (int i = 0; o->choices[i]; i++) {
		if (!strcmp(o->choices[i], arg)) {
			*(int *)o->dest = i;
			return 0;
		}
		snprintf(valid + strlen(valid), sizeof(valid) - strlen(valid), "%s%s",
			 i ? ", " : "", o->choices[i]);
	}
	return cli_usage(cli_program(p->cmd), "--%s is one of %s, not '%s'", o->long_name, valid,
			 arg);
}

static int list_append(struct cli_list *l, const char *arg)
{
	const char **n = realloc(l->items, (l->n + 1) * sizeof(*n));

	if (!n)
		return cli_fail("cvmimg", &(cvm_err){ .code = -ENOMEM });
	n[l->n++] = arg;
	l->items = n;
	return 0;
}

static int store(struct parse *p, size_t idx, const char *arg)
{
	const struct cli_option *o = nth(p, idx);

	if (p->cmd->refuse_repeats && o->type != CLI_T_FLAG && o->type != CLI_T_LIST &&
	    o->type != CLI_T_CALLBACK && given_before(p, idx))
		return cli_usage(cli_program(p->cmd), "--%s given twice", o->long_name);
	if (idx < p->n_opts)
		p->opts[idx].given = true;
	switch (o->type) {
	case CLI_T_FLAG:
		*(bool *)o->dest = true;
		return 0;
	case CLI_T_STRING:
		*(const char **)o->dest = arg;
		return 0;
	case CLI_T_LIST:
		return list_append(o->dest, arg);
	case CLI_T_U64:
	case CLI_T_U32:
	case CLI_T_SIZE:
		return store_number(p, o, arg);
	case CLI_T_CHOICE:
		return store_choice(p, o, arg);
	case CLI_T_HEX:
		if (cvm_hex_decode(arg, o->dest, o->max, NULL) < 0)
			return cli_usage(cli_program(p->cmd), "--%s needs %llu bytes in hex",
					 o->long_name, (unsigned long long)o->max);
		return 0;
	case CLI_T_CALLBACK:
		return o->fn(o, arg);
	}
	return cli_usage(cli_program(p->cmd), "internal error: option --%s", o->long_name);
}

static int check_operands(const struct cli_command *cmd, unsigned n, char **operands)
{
	if (n < cmd->min_operands) {
		if (cmd->missing_operand)
			return cli_usage(cli_program(cmd), "%s", cmd->missing_operand);
		return cli_usage(cli_program(cmd), "missing argument");
	}
	if (n > cmd->max_operands)
		return cli_usage(cli_program(cmd), "unexpected argument '%s'",
				 operands[cmd->max_operands]);
	return 0;
}

int cli_parse(const struct cli_command *cmd, struct cli_option *opts, int argc, char **argv,
	      char ***ret_operands, unsigned *ret_n)
{
	struct parse p = { .cmd = cmd, .opts = opts, .n_opts = count_options(opts) };
	size_t total = p.n_opts + count_options(std_options);
	CVM_CLEANUP_FREE struct option *longopts = calloc(total + 1, sizeof(*longopts));
	CVM_CLEANUP_FREE char *shortopts = malloc(2 * total + 2);
	int c, r;

	if (!longopts || !shortopts)
		return cli_fail(cli_program(cmd), &(cvm_err){ .code = -ENOMEM });
	build_getopt(&p, longopts, shortopts);
	optind = 0; /* a full reset of getopt's state for each parse */
	opterr = 0;
	while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		long idx = index_of(&p, c);

		if (c == ':')
			return cli_usage(cli_program(cmd), "option '%s' needs an argument",
					 option_word(argv));
		if (c == '?' || idx < 0)
			return cli_usage(cli_program(cmd), "unknown option '%s'",
					 option_word(argv));
		if ((size_t)idx == p.n_opts + STD_HELP) {
			cli_print_help(cmd, opts, stdout);
			return CLI_EXIT_OK;
		}
		if ((size_t)idx == p.n_opts + STD_VERSION)
			return printf("cvmimg %s\n", cvm_version()) < 0 ? CLI_EXIT_SYSTEM
									: CLI_EXIT_OK;
		if ((r = store(&p, (size_t)idx, optarg)))
			return r;
	}
	if ((r = check_operands(cmd, (unsigned)(argc - optind), argv + optind)))
		return r;
	if (ret_operands)
		*ret_operands = argv + optind;
	if (ret_n)
		*ret_n = (unsigned)(argc - optind);
	return CLI_GO_ON;
}

/* One config value for option @idx: a string or number, true for a flag, an array for a list. */
static int config_value(struct parse *p, size_t idx, json_object *v, const char *name)
{
	const struct cli_option *o = &p->opts[idx];
	const char *prog = cli_program(p->cmd);
	int r;

	if (o->type == CLI_T_FLAG) {
		if (!json_object_is_type(v, json_type_boolean))
			return cli_usage(prog, "'%s': \"%s\" must be true or false", name,
					 o->long_name);
		return json_object_get_boolean(v) ? store(p, idx, NULL) : 0;
	}
	if (json_object_is_type(v, json_type_array)) {
		if (o->type != CLI_T_LIST && o->type != CLI_T_CALLBACK)
			return cli_usage(prog, "'%s': \"%s\" takes one value, not a list", name,
					 o->long_name);
		for (size_t i = 0; i < json_object_array_length(v); i++)
			if ((r = config_value(p, idx, json_object_array_get_idx(v, i), name)))
				return r;
		return 0;
	}
	if (!json_object_is_type(v, json_type_string) && !json_object_is_type(v, json_type_int))
		return cli_usage(prog, "'%s': \"%s\" must be a string or a number", name,
				 o->long_name);
	return store(p, idx, json_object_get_string(v));
}

int cli_apply_config(const struct cli_command *cmd, struct cli_option *opts, json_object *config,
		     const char *name)
{
	struct parse p = { .cmd = cmd, .opts = opts, .n_opts = count_options(opts) };
	bool *from_argv = calloc(p.n_opts + 1, sizeof(*from_argv));
	int r = 0;

	if (!from_argv)
		return cli_fail(cli_program(cmd), &(cvm_err){ .code = -ENOMEM });
	if (!json_object_is_type(config, json_type_object))
		r = cli_usage(cli_program(cmd), "'%s' must hold a JSON object", name);
	/* what the command line gave, aliases included, wins over the file */
	for (size_t i = 0; i < p.n_opts; i++)
		from_argv[i] = opts[i].given ||
			       (opts[i].type != CLI_T_CALLBACK && cli_given(opts, opts[i].dest));
	json_object_object_foreach(config, key, v) {
		size_t i = 0;

		if (r)
			break;
		while (i < p.n_opts && strcmp(opts[i].long_name, key))
			i++;
		if (i == p.n_opts || !strcmp(key, "config"))
			r = cli_usage(cli_program(cmd), "'%s': \"%s\" is not an option of cvmimg %s",
				      name, key, cmd->name);
		else if (!from_argv[i])
			r = config_value(&p, i, v, name);
	}
	free(from_argv);
	return r;
}

void cli_list_free(struct cli_list *l)
{
	free(l->items);
	*l = (struct cli_list){ 0 };
}

const char *cli_program(const struct cli_command *cmd)
{
	static char word[64];
	size_t n = strcspn(cmd->name, " ");

	snprintf(word, sizeof(word), "%.*s", (int)n, cmd->name);
	return word;
}

int cli_run_verb(const struct cli_verb *verbs, int argc, char **argv)
{
	if (argc < 2)
		return CLI_GO_ON;
	for (; verbs->name; verbs++)
		if (!strcmp(argv[1], verbs->name))
			return verbs->fn(argc - 1, argv + 1);
	return CLI_GO_ON;
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

void cli_print_help(const struct cli_command *cmd, const struct cli_option *opts, FILE *out)
{
	fputs("Usage:\n", out);
	for (const char *const *s = cmd->synopsis; *s; s++)
		fprintf(out, " cvmimg %s %s\n", cmd->name, *s);
	fprintf(out, "\n%s\n\nOptions:\n", cmd->summary);
	print_options(opts, out);
	fputc('\n', out);
	print_options(std_options, out);
	if (cmd->man)
		fprintf(out, "\nFor more details see %s.\n", cmd->man);
	else
		fprintf(out, "\nFor more details see cvmimg-%s(1).\n", cli_program(cmd));
}

__attribute__((format(printf, 2, 0))) static void vreport(const char *cmd, const char *fmt,
							    va_list ap)
{
	char msg[4096];

	/* one line, and no terminal control: messages quote names and strings
	 * taken from the input (a tcbDate with ESC[2J, a file name with a newline) */
	vsnprintf(msg, sizeof(msg), fmt, ap);
	fprintf(stderr, "cvmimg %s: ", cmd);
	for (const char *p = msg; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			fprintf(stderr, "\\x%02x", (unsigned char)*p);
		else
			fputc(*p, stderr);
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

int cli_size_parse(const char *s, uint64_t *ret)
{
	const char *units = "KMGT", *u;
	unsigned long long v;
	char *end;
	int shift = 0;

	if (!isdigit((unsigned char)s[0]))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -ERANGE;
	if (*end && (u = strchr(units, toupper((unsigned char)*end)))) {
		shift = 10 * (int)(u - units + 1);
		end++;
		if (!strcasecmp(end, "iB") || !strcasecmp(end, "B"))
			end += strlen(end);
	}
	if (*end)
		return -EINVAL;
	if (v > (UINT64_MAX >> shift))
		return -ERANGE;
	*ret = (uint64_t)v << shift;
	return 0;
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

bool cli_program_dir(char *dir, size_t size)
{
	ssize_t n = readlink("/proc/self/exe", dir, size - 1);
	char *slash;

	if (n <= 0 || (size_t)n >= size - 1)
		return false;
	dir[n] = '\0';
	if (!(slash = strrchr(dir, '/')))
		return false;
	*slash = '\0';
	return true;
}

bool cli_in_build_tree(void)
{
	char dir[PATH_MAX], probe[PATH_MAX + 32];

	if (!cli_program_dir(dir, sizeof(dir)))
		return false;
	snprintf(probe, sizeof(probe), "%s/CMakeCache.txt", dir);
	return access(probe, F_OK) == 0;
}

const char *cli_templates_dir(void)
{
	const char *env = getenv("CVMIMG_TEMPLATES");

	if (env && *env)
		return env;
	return cli_in_build_tree() ? CVMIMG_SOURCE_TEMPLATES : NULL;
}

int cli_protect_secrets(void)
{
	const struct rlimit none = {0, 0};
	int r;

	if (setrlimit(RLIMIT_CORE, &none) < 0)
		return -1;
	/* before any OpenSSL call: its expanded keys go to locked, undumped memory */
	if ((r = cvm_secret_openssl_init()) < 0) {
		errno = -r;
		return -1;
	}
	return prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
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
