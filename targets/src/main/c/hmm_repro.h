/*
 * The checks of a standalone C reproducer (hmmfuzz export-c), included by reproducers only, never by the
 * executor. A reproducer's main runs the program's ops with the functions of hmm_program.h, one
 * statement per op, and checks each op's outcome, and the views where hmmfuzz checks them, against
 * what hmmfuzz's model allowed (tables the exporter computed on the host). It compares as hmmfuzz's
 * runner does (io.hmmfuzz.core.run.Runner) and prints the first mismatch in the words of hmmfuzz's
 * divergence report (io.hmmfuzz.core.run.Divergence): the signature OP/VIEW/CLASS/RULE, expected
 * against actual, the byte table naming the op whose pattern each bad byte carries, and the op log.
 *
 * Exit status: 0 no divergence, 1 divergence, 3 the reproducer could not run (no directory), 4 a
 * capability is missing (the message names the fix).
 */
#ifndef HMM_REPRO_H
#define HMM_REPRO_H

#include "hmm_program.h"

#include <linux/magic.h>
#include <regex.h>
#include <sys/statfs.h>
#include <sys/utsname.h>

#define EXIT_DIVERGENCE 1
#define EXIT_INFRASTRUCTURE 3
#define EXIT_SKIPPED 4

/* Expected bytes (io.hmmfuzz.core.model.Cells) as runs: zeros, an op's tag bytes, or given bytes. */
enum span_kind { SPAN_ZEROS, SPAN_TAGS, SPAN_BYTES };

struct span {
	uint32_t start, end;         /* cells [start, end) */
	int32_t writer;              /* the op that decided them; -1: never written */
	uint8_t maybe_zero;          /* each nonzero byte may also read as zero (U1: writeback) */
	uint8_t kind;                /* enum span_kind */
	uint64_t tag_off;            /* SPAN_TAGS: cell start holds tag_byte(writer, tag_off), and on */
	const unsigned char *bytes;  /* SPAN_BYTES: the values */
};

struct cells {
	uint32_t length;
	uint32_t nspans;
	const struct span *spans;
};

/* One allowed outcome (io.hmmfuzz.core.model.Expected), or else the next. */
struct expect {
	int status;                   /* EXEC_STATUS_* */
	long value;
	int error;                    /* ERROR: the errno */
	int signal;                   /* EXEC_SIGNAL_* */
	const struct cells *data;     /* the allowed bytes, NULL: none read */
	uint32_t nchoices;            /* or: per byte a set, */
	const unsigned char *choices; /* each as its size and members */
	const char *describe;         /* hmmfuzz's words for it */
	const struct expect *or_else;
};

enum view { VIEW_OUTCOME, VIEW_FILE, VIEW_CPU, VIEW_DEVICE, VIEW_END };

static const char *const view_ids[] = { "outcome", "file-view", "cpu-view", "device-view" };

/* One check: an op's own outcome, or one view (a file, a page of a mapping through the CPU or the device). */
struct check {
	enum view view;
	int id;                       /* the file (VIEW_FILE) or mapping read */
	uint64_t page;
	const char *subject;          /* "the op's own outcome", "view f0 (fstat + pread)", ... */
	const struct expect *expect;
	int file;                     /* the file the compared bytes belong to, -1: none */
	uint64_t base;                /* the file offset of the first compared byte */
	const struct cells *before;   /* what the same view was last checked to hold, or NULL */
	const char *rule;             /* the rule id of the signature */
};

struct footprint { int op; int file; uint64_t from, to; char mode; };
struct tagged { int file; uint64_t from, to; };                          /* file -1: none */
struct carry { int dst; uint64_t dst_from; int src; uint64_t src_from, length; }; /* dst -1: none */

/* What the exporter knew of the reproducer: its header, its ops, where each op's bytes go. */
struct reproducer {
	const char *name, *expect, *fs, *fs_type, *kernel, *caps;
	long fs_magic;
	int page, block, dax, hmm, coherent, kernel_major, kernel_minor;
	int ops, nfiles, nmaps;
	const char *const *op_text, *const *op_kind, *const *op_source;
	const struct tagged *tagged;
	const struct carry *carried;
	const struct footprint *footprints;
	int nfootprints;
};

static const char *errno_name(int e);  /* the exporter writes these two from hmmfuzz's enums */
static const char *signal_name(int code);

static const struct reproducer *repro;
static struct program *repro_program;
static char repro_dir[4096];
static char repro_release[128];
static int repro_kmsg;

/* ---- cells ---------------------------------------------------------------------------------- */

static const struct span *cells_span(const struct cells *c, uint32_t i)
{
	uint32_t lo = 0, hi = c->nspans - 1;

	while (lo < hi) {
		uint32_t mid = (lo + hi + 1) / 2;

		if (c->spans[mid].start <= i)
			lo = mid;
		else
			hi = mid - 1;
	}
	return &c->spans[lo];
}

static unsigned char span_value(const struct span *s, uint32_t i)
{
	switch (s->kind) {
	case SPAN_TAGS: return tag_byte(s->writer, s->tag_off + (i - s->start));
	case SPAN_BYTES: return s->bytes[i - s->start];
	}
	return 0;
}

static unsigned char cells_value(const struct cells *c, uint32_t i)
{
	return span_value(cells_span(c, i), i);
}

static int cells_allows(const struct cells *c, uint32_t i, unsigned char actual)
{
	const struct span *s = cells_span(c, i);
	unsigned char v = span_value(s, i);

	return v == actual || (s->maybe_zero && actual == 0);
}

static int cells_maybe_zero(const struct cells *c, uint32_t i)
{
	const struct span *s = cells_span(c, i);

	return s->maybe_zero && span_value(s, i) != 0;
}

/* The index of the first byte the cells do not allow, or -1 (a length mismatch: the shorter length). */
static long cells_first_mismatch(const struct cells *c, const unsigned char *actual, size_t len)
{
	size_t n = c->length < len ? c->length : len, i;

	for (i = 0; i < n; i++)
		if (!cells_allows(c, i, actual[i]))
			return i;
	return c->length == len ? -1 : (long)n;
}

/* ---- outcomes ------------------------------------------------------------------------------- */

static int expect_matches(const struct expect *e, const struct outcome *o)
{
	uint32_t i, k;
	const unsigned char *set;

	if (o->status != e->status)
		return 0;
	switch (e->status) {
	case EXEC_STATUS_ERROR: return o->error == e->error;
	case EXEC_STATUS_NOT_LIVE: return 1;
	}
	if (o->value != e->value || o->signal != e->signal)
		return 0;
	if (e->choices) {
		if (!o->has_data || o->len != e->nchoices)
			return 0;
		for (i = 0, set = e->choices; i < e->nchoices; i++, set += 1 + set[0]) {
			int in = 0;

			for (k = 0; k < set[0]; k++)
				in |= set[1 + k] == (unsigned char)o->data[i];
			if (!in)
				return 0;
		}
		return 1;
	}
	if (!e->data || !o->has_data)
		return !e->data && !o->has_data;
	return cells_first_mismatch(e->data, (const unsigned char *)o->data, o->len) < 0;
}

static int expect_allows(const struct expect *e, const struct outcome *o)
{
	for (; e; e = e->or_else)
		if (expect_matches(e, o))
			return 1;
	return 0;
}

/* io.hmmfuzz.core.model.Outcome.describe */
static void describe_outcome(const struct outcome *o, char *out, size_t cap)
{
	size_t i, n;

	switch (o->status) {
	case EXEC_STATUS_OK:
		if (!o->has_data) {
			snprintf(out, cap, "ok %ld", o->value);
		} else if (o->len <= 16) {
			n = snprintf(out, cap, "ok %ld, bytes", o->value);
			for (i = 0; i < o->len && n + 4 < cap; i++)
				n += snprintf(out + n, cap - n, "%s%02x", i ? " " : " ", (unsigned char)o->data[i]);
		} else {
			snprintf(out, cap, "ok %ld (%zu bytes)", o->value, o->len);
		}
		return;
	case EXEC_STATUS_ERROR:
		if (errno_name(o->error))
			snprintf(out, cap, "%s", errno_name(o->error));
		else
			snprintf(out, cap, "errno %d", o->error);
		return;
	case EXEC_STATUS_SIGNAL:
		snprintf(out, cap, "%s at +0x%lx", signal_name(o->signal), o->value);
		return;
	}
	snprintf(out, cap, "not live (its creating op failed)");
}

static const char *errno_text(int e, char *buf, size_t cap)
{
	if (errno_name(e))
		return errno_name(e);
	snprintf(buf, cap, "errno%d", e);
	return buf;
}

/* ---- the divergence report ------------------------------------------------------------------ */

/* Where a byte pattern came from: op writer wrote it into file, carried on by carriers[0..n) (latest first). */
struct origin {
	int writer, file, ncarriers;
	int carriers[16];
};

/* Divergence.origins: the ops whose tag pattern act[i, i+run) carries, read at offset of file, among ops before before. */
static int origins(int file, int64_t offset, const unsigned char *act, size_t i, size_t run, int before,
		   struct origin *out, int max)
{
	int n = 0, j;

	for (j = 0; j < before && j < repro->ops && n < max; j++) {
		const struct tagged *w = &repro->tagged[j];
		const struct carry *c = &repro->carried[j];

		if (w->file >= 0 && w->file == file && offset >= (int64_t)w->from && offset + (int64_t)run <= (int64_t)w->to) {
			size_t k;
			int all = 1;

			for (k = 0; k < run && all; k++)
				all = tag_byte(j, offset + k) == act[i + k];
			if (all) {
				out[n].writer = j;
				out[n].file = file;
				out[n].ncarriers = 0;
				n++;
			}
		}
		if (c->dst >= 0 && c->dst == file && offset >= (int64_t)c->dst_from &&
		    (uint64_t)(offset + run - c->dst_from) <= c->length) {
			int m = origins(c->src, c->src_from + (offset - c->dst_from), act, i, run, j, out + n, max - n), k;

			for (k = 0; k < m; k++) {
				struct origin *o = &out[n + k];

				if (o->ncarriers < 16) {
					memmove(o->carriers + 1, o->carriers, o->ncarriers * sizeof(int));
					o->carriers[0] = j;
					o->ncarriers++;
				}
			}
			n += m;
		}
	}
	return n;
}

static int all_zero(const unsigned char *act, size_t i, size_t run)
{
	size_t k;

	for (k = 0; k < run; k++)
		if (act[i + k])
			return 0;
	return 1;
}

/* The origins of the longest prefix of a bad run that one write explains. */
static int origins_of_prefix(const struct check *c, int op, const unsigned char *act, size_t i, size_t run,
			     struct origin *out, int max)
{
	size_t r;

	for (r = run; r >= 1; r--) {
		int n = origins(c->file, c->base + i, act, i, r, op + 1, out, max);

		if (n > 0)
			return n;
	}
	return 0;
}

/* The index of the first bad byte where the bytes are compared, or -1. */
static long first_bad_index(const struct check *c, const struct outcome *o)
{
	long i;

	if (!c->expect->data || !o->has_data || c->file < 0)
		return -1;
	i = cells_first_mismatch(c->expect->data, (const unsigned char *)o->data, o->len);
	return i < 0 || (size_t)i >= o->len || (uint32_t)i >= c->expect->data->length ? -1 : i;
}

static size_t bad_run(const struct cells *e, const unsigned char *act, size_t len, size_t i)
{
	size_t n = e->length < len ? e->length : len, run = 1;

	while (i + run < n && run < 8 && !cells_allows(e, i + run, act[i + run]))
		run++;
	return run;
}

/* Divergence.mismatchClass: what kind of disagreement this is. */
static void mismatch_class(const struct check *c, int op, const struct outcome *o, char *out, size_t cap)
{
	const struct expect *e = c->expect;
	const unsigned char *act = (const unsigned char *)o->data;
	char buf[32], buf2[32];
	struct origin who[64];
	long i;
	size_t run, k;
	int n;

	if (e->status != o->status) {
		if (e->status == EXEC_STATUS_ERROR && o->status == EXEC_STATUS_OK)
			snprintf(out, cap, "unexpected-success");
		else if (o->status == EXEC_STATUS_ERROR)
			snprintf(out, cap, "unexpected-%s", errno_text(o->error, buf, sizeof(buf)));
		else if (e->status == EXEC_STATUS_SIGNAL && o->status == EXEC_STATUS_OK)
			snprintf(out, cap, "missing-%s", signal_name(e->signal));
		else if (o->status == EXEC_STATUS_SIGNAL)
			snprintf(out, cap, "extra-%s", signal_name(o->signal));
		else
			snprintf(out, cap, "status");
		return;
	}
	if (e->status == EXEC_STATUS_ERROR) {
		snprintf(out, cap, "errno-%s-not-%s", errno_text(o->error, buf, sizeof(buf)),
			 errno_text(e->error, buf2, sizeof(buf2)));
		return;
	}
	if (e->status == EXEC_STATUS_NOT_LIVE) {
		snprintf(out, cap, "status");
		return;
	}
	if (e->signal != o->signal) {
		snprintf(out, cap, "%s-not-%s", signal_name(o->signal), signal_name(e->signal));
		return;
	}
	if (e->value != o->value) {
		snprintf(out, cap, "%s", c->view == VIEW_FILE ? "size" : "value");
		return;
	}
	i = first_bad_index(c, o);
	if (i < 0) {
		snprintf(out, cap, "data");
		return;
	}
	run = bad_run(e->data, act, o->len, i);
	if (c->before) {
		int stale = 1;

		for (k = 0; k < run && stale; k++)
			stale = i + k < c->before->length ? cells_allows(c->before, i + k, act[i + k]) : act[i + k] == 0;
		if (stale) {
			snprintf(out, cap, "stale");
			return;
		}
	}
	if (all_zero(act, i, run)) {
		snprintf(out, cap, "zeros");
		return;
	}
	n = origins_of_prefix(c, op, act, i, run, who, 64);
	if (n == 0)
		snprintf(out, cap, "data");
	else
		snprintf(out, cap, "bytes-of-%s", repro->op_source[who[n - 1].writer]);
}

/* Divergence.whoWrote: the ops whose pattern act[i, i+run) carries. */
static void who_wrote(const struct check *c, int op, const unsigned char *act, size_t i, size_t run, char *out,
		      size_t cap)
{
	struct origin who[64];
	int n, k, m;
	size_t len = 0;

	if (all_zero(act, i, run)) {
		snprintf(out, cap, "zero");
		return;
	}
	n = origins_of_prefix(c, op, act, i, run, who, 64);
	if (n == 0) {
		snprintf(out, cap, "no op's pattern");
		return;
	}
	len = snprintf(out, cap, "pattern of ");
	for (k = 0; k < n && len < cap; k++) {
		len += snprintf(out + len, cap - len, "%sop %d %s (f%d)", k ? "; " : "", who[k].writer,
				repro->op_kind[who[k].writer], who[k].file);
		for (m = who[k].ncarriers - 1; m >= 0 && len < cap; m--)
			len += snprintf(out + len, cap - len, ", carried by op %d %s", who[k].carriers[m],
					repro->op_kind[who[k].carriers[m]]);
	}
}

static void writer_name(int op, char *out, size_t cap)
{
	if (op < 0)
		snprintf(out, cap, "never written");
	else
		snprintf(out, cap, "op %d %s", op, repro->op_kind[op]);
}

/* Divergence.appendByteTable */
static void byte_table(const struct check *c, int op, const struct outcome *o)
{
	const struct cells *e = c->expect->data;
	const unsigned char *act = (const unsigned char *)o->data;
	size_t n = e->length < o->len ? e->length : o->len, i;
	int rows = 0, mismatches = 0;

	printf("  bytes of f%d:\n    %-10s %-28s %s\n", c->file, "OFFSET", "EXPECTED", "ACTUAL");
	for (i = 0; i < n; i++) {
		char exp[96], writer[64], who[512];
		size_t run = 1;

		if (cells_allows(e, i, act[i]))
			continue;
		mismatches++;
		if (rows >= 16 || (i > 0 && !cells_allows(e, i - 1, act[i - 1]) && rows > 0 && i % 16 != 0))
			continue;
		rows++;
		writer_name(cells_span(e, i)->writer, writer, sizeof(writer));
		snprintf(exp, sizeof(exp), "0x%02x%s (%s)", cells_value(e, i), cells_maybe_zero(e, i) ? "|0x00" : "", writer);
		while (i + run < n && run < 8 && !cells_allows(e, i + run, act[i + run]))
			run++;
		who_wrote(c, op, act, i, run, who, sizeof(who));
		printf("    0x%-8lx %-28s 0x%02x (%s)\n", (unsigned long)(c->base + i), exp, act[i], who);
	}
	printf("    %d of %zu bytes differ", mismatches, n);
	if (e->length != o->len)
		printf("; lengths %u vs %zu", e->length, o->len);
	printf("\n");
}

/* The run's end: what the program made is released and its directory removed. */
static void repro_cleanup(void)
{
	if (repro_program) {
		program_release(repro_program);
		repro_program = NULL;
	}
	device_release();
	if (repro_dir[0])
		remove_session_dir(repro_dir);
	repro_dir[0] = 0;
}

/*
 * The rest of a divergence report: the kernel line, the byte table (where bytes differ), the op log
 * marking the ops that touched the first bad byte; then the run ends with exit 1.
 */
static void report_end(int op, const struct check *c, const struct outcome *o)
{
	long bad = c && o ? first_bad_index(c, o) : -1;
	int file = c ? c->file : -1, i, k;

	printf("  kernel %s, %s, page %d, block %d, %s\n", repro_release, repro->fs, repro->page, repro->block,
	       repro->caps);
	if (bad >= 0) {
		byte_table(c, op, o);
		bad += c->base;
	}
	printf("  op log (%d ops", repro->ops);
	if (bad >= 0)
		printf("; *** marks ops that touched f%d at 0x%lx", file, bad);
	printf("):\n");
	for (i = 0; i < repro->ops; i++) {
		char mark[16] = "";

		for (k = 0; bad >= 0 && i <= op && k < repro->nfootprints; k++) {
			const struct footprint *f = &repro->footprints[k];

			if (f->op == i && f->file == file && (uint64_t)bad >= f->from && (uint64_t)bad < f->to)
				snprintf(mark, sizeof(mark), "   ***%c%c%c%c***", f->mode, f->mode, f->mode, f->mode);
		}
		printf("  %s%4d  %s%s\n", i == op ? ">" : " ", i, repro->op_text[i], mark);
	}
	printf("  replay:   hmmfuzz replay %s\n\n", repro->name);
	fflush(stdout);
	repro_cleanup();
	exit(EXIT_DIVERGENCE);
}

static void diverged(int op, const struct check *c, const struct outcome *o)
{
	char cls[128], actual[160];

	mismatch_class(c, op, o, cls, sizeof(cls));
	describe_outcome(o, actual, sizeof(actual));
	printf("DIVERGED %s (expect=%s)\n", repro->name, repro->expect);
	printf("DIVERGENCE at op %d of %d: %s\n", op, repro->ops, repro->op_text[op]);
	printf("  checked:  %s\n", c->subject);
	printf("  signature: %s/%s/%s/%s\n", repro->op_kind[op], view_ids[c->view], cls, c->rule);
	printf("  expected: %s\n", c->expect->describe);
	printf("  actual:   %s\n", actual);
	report_end(op, c, o);
}

/* ---- kernel reports (io.hmmfuzz.linux.ConsoleWatch) -------------------------------------------- */

static void regex_replace_all(char *s, size_t cap, const char *pattern, const char *with)
{
	regex_t re;
	regmatch_t m;
	size_t at = 0, wl = strlen(with);

	if (regcomp(&re, pattern, REG_EXTENDED))
		return;
	while (s[at] && !regexec(&re, s + at, 1, &m, at ? REG_NOTBOL : 0)) {
		size_t from = at + m.rm_so, to = at + m.rm_eo, rest = strlen(s + to);

		if (from + wl + rest + 1 > cap)
			break;
		memmove(s + from + wl, s + to, rest + 1);
		memcpy(s + from, with, wl);
		at = from + wl + (m.rm_eo == m.rm_so ? 1 : 0);
	}
	regfree(&re);
}

static int regex_find(const char *s, const char *pattern, regmatch_t *m, size_t nm)
{
	regex_t re;
	int r;

	if (regcomp(&re, pattern, REG_EXTENDED))
		return 0;
	r = !regexec(&re, s, nm, m, 0);
	regfree(&re);
	return r;
}

#define REPORT_PATTERN "(WARNING: |BUG: |Oops|KASAN: |UBSAN: |general protection fault|Kernel panic|" \
	"possible circular locking|possible recursive locking|INFO: task .* blocked|kernel BUG at|" \
	"Unable to handle kernel)"

/* ConsoleWatch.title: a report's first line without CPU, PID, code offsets and addresses. */
static void report_title(char *t, size_t cap)
{
	regex_replace_all(t, cap, "^\\[ *[0-9]+\\.[0-9]+\\] *", "");
	regex_replace_all(t, cap, "CPU: [0-9]+ PID: [0-9]+ (Comm: [^[:space:]]+ )?", "");
	regex_replace_all(t, cap, "\\+0x[0-9a-f]+/0x[0-9a-f]+", "");
	regex_replace_all(t, cap, "task [^[:space:]]+:[0-9]+ blocked for more than [0-9]+ seconds", "task blocked");
	regex_replace_all(t, cap, " \\[[[:alnum:]_]+\\]$", "");
	regex_replace_all(t, cap, "\\b(0x)?[0-9a-f]{8,16}\\b", "ADDR");
	while (*t && (t[strlen(t) - 1] == ' ' || t[strlen(t) - 1] == '\t'))
		t[strlen(t) - 1] = 0;
}

/*
 * Reads what the kernel logged since the last call; a report (WARNING, BUG, Oops, ...) in it is the
 * program's finding at op op: printed as hmmfuzz prints a kernel report, then exit 1.
 */
static void kernel_reports(int op)
{
	static char log[1 << 18];
	char *lines[512], *s, title[512];
	int n = 0, i, first = -1, from, to;
	size_t len;
	regmatch_t m[2];

	if (!repro_kmsg)
		return;
	len = kernel_log_read(log, sizeof(log) - 1);
	log[len] = 0;
	for (s = log; *s && n < 512; ) {
		char *nl = strchr(s, '\n');

		lines[n++] = s;
		if (!nl)
			break;
		*nl = 0;
		s = nl + 1;
	}
	for (i = 0; i < n && first < 0; i++)
		if (regex_find(lines[i], REPORT_PATTERN, m, 1) && !strstr(lines[i], "at planted/hmmfuzz.c") &&
		    !regex_find(lines[i], "Attempted to kill init! exitcode=0x0000(0000|0100)", m, 1))
			first = i;
	if (first < 0)
		return;
	regex_find(lines[first], REPORT_PATTERN, m, 1);
	snprintf(title, sizeof(title), "%s", lines[first] + m[0].rm_so);
	report_title(title, sizeof(title));
	from = first > 0 ? first - 1 : 0;
	for (i = first; i >= 0 && i >= first - 3; i--)
		if (strstr(lines[i], "cut here")) {
			from = i;
			break;
		}
	for (to = first + 1; to < n && to <= first + 60; to++)
		if (strstr(lines[to - 1], "---[ end trace") && to - 1 > first)
			break;
	/* ConsoleWatch.located: the faulting function where the first line names no place in the code. */
	if (regex_find(title, "^(BUG: unable to handle|BUG: kernel NULL pointer dereference|general protection fault|"
		       "Oops|Unable to handle kernel)", m, 1) && !strstr(title, " in ")) {
		for (i = from; i < to; i++)
			if (regex_find(lines[i], "RIP: [0-9a-f]{4}:([A-Za-z0-9_.]+)\\+0x", m, 2)) {
				size_t tl = strlen(title);

				snprintf(title + tl, sizeof(title) - tl, " in %.*s", (int)(m[1].rm_eo - m[1].rm_so),
					 lines[i] + m[1].rm_so);
				break;
			}
	}
	printf("DIVERGED %s (expect=%s)\n", repro->name, repro->expect);
	printf("DIVERGENCE at op %d of %d: %s\n", op, repro->ops, repro->op_text[op]);
	printf("  KERNEL REPORT: %s\n", title);
	for (i = from; i < to && i - from < 40; i++)
		printf("    | %s\n", lines[i]);
	report_end(op, NULL, NULL);
}

/* ---- the checks ------------------------------------------------------------------------------ */

/* Op op's own outcome: first what the kernel logged during it, then the model's allowed outcomes. */
static void check_op(struct program *p, int op, const struct outcome *o, const struct check *c)
{
	(void)p;
	kernel_reports(op);
	if (!expect_allows(c->expect, o))
		diverged(op, c, o);
}

/* A view that disagrees: the kernel's reports meanwhile come first, as hmmfuzz judges them. */
static void view_check(int op, const struct check *c, const struct outcome *o)
{
	if (!expect_allows(c->expect, o)) {
		kernel_reports(op);
		diverged(op, c, o);
	}
}

/*
 * Page pg of mapping m through device 0's mirror, as the executor reads a device view: one READ per page
 * (a READ over several pages may store device 0's own device-private pages in its mirror and Oops in
 * 6.1's test_hmm; executor.c program_device_view says how).
 */
static void device_view_page(struct program *p, int op, int map, uint64_t pg, struct outcome *o)
{
	program_device(p, op, 0, map, EXEC_DEVICE_READ, pg * p->page, 1, o);
}

/* The views after op op, read in the executor's order (files, CPU pages, device pages) up to VIEW_END. */
static void check_views(struct program *p, int op, const struct check *views)
{
	struct outcome o;

	for (; views->view != VIEW_END; views++) {
		switch (views->view) {
		case VIEW_FILE:
			program_file_view(p, views->id, &o);
			break;
		case VIEW_CPU:
			program_cpu_view(p, &p->maps[views->id], views->page, &o);
			break;
		case VIEW_DEVICE:
			device_view_page(p, op, views->id, views->page, &o);
			break;
		default:
			continue;
		}
		view_check(op, views, &o);
	}
	kernel_reports(op);
}

/* ---- start and end ------------------------------------------------------------------------- */

static void skip(const char *fmt, const char *what, const char *fix)
{
	printf("SKIP %s: ", repro->name);
	printf(fmt, what);
	printf("%s%s\n", fix ? "; " : "", fix ? fix : "");
	repro_cleanup();
	exit(EXIT_SKIPPED);
}

/*
 * Checks that DIR (argv[1]; by default a fresh directory under /dev/shm for tmpfs, under the current
 * directory otherwise) is on a filesystem of the reproducer's kind, with its page size, block size and
 * DAX, and that test_hmm is there where the reproducer needs it; makes a fresh directory for the
 * program's files in it. Exit 4 where something is missing.
 */
static void repro_start(struct program *p, const struct reproducer *r, int argc, char **argv)
{
	const char *parent = argc > 1 ? argv[1] : !strcmp(r->fs, "tmpfs") ? "/dev/shm" : ".";
	struct utsname u;
	struct statfs sf;
	char probe[4200];
	long dax, block;
	int fd;

	repro = r;
	setvbuf(stdout, NULL, _IOLBF, 0);
	uname(&u);
	snprintf(repro_release, sizeof(repro_release), "%s", u.release);
	if (argc > 2 || (argc == 2 && argv[1][0] == '-')) {
		fprintf(stderr, "usage: %s [DIR]   (the program's files go in a fresh directory in DIR)\n", argv[0]);
		exit(2);
	}
	if (sysconf(_SC_PAGESIZE) != r->page)
		skip("made with %s-byte pages", "a different page size", "run it where the page size is the reproducer's");
	if (statfs(parent, &sf) < 0)
		skip("cannot statfs %s", parent, "give an existing directory");
	if ((long)sf.f_type != r->fs_magic) {
		snprintf(probe, sizeof(probe), "%s is not on %s (the reproducer's filesystem)", parent, r->fs_type);
		skip("%s", probe, "give a directory on one as ./repro DIR");
	}
	snprintf(repro_dir, sizeof(repro_dir), "%s/hmmfuzz-repro-XXXXXX", parent);
	if (!mkdtemp(repro_dir)) {
		fprintf(stderr, "%s: cannot make a directory in %s: %s\n", argv[0], parent, strerror(errno));
		repro_dir[0] = 0;
		exit(EXIT_INFRASTRUCTURE);
	}
	block = block_size(repro_dir);
	if (block != r->block) {
		snprintf(probe, sizeof(probe), "%s has %ld-byte blocks, the reproducer's %s has %d", parent, block, r->fs,
			 r->block);
		skip("%s", probe, "give a directory on a filesystem made with the reproducer's block size");
	}
	snprintf(probe, sizeof(probe), "%s/probe-dax", repro_dir);
	fd = open(probe, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd >= 0)
		close(fd);
	dax = statx_dax(probe);
	unlink(probe);
	if (dax == 2 && r->dax)
		skip("%s", "this kernel does not report STATX_ATTR_DAX", "run it on the reproducer's kernel");
	if ((dax == 1) != (r->dax != 0)) {
		snprintf(probe, sizeof(probe), "files in %s are %sDAX, the reproducer's %s files %s", parent,
			 dax == 1 ? "" : "not ", r->fs, r->dax ? "are" : "are not");
		skip("%s", probe, r->dax ? "mount a pmem filesystem with -o dax" : "give a directory on a page-cache mount");
	}
	if (r->hmm && (access("/dev/hmm_dmirror0", R_OK | W_OK) < 0 || access("/dev/hmm_dmirror1", R_OK | W_OK) < 0))
		skip("no test_hmm (%s)", "/dev/hmm_dmirror0 and /dev/hmm_dmirror1",
		     "modprobe test_hmm as root on a kernel with CONFIG_TEST_HMM, or run it in hmmfuzz's guest");
	if (r->coherent && (access("/dev/hmm_dmirror2", R_OK | W_OK) < 0 || access("/dev/hmm_dmirror3", R_OK | W_OK) < 0))
		skip("no test_hmm device with device-coherent memory (%s)", "/dev/hmm_dmirror2 and /dev/hmm_dmirror3",
		     "boot with two reserved 256 MiB ranges and test_hmm's spm_addr_dev0 and spm_addr_dev1 naming them"
		     " (this file's header says how hmmfuzz's guest does), or run it in hmmfuzz's guest");
	if (r->kernel_major != 0 && (strtol(u.release, NULL, 10) != r->kernel_major ||
				     strtol(strchr(u.release, '.') ? strchr(u.release, '.') + 1 : "", NULL, 10) != r->kernel_minor))
		printf("note: made on linux %s, running on %s: the model's version-dependent rules are %d.%d's\n",
		       r->kernel, u.release, r->kernel_major, r->kernel_minor);
	kernel_log_open();
	repro_kmsg = kmsg_fd >= 0;
	if (!repro_kmsg)
		printf("note: /dev/kmsg is not readable (%s): kernel reports (WARNING, BUG, Oops) cannot be judged\n",
		       strerror(errno));
	cpu_fault_handlers();
	no_transparent_huge_pages();
	one_cpu();
	memset(p, 0, sizeof(*p));
	p->dir = open(repro_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	p->page = r->page;
	if (p->dir < 0 || program_slots(p, r->nfiles, r->nmaps) < 0) {
		fprintf(stderr, "%s: cannot open %s: %s\n", argv[0], repro_dir, strerror(errno));
		repro_cleanup();
		exit(EXIT_INFRASTRUCTURE);
	}
	repro_program = p;
}

/* Releases the program (reports logged meanwhile count for its last op), removes its directory: exit 0. */
static int repro_end(struct program *p)
{
	program_release(p);
	repro_program = NULL;
	device_release();
	kernel_reports(repro->ops - 1);
	close(p->dir);
	remove_session_dir(repro_dir);
	kernel_reports(repro->ops - 1);
	printf("OK %s: %d ops, no divergence on linux %s, %s in %s\n", repro->name, repro->ops, repro_release, repro->fs,
	       repro_dir);
	repro_dir[0] = 0;
	return 0;
}

#endif
