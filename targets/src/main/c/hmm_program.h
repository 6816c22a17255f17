/*
 * The ops of a program, one function per op kind (io.hmmfuzz.core.op.OpKind), each doing what the
 * op's Java executor does (the op records' execute methods over io.hmmfuzz.core.exec.Execution), so
 * that the host's model can be checked against either: a test runs the same programs through both and
 * requires the same outcome for every op and view.
 *
 * A program names its files f0, f1, ... and its mappings m0, m1, ...; struct program holds the fd of
 * each file and the address, length, file offset and accepted protection of each mapping. Each op
 * fills a struct outcome: its status (ok, error, signal, or not live when the file or mapping it names
 * was never made), its value (bytes, cpages, or the offset of a fault), errno, signal, and bytes read.
 */
#ifndef HMM_PROGRAM_H
#define HMM_PROGRAM_H

#include "hmm_ops.h"
#include "executor_protocol.h"

#include <stdlib.h>

struct program_file {
	int fd;    /* -1 when closed or never opened */
	int direct_fd; /* its O_DIRECT fd, opened by the first direct pread or pwrite; -1 until then */
	int named; /* open made it: its view is read through a read-only fd once it is closed */
};

struct program_mapping {
	int live;
	uintptr_t addr;
	size_t len;
	off_t file_off;
	int prot; /* EXEC_PROT_*: the protection mmap or mprotect last accepted */
};

struct program {
	int dir; /* the session directory */
	size_t page;
	int nfiles, nmaps;
	struct program_file *files;
	struct program_mapping *maps;
};

struct outcome {
	int status; /* EXEC_STATUS_* */
	long value;
	int error;
	int signal; /* EXEC_SIGNAL_* */
	int has_data;
	char *data;
	size_t len;
};

/*
 * The slots of a program of nfiles files and nmaps mappings: no file open, no mapping live. 0, or -1
 * without memory for them. The executor and standalone reproducers (hmm_repro.h) both start so.
 */
static int program_slots(struct program *p, int nfiles, int nmaps)
{
	int i;

	p->nfiles = nfiles;
	p->nmaps = nmaps;
	p->files = calloc(nfiles + 1, sizeof(*p->files));
	p->maps = calloc(nmaps + 1, sizeof(*p->maps));
	if (!p->files || !p->maps)
		return -1;
	for (i = 0; i < nfiles; i++) {
		p->files[i].fd = -1;
		p->files[i].direct_fd = -1;
	}
	return 0;
}

/* A buffer for the bytes of one outcome, reused. */
static char *outcome_buffer;
static size_t outcome_buffer_size;

/* Page-aligned, so that a direct pread or pwrite leaves only the offset and length to check (R104). */
static char *outcome_bytes(size_t len)
{
	if (len + 1 > outcome_buffer_size) {
		void *b;

		free(outcome_buffer);
		outcome_buffer = posix_memalign(&b, 4096, len + 1) ? NULL : b;
		if (!outcome_buffer) {
			fprintf(stderr, "hmmfuzz-executor: out of memory for %zu bytes\n", len);
			exit(3);
		}
		outcome_buffer_size = len + 1;
	}
	return outcome_buffer;
}

/*
 * The byte op `op` writes at file offset off (io.hmmfuzz.core.op.Tag): a hash of the two, never zero,
 * so that stale bytes name the op that wrote them.
 */
static unsigned char tag_byte(int op, uint64_t off)
{
	uint64_t h = (uint64_t)(op + 1) * 0x9E3779B97F4A7C15ull ^ off * 0xC2B2AE3D27D4EB4Full;

	h ^= h >> 31;
	h *= 0xBF58476D1CE4E5B9ull;
	h ^= h >> 29;
	return 1 + (((h >> 32) * 255) >> 32);
}

static void tag_bytes(char *buf, int op, uint64_t off, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = tag_byte(op, off + i);
}

static void outcome_of(struct outcome *o, long r, int keep_value)
{
	memset(o, 0, sizeof(*o));
	if (r < 0) {
		o->status = EXEC_STATUS_ERROR;
		o->value = -r;
		o->error = -r;
	} else {
		o->status = EXEC_STATUS_OK;
		o->value = keep_value ? r : 0;
	}
}

static void not_live(struct outcome *o)
{
	memset(o, 0, sizeof(*o));
	o->status = EXEC_STATUS_NOT_LIVE;
}

static int fd_of(struct program *p, int64_t file)
{
	return file >= 0 && file < p->nfiles ? p->files[file].fd : -1;
}

/*
 * The fd a pread or pwrite of file uses: its own, or with direct its O_DIRECT fd, opened by name on first
 * use and kept until the file is closed (Execution.directFd). -1 and not live where the file has no fd;
 * the open's -errno where it fails (tried again next time).
 */
static long io_fd_of(struct program *p, int64_t file, int64_t direct)
{
	char name[32];
	long fd;

	if (fd_of(p, file) < 0)
		return -1;
	if (!direct)
		return fd_of(p, file);
	if (p->files[file].direct_fd >= 0)
		return p->files[file].direct_fd;
	snprintf(name, sizeof(name), "f%lld", (long long)file);
	fd = op_open_direct(p->dir, name);
	if (fd >= 0)
		p->files[file].direct_fd = fd;
	return fd;
}

static struct program_mapping *mapping_of(struct program *p, int64_t map)
{
	return map >= 0 && map < p->nmaps && p->maps[map].live ? &p->maps[map] : NULL;
}

static int prot_bits(int64_t code)
{
	switch (code) {
	case EXEC_PROT_NONE: return PROT_NONE;
	case EXEC_PROT_READ: return PROT_READ;
	case EXEC_PROT_READ_WRITE: return PROT_READ | PROT_WRITE;
	}
	return -1;
}

static int map_flags(int64_t sharing, int64_t sync)
{
	/* an anonymous mapping's file is -1 on the wire (MAP_ANONYMOUS is added by its caller) */
	if (sync)
		return MAP_SHARED_VALIDATE | MAP_SYNC;
	return sharing == EXEC_SHARING_SHARED ? MAP_SHARED : MAP_PRIVATE;
}

static int msync_flags(int64_t code)
{
	switch (code) {
	case EXEC_MSYNC_ASYNC: return MS_ASYNC;
	case EXEC_MSYNC_SYNC: return MS_SYNC;
	case EXEC_MSYNC_INVALIDATE: return MS_INVALIDATE;
	case EXEC_MSYNC_SYNC_INVALIDATE: return MS_SYNC | MS_INVALIDATE;
	case EXEC_MSYNC_SYNC_ASYNC: return MS_SYNC | MS_ASYNC;
	}
	return -1;
}

static int madvise_advice(int64_t code)
{
	switch (code) {
	case EXEC_ADVICE_DONTNEED: return MADV_DONTNEED;
	case EXEC_ADVICE_REMOVE: return MADV_REMOVE;
	case EXEC_ADVICE_COLD: return MADV_COLD;
	case EXEC_ADVICE_PAGEOUT: return MADV_PAGEOUT;
	case EXEC_ADVICE_WILLNEED: return MADV_WILLNEED;
	case EXEC_ADVICE_POPULATE_READ: return MADV_POPULATE_READ;
	case EXEC_ADVICE_POPULATE_WRITE: return MADV_POPULATE_WRITE;
	}
	return -1;
}

/* The value written to /proc/sys/vm/drop_caches for what is dropped (io.hmmfuzz.core.exec.CacheDrop). */
static int drop_caches_value(int64_t code)
{
	switch (code) {
	case EXEC_DROP_PAGECACHE: return 1;
	case EXEC_DROP_SLAB: return 2;
	case EXEC_DROP_BOTH: return 3;
	}
	return -1;
}

/* The flags of each way of calling mremap (io.hmmfuzz.core.exec.Remap). */
static int remap_flags(int64_t code)
{
	switch (code) {
	case EXEC_REMAP_SHRINK: return 0;
	case EXEC_REMAP_GROW: return MREMAP_MAYMOVE;
	case EXEC_REMAP_MOVE: return MREMAP_MAYMOVE | MREMAP_FIXED;
	case EXEC_REMAP_DONTUNMAP: return MREMAP_MAYMOVE | MREMAP_DONTUNMAP;
	case EXEC_REMAP_DUPLICATE: return MREMAP_MAYMOVE;
	}
	return -1;
}

/* The bytes of mapping m's whole pages. */
static size_t mapping_pages(const struct program *p, const struct program_mapping *m)
{
	return (m->len + p->page - 1) / p->page * p->page;
}

static int signal_code(int sig)
{
	switch (sig) {
	case 0: return EXEC_SIGNAL_NONE;
	case SIGBUS: return EXEC_SIGNAL_SIGBUS;
	case SIGSEGV: return EXEC_SIGNAL_SIGSEGV;
	}
	return -1;
}

/* open: a fresh file f<n>, with size bytes of op index's pattern written at offset 0. */
static void program_open(struct program *p, int index, int64_t file, int64_t size, struct outcome *o)
{
	char name[32];
	long fd, w;

	snprintf(name, sizeof(name), "f%lld", (long long)file);
	fd = op_create(p->dir, name);
	if (fd < 0) {
		outcome_of(o, fd, 0);
		return;
	}
	p->files[file].fd = fd;
	p->files[file].named = 1;
	if (size > 0) {
		char *data = outcome_bytes(size);

		tag_bytes(data, index, 0, size);
		w = op_pwrite(fd, data, size, 0);
		if (w < 0 || w != size) {
			outcome_of(o, w, 1); /* a short write is ok with its count */
			return;
		}
	}
	outcome_of(o, 0, 0);
}

static void program_close(struct program *p, int64_t file, struct outcome *o)
{
	int fd = fd_of(p, file);

	if (fd < 0) {
		not_live(o);
		return;
	}
	p->files[file].fd = -1;
	if (p->files[file].direct_fd >= 0) {
		op_close(p->files[file].direct_fd);
		p->files[file].direct_fd = -1;
	}
	outcome_of(o, op_close(fd), 0);
}

static void program_mmap(struct program *p, int64_t map, int64_t file, int64_t off, int64_t len, int64_t prot,
			 int64_t sharing, int64_t sync, struct outcome *o)
{
	int fd = fd_of(p, file);
	long a;

	if (file < 0) /* anonymous memory (R110): no file, offset 0 */
		a = op_mmap(len, prot_bits(prot), map_flags(sharing, 0) | MAP_ANONYMOUS, -1, 0);
	else if (fd < 0) {
		not_live(o);
		return;
	} else
		a = op_mmap(len, prot_bits(prot), map_flags(sharing, sync), fd, off);
	if (a >= 0) {
		struct program_mapping *m = &p->maps[map];

		m->live = 1;
		m->addr = a;
		m->len = len;
		m->file_off = off;
		m->prot = prot;
	}
	outcome_of(o, a, 0);
}

static void program_munmap(struct program *p, int64_t map, struct outcome *o)
{
	struct program_mapping *m = mapping_of(p, map);

	if (!m) {
		not_live(o);
		return;
	}
	outcome_of(o, op_munmap(m->addr, m->len), 0);
	m->live = 0;
}

static void program_mprotect(struct program *p, int64_t map, int64_t prot, struct outcome *o)
{
	struct program_mapping *m = mapping_of(p, map);
	long r;

	if (!m) {
		not_live(o);
		return;
	}
	r = op_mprotect(m->addr, m->len, prot_bits(prot));
	if (r == 0)
		m->prot = prot;
	outcome_of(o, r, 0);
}

static void program_msync(struct program *p, int64_t map, int64_t mode, struct outcome *o)
{
	struct program_mapping *m = mapping_of(p, map);

	if (!m) {
		not_live(o);
		return;
	}
	outcome_of(o, op_msync(m->addr, m->len, msync_flags(mode)), 1);
}

/* madvise of [off, off+len) of mapping m: the call's value kept. */
static void program_madvise(struct program *p, int64_t map, int64_t off, int64_t len, int64_t advice,
			    struct outcome *o)
{
	struct program_mapping *m = mapping_of(p, map);

	if (!m) {
		not_live(o);
		return;
	}
	outcome_of(o, op_madvise(m->addr + off, len, madvise_advice(advice)), 1);
}

/* mlock or munlock of [off, off+len) of mapping m: the call's value kept. */
static void program_range_call(struct program *p, int64_t map, int64_t off, int64_t len,
			       long (*call)(uintptr_t, size_t), struct outcome *o)
{
	struct program_mapping *m = mapping_of(p, map);

	if (!m) {
		not_live(o);
		return;
	}
	outcome_of(o, call(m->addr + off, len), 1);
}

/*
 * mremap of mapping m (R82-R86), old_len its length (0 for DUPLICATE). Where it succeeds m follows the
 * mapping to its new address and length; DONTUNMAP's emptied old range and DUPLICATE's copy become
 * mapping second, with m's file offset and protection. The address is not kept: it is the kernel's.
 */
static void program_mremap(struct program *p, int64_t map, int64_t new_len, int64_t mode, int64_t second,
			   struct outcome *o)
{
	struct program_mapping *m = mapping_of(p, map);
	long r;

	if (!m) {
		not_live(o);
		return;
	}
	r = op_mremap(m->addr, mode == EXEC_REMAP_DUPLICATE ? 0 : m->len, new_len, remap_flags(mode));
	if (r >= 0) {
		struct program_mapping *s = &p->maps[second];

		switch (mode) {
		case EXEC_REMAP_DONTUNMAP:
			*s = *m; /* the old range stays, with no page-table entries */
			m->addr = r;
			m->len = new_len;
			break;
		case EXEC_REMAP_DUPLICATE:
			*s = *m;
			s->addr = r;
			s->len = new_len;
			break;
		default:
			m->addr = r;
			m->len = new_len;
		}
	}
	outcome_of(o, r, 0);
}

/*
 * A CPU load into (or store from) buf of [off, off+len) of mapping m, one copy per page up to the first
 * fault: ok with len, or the signal and the offset of the faulting page (a load's bytes before it). An
 * access the accepted protection forbids, where the kernel's VMA forbids it too, is SIGSEGV at 0 without
 * being made (as the JVM's executor must do, which cannot survive a SIGSEGV).
 */
static void program_access(struct program *p, struct program_mapping *m, int write, int64_t off, char *buf,
			   size_t len, struct outcome *o)
{
	size_t done = 0;
	int sig = 0;

	memset(o, 0, sizeof(*o));
	if (off < 0 || off + len > mapping_pages(p, m)) {
		/*
		 * Beyond the mapping as the kernel left it, which only a program whose mremap went otherwise
		 * than its model said can ask for: nothing of the program's is there.
		 */
		o->status = EXEC_STATUS_SIGNAL;
		o->signal = EXEC_SIGNAL_SIGSEGV;
		o->has_data = !write;
		return;
	}
	if (write ? m->prot != EXEC_PROT_READ_WRITE : m->prot == EXEC_PROT_NONE) {
		int real = protection_at(m->addr + off);

		if (real >= 0 && !(real & (write ? PROT_WRITE : PROT_READ))) {
			o->status = EXEC_STATUS_SIGNAL;
			o->signal = EXEC_SIGNAL_SIGSEGV;
			o->has_data = !write;
			return;
		}
	}
	while (done < len && !sig) {
		uintptr_t a = m->addr + off + done;
		size_t n = p->page - a % p->page;

		if (n > len - done)
			n = len - done;
		sig = write ? cpu_store(a, buf + done, n) : cpu_load(buf + done, a, n);
		if (!sig)
			done += n;
	}
	o->has_data = !write;
	o->data = buf;
	if (sig) {
		o->status = EXEC_STATUS_SIGNAL;
		o->signal = signal_code(sig);
		o->value = done;
		o->len = write ? 0 : done;
	} else {
		o->status = EXEC_STATUS_OK;
		o->value = len;
		o->len = write ? 0 : len;
	}
}

static void program_load(struct program *p, int64_t map, int64_t off, int64_t len, struct outcome *o)
{
	struct program_mapping *m = mapping_of(p, map);

	if (!m) {
		not_live(o);
		return;
	}
	program_access(p, m, 0, off, outcome_bytes(len), len, o);
}

/* A store of op index's pattern for the file offsets the bytes land on. */
static void program_store(struct program *p, int index, int64_t map, int64_t off, int64_t len, struct outcome *o)
{
	struct program_mapping *m = mapping_of(p, map);
	char *data;

	if (!m) {
		not_live(o);
		return;
	}
	data = outcome_bytes(len);
	tag_bytes(data, index, m->file_off + off, len);
	program_access(p, m, 1, off, data, len, o);
}

/*
 * fork: a child loads (or stores op index's pattern) over [off, off+len) of mapping m and exits; the
 * parent waits (R110-R112). The outcome is the child's access, as program_access gives one.
 */
static void program_fork(struct program *p, int index, int64_t map, int64_t off, int64_t len, int64_t store,
			 struct outcome *o)
{
	struct program_mapping *m = mapping_of(p, map);
	size_t done = 0;
	int sig = 0;
	char *data;
	long r;

	if (!m) {
		not_live(o);
		return;
	}
	data = outcome_bytes(len);
	if (store)
		tag_bytes(data, index, m->file_off + off, len);
	r = cpu_fork_access(store != 0, m->addr + off, data, len, p->page, &done, &sig);
	if (r < 0) {
		outcome_of(o, r, 0);
		return;
	}
	memset(o, 0, sizeof(*o));
	o->has_data = !store;
	o->data = data;
	if (sig) {
		o->status = EXEC_STATUS_SIGNAL;
		o->signal = signal_code(sig);
		o->value = done;
		o->len = store ? 0 : done;
	} else {
		o->status = EXEC_STATUS_OK;
		o->value = len;
		o->len = store ? 0 : len;
	}
}

static void program_pwrite(struct program *p, int index, int64_t file, int64_t off, int64_t len, int64_t direct,
			   struct outcome *o)
{
	long fd = io_fd_of(p, file, direct);
	char *data;

	if (fd_of(p, file) < 0) {
		not_live(o);
		return;
	}
	if (fd < 0) {
		outcome_of(o, fd, 0);
		return;
	}
	data = outcome_bytes(len);
	tag_bytes(data, index, off, len);
	outcome_of(o, op_pwrite(fd, data, len, off), 1);
}

static void program_pread(struct program *p, int64_t file, int64_t off, int64_t len, int64_t direct,
			  struct outcome *o)
{
	long fd = io_fd_of(p, file, direct);
	char *data;
	long r;

	if (fd_of(p, file) < 0) {
		not_live(o);
		return;
	}
	if (fd < 0) {
		outcome_of(o, fd, 0);
		return;
	}
	data = outcome_bytes(len);
	r = op_pread(fd, data, len, off);
	outcome_of(o, r, 1);
	if (r >= 0) {
		o->has_data = 1;
		o->data = data;
		o->len = r;
	}
}

/* ftruncate, fsync, fallocate: the call on the file's fd, its value kept. */
#define PROGRAM_FILE_CALL(p, file, o, call)				\
	do {								\
		int fd_ = fd_of(p, file);				\
		if (fd_ < 0)						\
			not_live(o);					\
		else							\
			outcome_of(o, call, 1);				\
	} while (0)

static void program_reflink(struct program *p, int64_t dst, int64_t src, int64_t src_off, int64_t dst_off,
			    int64_t len, struct outcome *o)
{
	int d = fd_of(p, dst), s = fd_of(p, src);

	if (d < 0 || s < 0) {
		not_live(o);
		return;
	}
	outcome_of(o, op_clone_range(d, s, src_off, len, dst_off), 1);
}

static void program_clone(struct program *p, int64_t dst, int64_t src, struct outcome *o)
{
	int d = fd_of(p, dst), s = fd_of(p, src);

	if (d < 0 || s < 0) {
		not_live(o);
		return;
	}
	outcome_of(o, op_clone(d, s), 1);
}

/* copy_file_range and FIDEDUPERANGE from src to dst: the call on both files' fds, its value kept. */
#define PROGRAM_TWO_FILE_CALL(p, dst, src, o, call)			\
	do {								\
		int d_ = fd_of(p, dst), s_ = fd_of(p, src);		\
		if (d_ < 0 || s_ < 0)					\
			not_live(o);					\
		else							\
			outcome_of(o, call, 1);				\
	} while (0)

static unsigned long device_request(int64_t code)
{
	switch (code) {
	case EXEC_DEVICE_READ: return HMM_DMIRROR_READ;
	case EXEC_DEVICE_WRITE: return HMM_DMIRROR_WRITE;
	case EXEC_DEVICE_MIGRATE_TO_DEV: return HMM_DMIRROR_MIGRATE_TO_DEV;
	case EXEC_DEVICE_MIGRATE_TO_SYS: return HMM_DMIRROR_MIGRATE_TO_SYS;
	case EXEC_DEVICE_SNAPSHOT: return HMM_DMIRROR_SNAPSHOT;
	case EXEC_DEVICE_EXCLUSIVE: return HMM_DMIRROR_EXCLUSIVE;
	case EXEC_DEVICE_CHECK_EXCLUSIVE: return HMM_DMIRROR_CHECK_EXCLUSIVE;
	case EXEC_DEVICE_RELEASE: return HMM_DMIRROR_RELEASE;
	}
	return 0;
}

/*
 * A test_hmm command through the mirror of device `device` over pages pages at off of mapping m (DWRITE:
 * one page of op index's pattern). cpages; READ, SNAPSHOT (a byte per page), MIGRATE_TO_DEV and EXCLUSIVE
 * give back test_hmm's buffer.
 */
static void program_device(struct program *p, int index, int64_t device, int64_t map, int command, int64_t off,
			   int64_t pages, struct outcome *o)
{
	struct program_mapping *m = mapping_of(p, map);
	size_t len;
	char *buf;
	long r;

	if (!m) {
		not_live(o);
		return;
	}
	if (pages > 0 && off + pages * (int64_t)p->page > (int64_t)mapping_pages(p, m)) {
		outcome_of(o, -EFAULT, 1); /* beyond the mapping, as for a CPU access above */
		return;
	}
	len = command == EXEC_DEVICE_SNAPSHOT ? (size_t)pages : (size_t)pages * p->page;
	buf = outcome_bytes(len);
	if (command == EXEC_DEVICE_WRITE)
		tag_bytes(buf, index, m->file_off + off, len);
	else
		memset(buf, 0, len);
	r = op_device(device, device_request(command), m->addr + off, pages, buf);
	outcome_of(o, r, 1);
	if (r >= 0 && (command == EXEC_DEVICE_READ || command == EXEC_DEVICE_SNAPSHOT ||
		       command == EXEC_DEVICE_MIGRATE_TO_DEV || command == EXEC_DEVICE_EXCLUSIVE)) {
		o->has_data = 1;
		o->data = buf;
		o->len = len;
	}
}

/* Op index of a program: a[] its arguments in the order of its record (EXEC_OP_<KIND>_<ARG>). */
static int program_op(struct program *p, int index, uint32_t kind, const int64_t *a, struct outcome *o)
{
	switch (kind) {
	case EXEC_OP_OPEN:
		program_open(p, index, a[EXEC_OP_OPEN_FILE], a[EXEC_OP_OPEN_SIZE], o);
		return 0;
	case EXEC_OP_CLOSE:
		program_close(p, a[EXEC_OP_CLOSE_FILE], o);
		return 0;
	case EXEC_OP_MMAP:
		program_mmap(p, a[EXEC_OP_MMAP_MAP], a[EXEC_OP_MMAP_FILE], a[EXEC_OP_MMAP_OFFSET], a[EXEC_OP_MMAP_LENGTH],
			     a[EXEC_OP_MMAP_PROT], a[EXEC_OP_MMAP_SHARING], a[EXEC_OP_MMAP_SYNC], o);
		return 0;
	case EXEC_OP_MUNMAP:
		program_munmap(p, a[EXEC_OP_MUNMAP_MAP], o);
		return 0;
	case EXEC_OP_MPROTECT:
		program_mprotect(p, a[EXEC_OP_MPROTECT_MAP], a[EXEC_OP_MPROTECT_PROT], o);
		return 0;
	case EXEC_OP_LOAD:
		program_load(p, a[EXEC_OP_LOAD_MAP], a[EXEC_OP_LOAD_OFFSET], a[EXEC_OP_LOAD_LENGTH], o);
		return 0;
	case EXEC_OP_STORE:
		program_store(p, index, a[EXEC_OP_STORE_MAP], a[EXEC_OP_STORE_OFFSET], a[EXEC_OP_STORE_LENGTH], o);
		return 0;
	case EXEC_OP_PWRITE:
		program_pwrite(p, index, a[EXEC_OP_PWRITE_FILE], a[EXEC_OP_PWRITE_OFFSET], a[EXEC_OP_PWRITE_LENGTH],
			       a[EXEC_OP_PWRITE_DIRECT], o);
		return 0;
	case EXEC_OP_PREAD:
		program_pread(p, a[EXEC_OP_PREAD_FILE], a[EXEC_OP_PREAD_OFFSET], a[EXEC_OP_PREAD_LENGTH],
			      a[EXEC_OP_PREAD_DIRECT], o);
		return 0;
	case EXEC_OP_FTRUNCATE:
		PROGRAM_FILE_CALL(p, a[EXEC_OP_FTRUNCATE_FILE], o, op_ftruncate(fd_, a[EXEC_OP_FTRUNCATE_SIZE]));
		return 0;
	case EXEC_OP_FSYNC:
		PROGRAM_FILE_CALL(p, a[EXEC_OP_FSYNC_FILE], o, op_fsync(fd_));
		return 0;
	case EXEC_OP_MSYNC:
		program_msync(p, a[EXEC_OP_MSYNC_MAP], a[EXEC_OP_MSYNC_MODE], o);
		return 0;
	case EXEC_OP_REFLINK:
		program_reflink(p, a[EXEC_OP_REFLINK_DST], a[EXEC_OP_REFLINK_SRC], a[EXEC_OP_REFLINK_SRC_OFFSET],
				a[EXEC_OP_REFLINK_DST_OFFSET], a[EXEC_OP_REFLINK_LENGTH], o);
		return 0;
	case EXEC_OP_CLONE:
		program_clone(p, a[EXEC_OP_CLONE_DST], a[EXEC_OP_CLONE_SRC], o);
		return 0;
	case EXEC_OP_COPY_FILE_RANGE:
		PROGRAM_TWO_FILE_CALL(p, a[EXEC_OP_COPY_FILE_RANGE_DST], a[EXEC_OP_COPY_FILE_RANGE_SRC], o,
				      op_copy_file_range(s_, a[EXEC_OP_COPY_FILE_RANGE_SRC_OFFSET], d_,
							 a[EXEC_OP_COPY_FILE_RANGE_DST_OFFSET],
							 a[EXEC_OP_COPY_FILE_RANGE_LENGTH]));
		return 0;
	case EXEC_OP_DEDUPE:
		PROGRAM_TWO_FILE_CALL(p, a[EXEC_OP_DEDUPE_DST], a[EXEC_OP_DEDUPE_SRC], o,
				      op_dedupe(s_, a[EXEC_OP_DEDUPE_SRC_OFFSET], a[EXEC_OP_DEDUPE_LENGTH], d_,
						a[EXEC_OP_DEDUPE_DST_OFFSET]));
		return 0;
	case EXEC_OP_PUNCH_HOLE:
		PROGRAM_FILE_CALL(p, a[EXEC_OP_PUNCH_HOLE_FILE], o,
				  op_fallocate(fd_, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
					       a[EXEC_OP_PUNCH_HOLE_OFFSET], a[EXEC_OP_PUNCH_HOLE_LENGTH]));
		return 0;
	case EXEC_OP_ZERO_RANGE:
		PROGRAM_FILE_CALL(p, a[EXEC_OP_ZERO_RANGE_FILE], o,
				  op_fallocate(fd_, FALLOC_FL_ZERO_RANGE |
					       (a[EXEC_OP_ZERO_RANGE_KEEP_SIZE] ? FALLOC_FL_KEEP_SIZE : 0),
					       a[EXEC_OP_ZERO_RANGE_OFFSET], a[EXEC_OP_ZERO_RANGE_LENGTH]));
		return 0;
	case EXEC_OP_FALLOCATE:
		PROGRAM_FILE_CALL(p, a[EXEC_OP_FALLOCATE_FILE], o,
				  op_fallocate(fd_, (a[EXEC_OP_FALLOCATE_KEEP_SIZE] ? FALLOC_FL_KEEP_SIZE : 0) |
					       (a[EXEC_OP_FALLOCATE_UNSHARE] ? FALLOC_FL_UNSHARE_RANGE : 0),
					       a[EXEC_OP_FALLOCATE_OFFSET], a[EXEC_OP_FALLOCATE_LENGTH]));
		return 0;
	case EXEC_OP_COLLAPSE_RANGE:
		PROGRAM_FILE_CALL(p, a[EXEC_OP_COLLAPSE_RANGE_FILE], o,
				  op_fallocate(fd_, FALLOC_FL_COLLAPSE_RANGE, a[EXEC_OP_COLLAPSE_RANGE_OFFSET],
					       a[EXEC_OP_COLLAPSE_RANGE_LENGTH]));
		return 0;
	case EXEC_OP_INSERT_RANGE:
		PROGRAM_FILE_CALL(p, a[EXEC_OP_INSERT_RANGE_FILE], o,
				  op_fallocate(fd_, FALLOC_FL_INSERT_RANGE, a[EXEC_OP_INSERT_RANGE_OFFSET],
					       a[EXEC_OP_INSERT_RANGE_LENGTH]));
		return 0;
	case EXEC_OP_MADVISE:
		program_madvise(p, a[EXEC_OP_MADVISE_MAP], a[EXEC_OP_MADVISE_OFFSET], a[EXEC_OP_MADVISE_LENGTH],
				a[EXEC_OP_MADVISE_ADVICE], o);
		return 0;
	case EXEC_OP_MREMAP:
		program_mremap(p, a[EXEC_OP_MREMAP_MAP], a[EXEC_OP_MREMAP_NEW_LENGTH], a[EXEC_OP_MREMAP_MODE],
			       a[EXEC_OP_MREMAP_SECOND], o);
		return 0;
	case EXEC_OP_MLOCK:
		program_range_call(p, a[EXEC_OP_MLOCK_MAP], a[EXEC_OP_MLOCK_OFFSET], a[EXEC_OP_MLOCK_LENGTH], op_mlock, o);
		return 0;
	case EXEC_OP_MUNLOCK:
		program_range_call(p, a[EXEC_OP_MUNLOCK_MAP], a[EXEC_OP_MUNLOCK_OFFSET], a[EXEC_OP_MUNLOCK_LENGTH],
				   op_munlock, o);
		return 0;
	case EXEC_OP_DREAD:
		program_device(p, index, a[EXEC_OP_DREAD_DEVICE], a[EXEC_OP_DREAD_MAP], EXEC_DEVICE_READ,
			       a[EXEC_OP_DREAD_OFFSET], a[EXEC_OP_DREAD_PAGES], o);
		return 0;
	case EXEC_OP_DWRITE:
		program_device(p, index, a[EXEC_OP_DWRITE_DEVICE], a[EXEC_OP_DWRITE_MAP], EXEC_DEVICE_WRITE,
			       a[EXEC_OP_DWRITE_OFFSET], 1, o);
		return 0;
	case EXEC_OP_SNAPSHOT:
		program_device(p, index, a[EXEC_OP_SNAPSHOT_DEVICE], a[EXEC_OP_SNAPSHOT_MAP], EXEC_DEVICE_SNAPSHOT,
			       a[EXEC_OP_SNAPSHOT_OFFSET], a[EXEC_OP_SNAPSHOT_PAGES], o);
		return 0;
	case EXEC_OP_MIGRATE:
		program_device(p, index, a[EXEC_OP_MIGRATE_DEVICE], a[EXEC_OP_MIGRATE_MAP], EXEC_DEVICE_MIGRATE_TO_DEV,
			       a[EXEC_OP_MIGRATE_OFFSET], a[EXEC_OP_MIGRATE_PAGES], o);
		return 0;
	case EXEC_OP_MIGRATE_BACK:
		program_device(p, index, a[EXEC_OP_MIGRATE_BACK_DEVICE], a[EXEC_OP_MIGRATE_BACK_MAP],
			       EXEC_DEVICE_MIGRATE_TO_SYS, a[EXEC_OP_MIGRATE_BACK_OFFSET], a[EXEC_OP_MIGRATE_BACK_PAGES], o);
		return 0;
	case EXEC_OP_EXCLUSIVE:
		program_device(p, index, a[EXEC_OP_EXCLUSIVE_DEVICE], a[EXEC_OP_EXCLUSIVE_MAP], EXEC_DEVICE_EXCLUSIVE,
			       a[EXEC_OP_EXCLUSIVE_OFFSET], a[EXEC_OP_EXCLUSIVE_PAGES], o);
		return 0;
	case EXEC_OP_FORK:
		program_fork(p, index, a[EXEC_OP_FORK_MAP], a[EXEC_OP_FORK_OFFSET], a[EXEC_OP_FORK_LENGTH],
			     a[EXEC_OP_FORK_STORE], o);
		return 0;
	case EXEC_OP_DROP_CACHES:
		/* Kernel-wide: every filesystem's clean caches, not this program's alone (R120). */
		outcome_of(o, op_drop_caches(drop_caches_value(a[EXEC_OP_DROP_CACHES_WHAT])), 1);
		return 0;
	case EXEC_OP_CHECK_EXCLUSIVE:
		program_device(p, index, a[EXEC_OP_CHECK_EXCLUSIVE_DEVICE], a[EXEC_OP_CHECK_EXCLUSIVE_MAP],
			       EXEC_DEVICE_CHECK_EXCLUSIVE, a[EXEC_OP_CHECK_EXCLUSIVE_OFFSET],
			       a[EXEC_OP_CHECK_EXCLUSIVE_PAGES], o);
		return 0;
	case EXEC_OP_RELEASE:
		program_device(p, index, a[EXEC_OP_RELEASE_DEVICE], a[EXEC_OP_RELEASE_MAP], EXEC_DEVICE_RELEASE,
			       a[EXEC_OP_RELEASE_OFFSET], a[EXEC_OP_RELEASE_PAGES], o);
		return 0;
	}
	return -1;
}

/*
 * The file view of f<n>: fstat's st_size, then pread from 0 until st_size bytes or end of file, through
 * a read-only fd if the program closed it.
 */
static void program_file_view(struct program *p, int file, struct outcome *o)
{
	int fd = p->files[file].fd, temporary = 0;
	size_t got = 0;
	char *data;
	long size;

	memset(o, 0, sizeof(*o));
	if (fd < 0) {
		char name[32];
		long r;

		snprintf(name, sizeof(name), "f%d", file);
		r = op_open_read_only(p->dir, name);
		if (r < 0) {
			outcome_of(o, r, 0);
			return;
		}
		fd = r;
		temporary = 1;
	}
	size = op_file_size(fd);
	if (size < 0) {
		outcome_of(o, size, 0);
		goto out;
	}
	if (size > INT32_MAX) {
		outcome_of(o, size, 1);
		o->has_data = 1;
		goto out;
	}
	data = outcome_bytes(size);
	while (got < (size_t)size) {
		long r = op_pread(fd, data + got, size - got, got);

		if (r < 0) {
			outcome_of(o, r, 0);
			goto out;
		}
		if (r == 0)
			break;
		got += r;
	}
	outcome_of(o, size, 1);
	o->has_data = 1;
	o->data = data;
	o->len = got;
out:
	if (temporary)
		op_close(fd);
}

/* Page pg of mapping m through a CPU load: ok with its bytes, or the signal (no bytes). */
static void program_cpu_view(struct program *p, struct program_mapping *m, size_t pg, struct outcome *o)
{
	char *data = outcome_bytes(p->page);

	program_access(p, m, 0, pg * p->page, data, p->page, o);
	if (o->status == EXEC_STATUS_SIGNAL)
		o->len = 0;
}

/* Unmaps every live mapping and closes every fd of the program. */
static void program_release(struct program *p)
{
	int i;

	for (i = 0; i < p->nmaps; i++)
		if (p->maps[i].live)
			op_munmap(p->maps[i].addr, p->maps[i].len);
	for (i = 0; i < p->nfiles; i++) {
		if (p->files[i].direct_fd >= 0)
			op_close(p->files[i].direct_fd);
		if (p->files[i].fd >= 0)
			op_close(p->files[i].fd);
	}
}

#endif
