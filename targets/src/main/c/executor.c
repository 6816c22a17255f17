/*
 * hmmfuzz-executor: runs the host engine's system calls, one request at a time, and answers each with
 * its outcome. The host (io.hmmfuzz.linux.ExecutorKernel) keeps the generator, the model and every
 * check; this program only does what it is told, inside the session directory it is given.
 *
 * The wire format, the call numbers and the codes of the domain enums are in executor_protocol.h,
 * written by the host from its one definition (io.hmmfuzz.linux.ExecutorProtocol) when it builds
 * this file. Requests come on fd 0 (or the channel named by argv[1]), answers go to fd 1 (or the same
 * channel). With "--stuck-after SECONDS" after it, a request that runs longer than that gets a STUCK
 * line on stderr (see stuck_watch_start). Given an argument (a channel, or "-" for fd 0 and 1), the executor first says hello: an
 * answer whose value is EXEC_MAGIC. Built statically with the machine's gcc by the tool itself.
 */
/*
 * The executor drops the kernel's caches (the drop-caches op, R120) only where it serves a guest's
 * channel: a kernel hmmfuzz booted. On the host (requests on stdin) the op answers EPERM, whatever the
 * host side asks: the tool changes only what it made there.
 */
static int serves_a_guest;
#define drop_caches_permitted() serves_a_guest

#include "hmm_program.h"

#include <stdlib.h>
#include <time.h>
#include <sys/prctl.h>

static int in_fd = 0, out_fd = 1;
static int session_dir = -1;
static char session_path[4096];

#define LOG_CAP (1 << 20)

static char *scratch_log(void)
{
	char *log = malloc(LOG_CAP);

	if (!log) {
		fprintf(stderr, "hmmfuzz-executor: out of memory for the kernel log\n");
		exit(3);
	}
	return log;
}

/* A session: its directory (made first if create), where the file names of later calls resolve. */
static long session_start(const char *path, int create)
{
	if (session_dir >= 0)
		close(session_dir);
	session_dir = -1;
	if (create && mkdir(path, 0700) < 0)
		return -errno;
	snprintf(session_path, sizeof(session_path), "%s", path);
	session_dir = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return session_dir < 0 ? -errno : 0;
}

/*
 * The end of a session: the directory closed, and removed if remove; the device mirror closed unless
 * keep_mirror (EXEC_PROGRAM_KEEP_MIRROR: the next program goes on with it).
 */
static long session_end(int remove, int keep_mirror)
{
	if (!keep_mirror)
		device_release();
	if (session_dir >= 0)
		close(session_dir);
	session_dir = -1;
	return remove ? remove_session_dir(session_path) : 0;
}

/*
 * The STUCK watch: a child process that, when a request has run for longer than stuck_after seconds,
 * writes where the executor is stuck (its state, system call and wait channel, from /proc) to stderr
 * (a guest's console), once per request, so that the console shows it before the host ends the guest
 * as hung.
 */
struct busy {
	volatile int64_t since_ns; /* 0: between requests */
	volatile int32_t call;
	volatile int32_t op;       /* a whole program's op in progress, or -1 */
};
static struct busy *busy;

static int64_t monotonic_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000000LL + t.tv_nsec;
}

/* The first line of /proc/<pid>/<what> that starts with prefix (any line if prefix is ""), newline cut. */
static void proc_line(pid_t pid, const char *what, const char *prefix, char *out, size_t cap)
{
	char path[64], text[4096];
	long n;
	char *line;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, what);
	snprintf(out, cap, "?");
	n = read_text(path, text, sizeof(text) - 1);
	if (n < 0)
		return;
	text[n] = 0;
	for (line = text; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		if (strncmp(line, prefix, strlen(prefix)) == 0) {
			size_t len = strcspn(line, "\n");

			snprintf(out, cap, "%.*s", (int)len, line);
			return;
		}
	}
}

static void stuck_report(pid_t pid, int64_t seconds, int call, int op)
{
	char state[128], syscall[256], wchan[128], line[768];
	const char *name;

	proc_line(pid, "status", "State:", state, sizeof(state));
	proc_line(pid, "syscall", "", syscall, sizeof(syscall));
	proc_line(pid, "wchan", "", wchan, sizeof(wchan));
	name = call > 0 && call < (int)(sizeof(exec_call_names) / sizeof(*exec_call_names))
		? exec_call_names[call] : "?";

	snprintf(line, sizeof(line), "hmmfuzz-executor: STUCK for %llds in %s, op %d (pid %d): %s; syscall %s; wchan %s\n",
		 (long long)seconds, name, op, (int)pid, state, syscall, wchan);
	if (write(2, line, strlen(line)) < 0)
		return; /* nowhere to say it */
}

static void stuck_watch_start(int stuck_after)
{
	pid_t parent = getpid(), child;

	busy = mmap(NULL, sizeof(*busy), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (busy == MAP_FAILED) {
		busy = NULL;
		return;
	}
	child = fork();
	if (child != 0)
		return; /* the executor; or no watch if fork failed */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	signal(SIGBUS, SIG_DFL);
	signal(SIGSEGV, SIG_DFL);
	for (int64_t reported = 0;; sleep(1)) {
		int64_t since = busy->since_ns;

		if (getppid() != parent)
			_exit(0);
		if (since && since != reported && monotonic_ns() - since > stuck_after * 1000000000LL) {
			stuck_report(parent, (monotonic_ns() - since) / 1000000000LL, busy->call, busy->op);
			reported = since;
		}
	}
}

static void busy_with(int call)
{
	if (busy) {
		busy->call = call;
		busy->op = -1;
		busy->since_ns = call ? monotonic_ns() : 0;
	}
}

static void busy_op(int op)
{
	if (busy)
		busy->op = op;
}

static void *buffer;
static size_t buffer_size;

/* Page-aligned, so that pread and pwrite on an O_DIRECT fd leave only the offset and length to check. */
static void *scratch(size_t size)
{
	if (size > buffer_size) {
		free(buffer);
		if (posix_memalign(&buffer, 4096, size))
			buffer = NULL;
		if (!buffer) {
			fprintf(stderr, "hmmfuzz-executor: out of memory for %zu bytes\n", size);
			exit(3);
		}
		buffer_size = size;
	}
	return buffer;
}

/* Reads exactly len bytes; 0 at a clean end of input before any byte. */
static int read_full(void *p, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = read(in_fd, (char *)p + got, len - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (got == 0 && n == 0)
				return 0;
			fprintf(stderr, "hmmfuzz-executor: short request (%s)\n", n == 0 ? "end of input" : strerror(errno));
			exit(3);
		}
		got += n;
	}
	return 1;
}

static void write_full(const void *p, size_t len);

/*
 * Answers and records are gathered here and written by flush(): one write per answer, or per stretch
 * of a program's records.
 */
static char *out_buf;
static size_t out_len, out_cap;

static void put(const void *p, size_t len)
{
	if (out_len + len > out_cap) {
		size_t cap = out_cap ? out_cap : 1 << 16;

		while (cap < out_len + len)
			cap *= 2;
		out_buf = realloc(out_buf, cap);
		if (!out_buf) {
			fprintf(stderr, "hmmfuzz-executor: out of memory for %zu bytes\n", cap);
			exit(3);
		}
		out_cap = cap;
	}
	memcpy(out_buf + out_len, p, len);
	out_len += len;
}

static void flush(void)
{
	write_full(out_buf, out_len);
	out_len = 0;
}

static void write_full(const void *p, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = write(out_fd, (const char *)p + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			fprintf(stderr, "hmmfuzz-executor: cannot answer (%s)\n", strerror(errno));
			exit(3);
		}
		done += n;
	}
}

static void answer(long value, int signal, const void *payload, uint32_t payload_len)
{
	struct executor_response r = {
		.value = value < 0 ? -1 : value,
		.error = value < 0 ? (int32_t)-value : 0,
		.signal = signal,
		.payload = payload_len,
	};

	put(&r, sizeof(r));
	if (payload_len)
		put(payload, payload_len);
}

static int falloc_mode(int64_t code)
{
	switch (code) {
	case EXEC_FALLOC_PUNCH_HOLE: return FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE;
	case EXEC_FALLOC_ZERO_RANGE: return FALLOC_FL_ZERO_RANGE;
	case EXEC_FALLOC_ZERO_RANGE_KEEP_SIZE: return FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE;
	case EXEC_FALLOC_ALLOCATE: return 0;
	case EXEC_FALLOC_ALLOCATE_KEEP_SIZE: return FALLOC_FL_KEEP_SIZE;
	case EXEC_FALLOC_COLLAPSE_RANGE: return FALLOC_FL_COLLAPSE_RANGE;
	case EXEC_FALLOC_INSERT_RANGE: return FALLOC_FL_INSERT_RANGE;
	case EXEC_FALLOC_UNSHARE: return FALLOC_FL_UNSHARE_RANGE;
	case EXEC_FALLOC_UNSHARE_KEEP_SIZE: return FALLOC_FL_UNSHARE_RANGE | FALLOC_FL_KEEP_SIZE;
	}
	return -1;
}

static int exec_prot_code(int prot)
{
	if (prot & PROT_WRITE)
		return EXEC_PROT_READ_WRITE;
	return prot & PROT_READ ? EXEC_PROT_READ : EXEC_PROT_NONE;
}

/* A file name of the session directory: no '/', no leading '.'. */
static const char *file_name(char *payload, uint32_t len)
{
	payload[len] = 0;
	if (len == 0 || payload[0] == '.' || strchr(payload, '/')) {
		fprintf(stderr, "hmmfuzz-executor: file names stay inside the session directory: %s\n", payload);
		exit(3);
	}
	return payload;
}

/* CPU accesses of [addr, addr+len), one copy per page, up to the first fault. */
static void serve_access(int write, uintptr_t addr, size_t len, size_t page, const char *in)
{
	char *out = write ? NULL : scratch(len ? len : 1);
	size_t done = 0;
	int sig = 0;

	while (done < len && !sig) {
		size_t n = page - (addr + done) % page;

		if (n > len - done)
			n = len - done;
		sig = write ? cpu_store(addr + done, in + done, n) : cpu_load(out + done, addr + done, n);
		if (!sig)
			done += n;
	}
	answer(done, signal_code(sig), out, write ? 0 : done);
}

/* fork with a child making ACCESS's accesses (R110-R112): as ACCESS answers, or the errno of fork. */
static void serve_fork(int write, uintptr_t addr, size_t len, size_t page, const char *in)
{
	char *buf = scratch(len ? len : 1);
	size_t done = 0;
	int sig = 0;
	long r;

	if (write)
		memcpy(buf, in, len);
	r = cpu_fork_access(write, addr, buf, len, page, &done, &sig);
	if (r < 0) {
		answer(r, 0, NULL, 0);
		return;
	}
	answer(done, signal_code(sig), write ? NULL : buf, write ? 0 : done);
}

/* Each of pages pages at addr loaded on its own: a signal code byte per page, then the bytes. */
static void serve_load_pages(uintptr_t addr, size_t pages, size_t page)
{
	char *out = scratch(pages + pages * page);
	size_t p;

	memset(out, 0, pages + pages * page);
	for (p = 0; p < pages; p++)
		out[p] = signal_code(cpu_load(out + pages + p * page, addr + p * page, page));
	answer(0, 0, out, pages + pages * page);
}

/* st_size, then the file's bytes by pread from 0 until st_size or end of file. */
static void serve_read_whole_file(int fd)
{
	long size = op_file_size(fd);
	size_t got = 0;
	char *out;

	if (size < 0 || size > INT32_MAX) {
		answer(size, 0, NULL, 0);
		return;
	}
	out = scratch(size ? size : 1);
	while (got < (size_t)size) {
		long r = op_pread(fd, out + got, size - got, got);

		if (r < 0) {
			answer(r, 0, NULL, 0);
			return;
		}
		if (r == 0)
			break;
		got += r;
	}
	answer(size, 0, out, got);
}

/* Runs the NUL-separated argv in the payload; the exit status, and the tool's output as the payload. */
static void serve_run(char *in, uint32_t len)
{
	char *argv[64];
	int argc = 0;
	uint32_t i = 0;
	size_t out_len = 0;
	char *out = scratch(1 << 16);
	long r;

	in[len] = 0;
	while (i < len && argc < 63) {
		argv[argc++] = in + i;
		i += strlen(in + i) + 1;
	}
	argv[argc] = NULL;
	if (argc == 0) {
		answer(-EINVAL, 0, NULL, 0);
		return;
	}
	r = run_tool(argv, out, 1 << 16, &out_len);
	answer(r, 0, out, r >= 0 ? out_len : 0);
}

static void record(uint32_t kind, const struct outcome *o, int id, int page, const void *payload, uint32_t len)
{
	struct executor_record r = { .kind = kind, .id = id, .page = page, .payload = len };

	if (o) {
		r.status = o->status;
		r.value = o->value;
		r.error = o->error;
		r.signal = o->signal;
		r.has_data = o->has_data;
	}
	put(&r, sizeof(r));
	if (len)
		put(payload, len);
}

/* A record whose payload is the kernel log since the last read (when the host watches it). */
static void log_record_with(uint32_t kind, const struct outcome *o, int id, int watch)
{
	static char *log;
	size_t len = 0;

	if (!log)
		log = scratch_log();
	if (watch)
		len = kernel_log_read(log, LOG_CAP);
	record(kind, o, id, 0, log, len);
}

static void log_record(uint32_t kind, int id, int watch)
{
	log_record_with(kind, NULL, id, watch);
}

static void outcome_record(uint32_t kind, const struct outcome *o, int id, int page)
{
	record(kind, o, id, page, o->data, o->has_data ? o->len : 0);
}

/*
 * Where a floor's time goes: per slot (EXEC_PROFILE_*, and each op kind at its code) how many and how
 * many nanoseconds.
 */
static int64_t profile[EXEC_PROFILE_SLOTS][2];
static int profiling;

static void profiled(int slot, int64_t since)
{
	if (profiling && slot >= 0 && slot < EXEC_PROFILE_SLOTS) {
		profile[slot][0]++;
		profile[slot][1] += monotonic_ns() - since;
	}
}

/*
 * The device view of mapping m through device 0's mirror: one HMM_DMIRROR_READ per page, each with its
 * own outcome. Not one READ over the whole mapping: dmirror_read faults from the first page its mirror
 * lacks to the end of the range, and dmirror_do_fault then stores every page hmm_range_fault reports,
 * device 0's own device-private pages too, over the entries that pointed at their backing pages; the
 * READ then kmap()s a ZONE_DEVICE page and Oopses (lib/test_hmm.c 6.1, R93). A one-page READ of a page
 * in device 0's memory whose entry is intact reads the backing page.
 */
static void program_device_view(struct program *p, int i, int op, int quiet)
{
	struct program_mapping *m = &p->maps[i];
	size_t pages = (m->len + p->page - 1) / p->page, pg;
	struct outcome o;

	for (pg = 0; pg < pages; pg++) {
		program_device(p, op, 0, i, EXEC_DEVICE_READ, pg * p->page, 1, &o);
		if (!quiet)
			outcome_record(EXEC_RECORD_DEVICE_VIEW, &o, i, pg);
	}
}

/* The views after an op: every named file, every live mapping page by page (and through the mirror). */
static void program_views(struct program *p, int op, int device_views, int watch, int quiet)
{
	struct outcome o;
	int64_t t = profiling ? monotonic_ns() : 0;
	int i;
	size_t pg;

	for (i = 0; i < p->nfiles; i++) {
		if (!p->files[i].named)
			continue;
		program_file_view(p, i, &o);
		if (!quiet)
			outcome_record(EXEC_RECORD_FILE_VIEW, &o, i, 0);
	}
	profiled(EXEC_PROFILE_VIEW_FILES, t);
	t = profiling ? monotonic_ns() : 0;
	for (i = 0; i < p->nmaps; i++) {
		struct program_mapping *m = &p->maps[i];

		if (!m->live)
			continue;
		for (pg = 0; pg * p->page < m->len; pg++) {
			program_cpu_view(p, m, pg, &o);
			if (!quiet)
				outcome_record(EXEC_RECORD_CPU_VIEW, &o, i, pg);
		}
	}
	profiled(EXEC_PROFILE_VIEW_CPU, t);
	t = profiling ? monotonic_ns() : 0;
	for (i = 0; device_views && i < p->nmaps; i++)
		if (p->maps[i].live)
			program_device_view(p, i, op, quiet);
	profiled(EXEC_PROFILE_VIEW_DEVICE, t);
	if (!quiet)
		log_record(EXEC_RECORD_VIEWS_END, op, watch);
}

static void bad_program(const char *why, long long what)
{
	fprintf(stderr, "hmmfuzz-executor: bad program: %s %lld\n", why, what);
	exit(3);
}

/*
 * A program: ops ops, its views every view_every ops (0: after the last only; -1: never), flags
 * EXEC_PROGRAM_*, nfiles and nmaps slots; in: per op its kind, argument count and arguments. Each op's
 * outcome is recorded, then the kernel log, then the views where due, and sent after the views (quiet:
 * nothing is sent). At the end everything is released, and PROGRAM_END sent (quiet: not).
 */
static void run_program(int64_t ops, int64_t view_every, int64_t flags, int64_t nfiles, int64_t nmaps,
			const char *in, uint32_t len)
{
	int device_views = flags & EXEC_PROGRAM_DEVICE_VIEWS, watch = flags & EXEC_PROGRAM_KERNEL_LOG;
	int quiet = flags & EXEC_PROGRAM_QUIET;
	struct program p = { .dir = session_dir, .page = getpagesize(), .nfiles = nfiles, .nmaps = nmaps };
	uint32_t at = 0;
	int64_t t0;
	int i, viewed;

	/* Slots by the thousand: an imported fsx log maps once per mapped read or write. */
	if (p.nfiles < 0 || p.nfiles > 65536 || p.nmaps < 0 || p.nmaps > 65536)
		bad_program("slots", p.nfiles > p.nmaps ? p.nfiles : p.nmaps);
	/* A program that does not go on with the mirror kept by the one before it gets a fresh one. */
	if (!(flags & EXEC_PROGRAM_KEEP_MIRROR))
		device_release();
	if (program_slots(&p, p.nfiles, p.nmaps) < 0)
		bad_program("out of memory for slots", 0);
	for (i = 0; i < ops; i++) {
		uint32_t kind, argc;
		int64_t args[16];
		struct outcome o;

		if (at + 8 > len)
			bad_program("ends before op", i);
		memcpy(&kind, in + at, 4);
		memcpy(&argc, in + at + 4, 4);
		at += 8;
		if (argc > 16 || at + 8 * argc > len)
			bad_program("arguments of op", i);
		memcpy(args, in + at, 8 * argc);
		at += 8 * argc;
		int64_t t = profiling ? monotonic_ns() : 0;

		busy_op(i);
		if (program_op(&p, i, kind, args, &o) < 0)
			bad_program("unknown op kind", kind);
		profiled(kind, t);
		if (!quiet) {
			outcome_record(EXEC_RECORD_OP, &o, i, 0);
			log_record(EXEC_RECORD_LOG, i, watch);
		}
		viewed = view_every >= 0 && ((view_every > 0 && (i + 1) % view_every == 0) || i == ops - 1);
		if (viewed) {
			t = profiling ? monotonic_ns() : 0;
			program_views(&p, i, device_views, watch, quiet);
			profiled(EXEC_PROFILE_VIEWS, t);
		}
		/*
		 * Records go out after each op's views and at the end (a write to a guest's virtio port is a
		 * trip through the emulated device), or when 64 KiB have gathered. Where a hang stopped the
		 * program, the STUCK line names the op.
		 */
		if (!quiet && (viewed || out_len >= 1 << 16))
			flush();
	}
	t0 = profiling ? monotonic_ns() : 0;
	program_release(&p);
	profiled(EXEC_PROFILE_RELEASE, t0);
	free(p.files);
	free(p.maps);
	if (flags & EXEC_PROGRAM_END_SESSION) {
		struct outcome o;

		outcome_of(&o, session_end(1, flags & EXEC_PROGRAM_KEEP_MIRROR), 0);
		if (!quiet)
			log_record_with(EXEC_RECORD_PROGRAM_END, &o, ops, watch);
	} else if (!quiet) {
		log_record(EXEC_RECORD_PROGRAM_END, ops, watch);
	}
}

/*
 * RUN_PROGRAM: a[0] ops, a[1] view interval, a[2] flags, a[3] file slots, a[4] mapping slots, a[5] the
 * length of a session directory's path that starts the payload (with EXEC_PROGRAM_SESSION), the ops
 * after it. With EXEC_PROGRAM_REARM the kernel's WARN_ON_ONCE are re-armed first; with KERNEL_LOG what
 * the kernel logged before the program is sent first (a LOG record of op -1) and what it logged while
 * the program was released (and its session ended) in PROGRAM_END; with END_SESSION the session ends
 * after the program, its directory removed.
 */
static void serve_program(const int64_t *a, char *in, uint32_t len)
{
	int64_t flags = a[2];
	uint32_t path_len = a[5];
	long r = 0;

	if (path_len > len)
		bad_program("session path longer than the payload", path_len);
	if (flags & EXEC_PROGRAM_REARM)
		rearm_warn_once();
	if (flags & EXEC_PROGRAM_SESSION) {
		char path[4096];

		if (path_len >= sizeof(path))
			bad_program("session path", path_len);
		memcpy(path, in, path_len);
		path[path_len] = 0;
		r = session_start(path, 1);
	}
	log_record(EXEC_RECORD_LOG, -1, flags & EXEC_PROGRAM_KERNEL_LOG);
	if (r < 0) {
		/* The session's directory cannot be made: the program ends before its first op. */
		struct outcome o;

		outcome_of(&o, r, 0);
		record(EXEC_RECORD_PROGRAM_END, &o, -1, 0, NULL, 0);
		return;
	}
	run_program(a[0], a[1], flags, a[3], a[4], in + path_len, len - path_len);
}

/*
 * FLOOR: a[0] programs, a[1] view interval, a[2] flags; in: per program a header (ops, file slots,
 * mapping slots, bytes; 32 bits each) and its ops. Each runs quietly in a fresh directory of the
 * session directory, removed after it, and with a fresh device mirror unless EXEC_PROGRAM_KEEP_MIRROR
 * (then they go on with one, as a campaign's programs do); the answer is the nanoseconds it all took.
 */
static void serve_floor(const int64_t *a, char *in, uint32_t len)
{
	int parent = session_dir;
	int64_t t0 = monotonic_ns(), t;
	uint32_t at = 0;
	int64_t n;

	memset(profile, 0, sizeof(profile));
	profiling = 1;
	for (n = 0; n < a[0]; n++) {
		uint32_t h[4];
		char name[32], path[4200];

		if (at + sizeof(h) > len)
			bad_program("floor ends before program", n);
		memcpy(h, in + at, sizeof(h));
		at += sizeof(h);
		if (h[3] > len - at)
			bad_program("floor program too long", n);
		snprintf(name, sizeof(name), "floor%lld", (long long)n);
		snprintf(path, sizeof(path), "%s/%s", session_path, name);
		t = monotonic_ns();
		if (mkdirat(parent, name, 0700) < 0 || (session_dir = openat(parent, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
			session_dir = parent;
			profiling = 0;
			answer(-errno, 0, NULL, 0);
			return;
		}
		profiled(EXEC_PROFILE_DIRECTORY, t);
		run_program(h[0], a[1], a[2] | EXEC_PROGRAM_QUIET, h[1], h[2], in + at, h[3]);
		if (!(a[2] & EXEC_PROGRAM_KEEP_MIRROR)) {
			t = monotonic_ns();
			device_release();
			profiled(EXEC_PROFILE_MIRROR, t);
		}
		close(session_dir);
		session_dir = parent;
		t = monotonic_ns();
		remove_session_dir(path);
		profiled(EXEC_PROFILE_DIRECTORY_REMOVED, t);
		at += h[3];
	}
	t = monotonic_ns() - t0;
	profiling = 0;
	answer(t, 0, profile, sizeof(profile));
}

static void serve(const struct executor_request *q, char *in)
{
	const int64_t *a = q->arg;
	char *out;
	long r;
	int sig;

	switch (q->call) {
	case EXEC_CALL_SESSION:
		/* A program run call by call gets a fresh mirror, whatever a whole program kept. */
		device_release();
		in[q->payload] = 0;
		answer(session_start(in, a[0]), 0, NULL, 0);
		return;
	case EXEC_CALL_END_SESSION:
		answer(session_end(a[0], 0), 0, NULL, 0);
		return;
	case EXEC_CALL_RUN:
		serve_run(in, q->payload);
		return;
	case EXEC_CALL_READ_TEXT:
		in[q->payload] = 0;
		out = scratch(1 << 20);
		r = read_text(in, out, 1 << 20);
		answer(r, 0, out, r > 0 ? r : 0);
		return;
	case EXEC_CALL_STATX_DAX:
		in[q->payload] = 0;
		answer(statx_dax(in), 0, NULL, 0);
		return;
	case EXEC_CALL_BLOCK_SIZE:
		in[q->payload] = 0;
		answer(block_size(in), 0, NULL, 0);
		return;
	case EXEC_CALL_PAGE_SIZE:
		answer(getpagesize(), 0, NULL, 0);
		return;
	case EXEC_CALL_KERNEL_LOG:
		out = scratch(1 << 20);
		r = kernel_log_read(out, 1 << 20);
		answer(r, 0, out, r);
		return;
	case EXEC_CALL_WRITE_KERNEL_LOG:
		answer(write_kernel_log(in, q->payload), 0, NULL, 0);
		return;
	case EXEC_CALL_REARM_WARN_ONCE:
		answer(rearm_warn_once(), 0, NULL, 0);
		return;
	case EXEC_CALL_CREATE:
		answer(op_create(session_dir, file_name(in, q->payload)), 0, NULL, 0);
		return;
	case EXEC_CALL_OPEN_READ_ONLY:
		answer(op_open_read_only(session_dir, file_name(in, q->payload)), 0, NULL, 0);
		return;
	case EXEC_CALL_OPEN_DIRECT:
		answer(op_open_direct(session_dir, file_name(in, q->payload)), 0, NULL, 0);
		return;
	case EXEC_CALL_CLOSE:
		answer(op_close(a[0]), 0, NULL, 0);
		return;
	case EXEC_CALL_PREAD:
		out = scratch(a[1]);
		r = op_pread(a[0], out, a[1], a[2]);
		answer(r, 0, out, r > 0 ? r : 0);
		return;
	case EXEC_CALL_PWRITE:
		out = scratch(q->payload ? q->payload : 1);
		memcpy(out, in, q->payload);
		answer(op_pwrite(a[0], out, q->payload, a[1]), 0, NULL, 0);
		return;
	case EXEC_CALL_FTRUNCATE:
		answer(op_ftruncate(a[0], a[1]), 0, NULL, 0);
		return;
	case EXEC_CALL_FSYNC:
		answer(op_fsync(a[0]), 0, NULL, 0);
		return;
	case EXEC_CALL_FALLOCATE:
		answer(op_fallocate(a[0], falloc_mode(a[1]), a[2], a[3]), 0, NULL, 0);
		return;
	case EXEC_CALL_CLONE_RANGE:
		answer(op_clone_range(a[0], a[1], a[2], a[3], a[4]), 0, NULL, 0);
		return;
	case EXEC_CALL_CLONE:
		answer(op_clone(a[0], a[1]), 0, NULL, 0);
		return;
	case EXEC_CALL_COPY_FILE_RANGE:
		answer(op_copy_file_range(a[0], a[1], a[2], a[3], a[4]), 0, NULL, 0);
		return;
	case EXEC_CALL_DEDUPE:
		answer(op_dedupe(a[0], a[1], a[2], a[3], a[4]), 0, NULL, 0);
		return;
	case EXEC_CALL_FILE_SIZE:
		answer(op_file_size(a[0]), 0, NULL, 0);
		return;
	case EXEC_CALL_MMAP: /* fd -1: anonymous memory (R110) */
		answer(op_mmap(a[0], prot_bits(a[1]), map_flags(a[2], a[3]) | ((int)a[4] < 0 ? MAP_ANONYMOUS : 0), a[4],
			       a[5]), 0, NULL, 0);
		return;
	case EXEC_CALL_MUNMAP:
		answer(op_munmap(a[0], a[1]), 0, NULL, 0);
		return;
	case EXEC_CALL_MPROTECT:
		answer(op_mprotect(a[0], a[1], prot_bits(a[2])), 0, NULL, 0);
		return;
	case EXEC_CALL_MSYNC:
		answer(op_msync(a[0], a[1], msync_flags(a[2])), 0, NULL, 0);
		return;
	case EXEC_CALL_MADVISE:
		answer(op_madvise(a[0], a[1], madvise_advice(a[2])), 0, NULL, 0);
		return;
	case EXEC_CALL_MREMAP:
		answer(op_mremap(a[0], a[1], a[2], remap_flags(a[3])), 0, NULL, 0);
		return;
	case EXEC_CALL_MLOCK:
		answer(op_mlock(a[0], a[1]), 0, NULL, 0);
		return;
	case EXEC_CALL_MUNLOCK:
		answer(op_munlock(a[0], a[1]), 0, NULL, 0);
		return;
	case EXEC_CALL_DROP_CACHES: /* kernel-wide: the host asks only a guest's executor (R120) */
		answer(op_drop_caches(drop_caches_value(a[0])), 0, NULL, 0);
		return;
	case EXEC_CALL_LOAD:
		out = scratch(a[1]);
		memset(out, 0, a[1]);
		sig = cpu_load(out, a[0], a[1]);
		answer(0, signal_code(sig), out, a[1]);
		return;
	case EXEC_CALL_STORE:
		answer(0, signal_code(cpu_store(a[0], in, q->payload)), NULL, 0);
		return;
	case EXEC_CALL_DEVICE:
		/* a[3]: the buffer's length, a[4]: the device; WRITE sends its bytes, the others get the buffer back. */
		out = scratch(a[3] > 0 ? a[3] : 1);
		if (a[0] == EXEC_DEVICE_WRITE)
			memcpy(out, in, q->payload);
		else
			memset(out, 0, a[3]);
		r = op_device(a[4], device_request(a[0]), a[1], a[2], out);
		answer(r, 0, out, r >= 0 && a[0] != EXEC_DEVICE_WRITE ? a[3] : 0);
		return;
	case EXEC_CALL_ACCESS:
		serve_access(a[0], a[1], a[2], a[3], in);
		return;
	case EXEC_CALL_LOAD_PAGES:
		serve_load_pages(a[0], a[1], a[2]);
		return;
	case EXEC_CALL_FORK:
		serve_fork(a[0], a[1], a[2], a[3], in);
		return;
	case EXEC_CALL_READ_WHOLE_FILE:
		serve_read_whole_file(a[0]);
		return;
	case EXEC_CALL_RUN_PROGRAM:
		serve_program(a, in, q->payload);
		return;
	case EXEC_CALL_FLOOR:
		serve_floor(a, in, q->payload);
		return;
	case EXEC_CALL_PROTECTION_AT:
		r = protection_at(a[0]);
		answer(r < 0 ? r : exec_prot_code(r), 0, NULL, 0);
		return;
	}
	fprintf(stderr, "hmmfuzz-executor: unknown call %u\n", q->call);
	exit(3);
}

int main(int argc, char **argv)
{
	struct executor_request q;
	char *in = NULL;
	size_t in_size = 0;

	if (argc > 1 && strcmp(argv[1], "-") != 0) {
		/* A channel (a virtio-serial port in a guest): requests and answers both go through it. */
		serves_a_guest = 1;
		in_fd = out_fd = open(argv[1], O_RDWR | O_CLOEXEC);
		if (in_fd < 0) {
			fprintf(stderr, "hmmfuzz-executor: cannot open %s: %s\n", argv[1], strerror(errno));
			return 3;
		}
	}
	if (argc > 3 && strcmp(argv[2], "--stuck-after") == 0)
		stuck_watch_start(atoi(argv[3]));
	cpu_fault_handlers();
	no_transparent_huge_pages();
	one_cpu();
	kernel_log_open();
	if (argc > 1)
		answer(EXEC_MAGIC, 0, NULL, 0); /* over a channel: say that the executor is up */
	flush();
	while (read_full(&q, sizeof(q))) {
		if (q.magic != EXEC_MAGIC) {
			fprintf(stderr, "hmmfuzz-executor: bad request (magic %#x)\n", q.magic);
			return 3;
		}
		if (q.payload + 1 > in_size) {
			free(in);
			in_size = q.payload + 1;
			in = malloc(in_size);
			if (!in) {
				fprintf(stderr, "hmmfuzz-executor: out of memory for %u bytes\n", q.payload);
				return 3;
			}
		}
		if (q.payload)
			read_full(in, q.payload);
		busy_with(q.call);
		serve(&q, in);
		flush();
		busy_with(0);
	}
	return 0;
}
