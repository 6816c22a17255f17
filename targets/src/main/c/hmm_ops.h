/*
 * hmmfuzz's op functions: one function per system-call surface the fuzzer uses, each a plain libc
 * call with named constants. The executor (executor.c) runs them for the host's engine; the same
 * functions are meant to be the body of standalone C reproducers.
 *
 * Every function returns a value >= 0 or -errno, never touching errno's meaning further. CPU accesses
 * through a mapping (cpu_load, cpu_store) catch SIGBUS and SIGSEGV with sigsetjmp/siglongjmp and
 * return the signal number instead of dying.
 */
#ifndef HMM_OPS_H
#define HMM_OPS_H

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef MAP_SHARED_VALIDATE
#define MAP_SHARED_VALIDATE 0x03
#endif
#ifndef MAP_SYNC
#define MAP_SYNC 0x80000
#endif
/* include/uapi/asm-generic/mman-common.h, for C libraries older than the advice. */
#ifndef MADV_COLD
#define MADV_COLD 20
#endif
#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif
#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#endif
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif
/* include/uapi/linux/mman.h (5.7), for C libraries older than the flag. */
#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP 4
#endif

/* lib/test_hmm_uapi.h (the kernel's test_hmm driver): the command block and its ioctls. */
struct hmm_dmirror_cmd {
	uint64_t addr;   /* start of the range in the mirrored process */
	uint64_t ptr;    /* our buffer: data read or written, or one byte per page for SNAPSHOT */
	uint64_t npages;
	uint64_t cpages; /* out: pages the driver handled */
	uint64_t faults; /* out: faults the driver took */
};
#define HMM_DMIRROR_READ		_IOWR('H', 0x00, struct hmm_dmirror_cmd)
#define HMM_DMIRROR_WRITE		_IOWR('H', 0x01, struct hmm_dmirror_cmd)
#define HMM_DMIRROR_MIGRATE_TO_DEV	_IOWR('H', 0x02, struct hmm_dmirror_cmd)
#define HMM_DMIRROR_MIGRATE_TO_SYS	_IOWR('H', 0x03, struct hmm_dmirror_cmd)
#define HMM_DMIRROR_SNAPSHOT		_IOWR('H', 0x04, struct hmm_dmirror_cmd)
#define HMM_DMIRROR_EXCLUSIVE		_IOWR('H', 0x05, struct hmm_dmirror_cmd)
#define HMM_DMIRROR_CHECK_EXCLUSIVE	_IOWR('H', 0x06, struct hmm_dmirror_cmd)
#define HMM_DMIRROR_RELEASE		_IOWR('H', 0x07, struct hmm_dmirror_cmd)
/*
 * The mirrors programs may use: /dev/hmm_dmirror0 and /dev/hmm_dmirror1, device-private memory, and
 * /dev/hmm_dmirror2 and /dev/hmm_dmirror3, device-coherent memory, which test_hmm makes only when its
 * spm_addr_dev0 and spm_addr_dev1 parameters are set.
 */
#define HMM_DMIRROR_DEVICES		4

static long sys_result(long r)
{
	return r < 0 ? -errno : r;
}

/* A fresh file of the session directory: open(name, O_RDWR|O_CREAT|O_EXCL, 0600). */
static long op_create(int dirfd, const char *name)
{
	return sys_result(openat(dirfd, name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
}

/* A read-only fd, for the file view of a file the program closed. */
static long op_open_read_only(int dirfd, const char *name)
{
	return sys_result(openat(dirfd, name, O_RDONLY | O_CLOEXEC));
}

/* A second fd of a program's file for direct I/O: open(name, O_RDWR|O_DIRECT). */
static long op_open_direct(int dirfd, const char *name)
{
	return sys_result(openat(dirfd, name, O_RDWR | O_DIRECT | O_CLOEXEC));
}

static long op_close(int fd)
{
	return sys_result(close(fd));
}

static long op_pread(int fd, void *buf, size_t len, off_t off)
{
	return sys_result(pread(fd, buf, len, off));
}

static long op_pwrite(int fd, const void *buf, size_t len, off_t off)
{
	return sys_result(pwrite(fd, buf, len, off));
}

static long op_ftruncate(int fd, off_t len)
{
	return sys_result(ftruncate(fd, len));
}

static long op_fsync(int fd)
{
	return sys_result(fsync(fd));
}

static long op_fallocate(int fd, int mode, off_t off, off_t len)
{
	return sys_result(fallocate(fd, mode, off, len));
}

/* ioctl(dst, FICLONERANGE): share [src_off, src_off+len) of src at dst_off of dst. */
static long op_clone_range(int dst, int src, uint64_t src_off, uint64_t len, uint64_t dst_off)
{
	struct file_clone_range r = {
		.src_fd = src, .src_offset = src_off, .src_length = len, .dest_offset = dst_off,
	};
	return sys_result(ioctl(dst, FICLONERANGE, &r));
}

/* ioctl(dst, FICLONE, src): share all of src. */
static long op_clone(int dst, int src)
{
	return sys_result(ioctl(dst, FICLONE, src));
}

/*
 * copy_file_range(2) from [src_off, src_off+len) of src to dst_off of dst, flags 0 (len a size_t:
 * (size_t)-1 is SIZE_MAX); the bytes copied, which may be fewer than len.
 */
static long op_copy_file_range(int src, int64_t src_off, int dst, int64_t dst_off, uint64_t len)
{
	off64_t in = src_off, out = dst_off;

	return sys_result(copy_file_range(src, &in, dst, &out, len, 0));
}

/*
 * ioctl(src, FIDEDUPERANGE) with one destination: share [dst_off, dst_off+len) of dst with the source
 * range where their bytes are the same. bytes_deduped where the status is FILE_DEDUPE_RANGE_SAME;
 * -EBADE where it is FILE_DEDUPE_RANGE_DIFFERS (the kernel's own code for it in fs/remap_range.c);
 * the negative status itself; -errno where the ioctl fails.
 */
static long op_dedupe(int src, uint64_t src_off, uint64_t len, int dst, uint64_t dst_off)
{
	struct {
		struct file_dedupe_range r;
		struct file_dedupe_range_info info;
	} d;

	memset(&d, 0, sizeof(d));
	d.r.src_offset = src_off;
	d.r.src_length = len;
	d.r.dest_count = 1;
	d.info.dest_fd = dst;
	d.info.dest_offset = dst_off;
	if (ioctl(src, FIDEDUPERANGE, &d.r) < 0)
		return -errno;
	if (d.info.status == FILE_DEDUPE_RANGE_SAME)
		return d.info.bytes_deduped;
	if (d.info.status == FILE_DEDUPE_RANGE_DIFFERS)
		return -EBADE;
	return d.info.status;
}

/* st_size from fstat(2). */
static long op_file_size(int fd)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -errno;
	return st.st_size;
}

/* mmap(NULL, len, prot, flags, fd, off); the address, or -errno. */
static long op_mmap(size_t len, int prot, int flags, int fd, off_t off)
{
	void *a = mmap(NULL, len, prot, flags, fd, off);

	return a == MAP_FAILED ? -errno : (long)a;
}

static long op_munmap(uintptr_t addr, size_t len)
{
	return sys_result(munmap((void *)addr, len));
}

static long op_mprotect(uintptr_t addr, size_t len, int prot)
{
	return sys_result(mprotect((void *)addr, len, prot));
}

static long op_msync(uintptr_t addr, size_t len, int flags)
{
	return sys_result(msync((void *)addr, len, flags));
}

static long op_madvise(uintptr_t addr, size_t len, int advice)
{
	return sys_result(madvise((void *)addr, len, advice));
}

static long op_mlock(uintptr_t addr, size_t len)
{
	return sys_result(mlock((void *)addr, len));
}

static long op_munlock(uintptr_t addr, size_t len)
{
	return sys_result(munlock((void *)addr, len));
}

/*
 * Writes what ("1" the page cache, "2" reclaimable slab objects, "3" both) to /proc/sys/vm/drop_caches:
 * 0 when the whole write went through, or -errno. It drops the clean caches of the whole kernel, not
 * only this program's: hmmfuzz runs it only in a guest it booted.
 */
#ifndef drop_caches_permitted
/* A standalone reproducer drops the caches its user runs it to drop; the executor says where it may. */
#define drop_caches_permitted() 1
#endif

static long op_drop_caches(int what)
{
	char value = '0' + what;
	long r;
	int fd;

	if (!drop_caches_permitted())
		return -EPERM;

	fd = open("/proc/sys/vm/drop_caches", O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	r = write(fd, &value, 1);
	r = r < 0 ? -errno : r == 1 ? 0 : -EIO;
	close(fd);
	return r;
}

/*
 * mremap(2) of [addr, addr+old_len) to new_len bytes with flags; the new address, or -errno. With
 * MREMAP_FIXED the destination is our own: a PROT_NONE anonymous reservation of new_len (a page at
 * least), which the call unmaps and takes the place of, and which is unmapped again where it fails.
 */
static long op_mremap(uintptr_t addr, size_t old_len, size_t new_len, int flags)
{
	size_t page = getpagesize();
	size_t reserved = 0;
	void *dest = NULL, *r;

	if (flags & MREMAP_FIXED) {
		reserved = new_len ? (new_len + page - 1) / page * page : page;
		dest = mmap(NULL, reserved, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (dest == MAP_FAILED)
			return -errno;
	}
	r = mremap((void *)addr, old_len, new_len, flags, dest);
	if (r == MAP_FAILED) {
		int e = errno;

		if (reserved)
			munmap(dest, reserved);
		return -e;
	}
	return (long)r;
}

/*
 * CPU accesses. A SIGBUS (a page wholly past EOF, a failed fault) or SIGSEGV (no VMA, or its
 * protection forbids the access) during the copy jumps back here and is returned as its number. The
 * handler runs with SA_NODEFER, so the signal mask is never changed by a fault and sigsetjmp need not
 * save it: an access costs no rt_sigprocmask call (one per page otherwise).
 */
static sigjmp_buf cpu_fault_jump;
static volatile sig_atomic_t cpu_fault_armed;

static void cpu_fault(int sig)
{
	if (cpu_fault_armed)
		siglongjmp(cpu_fault_jump, sig);
	signal(sig, SIG_DFL); /* a fault outside an access is ours: die of it */
	raise(sig);
}

static void cpu_fault_handlers(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = cpu_fault;
	sa.sa_flags = SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGSEGV, &sa, NULL);
}

/*
 * No transparent huge pages in this process (and its fork children). A program's mappings are a few
 * pages and the model predicts no PMD-mapped page (R37, R38): an anonymous mapping that lands next to
 * our own anonymous memory (a 1 MiB malloc) merges with it into one VMA, and where that VMA covers an
 * aligned 2 MiB range a kernel whose THP mode is "always" (the tool's guest kernels) has khugepaged
 * collapse it behind the program's back. The page is then PMD-mapped (a snapshot reads 0x06) or a tail
 * page of a huge folio (EXCLUSIVE fails with EBUSY), depending on where the executor's own memory fell.
 * PR_SET_THP_DISABLE (Linux 3.15) keeps every VMA of the process out of khugepaged and THP faults.
 */
static void no_transparent_huge_pages(void)
{
	if (prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0) != 0) {
		fprintf(stderr, "hmmfuzz: prctl(PR_SET_THP_DISABLE): %s\n", strerror(errno));
		exit(3);
	}
}

/*
 * This process (and its fork children) runs on one CPU, the one it starts on. Per-CPU batches hold page
 * references until their own CPU drains them: an EXCLUSIVE of a page in an mlocked range
 * (page_make_device_exclusive_one's page_remove_rmap puts it in this CPU's munlock batch) or the CPU
 * fault that restores it (restore_exclusive_pte, the mlock batch). test_hmm's RELEASE drains only the
 * CPU it runs on before it evicts its device's pages (migrate_device_unmap's lru_add_drain), so with the
 * ops spread over two CPUs a batch on the other one keeps a device-coherent page from being evicted and
 * memunmap_pages waits for it for ever (R121; corpus/c/). Which CPU the scheduler ran each op on is not
 * part of a program, and a program's outcome must not depend on it.
 */
static void one_cpu(void)
{
	cpu_set_t set;
	int cpu = sched_getcpu();

	if (cpu < 0)
		cpu = 0;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set) != 0) {
		fprintf(stderr, "hmmfuzz: sched_setaffinity(CPU %d): %s\n", cpu, strerror(errno));
		exit(3);
	}
}

/* Copies len bytes; 0, or the signal that ended the copy. */
static int cpu_copy(volatile char *dst, volatile const char *src, size_t len)
{
	int sig = sigsetjmp(cpu_fault_jump, 0);

	if (sig) {
		cpu_fault_armed = 0;
		return sig;
	}
	cpu_fault_armed = 1;
	memcpy((char *)dst, (const char *)src, len);
	cpu_fault_armed = 0;
	return 0;
}

/* A CPU load of [addr, addr+len) into buf. */
static int cpu_load(void *buf, uintptr_t addr, size_t len)
{
	return cpu_copy(buf, (const char *)addr, len);
}

/* A CPU store of buf into [addr, addr+len). */
static int cpu_store(uintptr_t addr, const void *buf, size_t len)
{
	return cpu_copy((char *)addr, buf, len);
}

#include <sys/wait.h>

/* Writes (reads) all of len bytes through fd; 0, or -1 where the pipe ended first. */
static int pipe_all(int fd, char *buf, size_t len, int out)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = out ? write(fd, buf + done, len - done) : read(fd, buf + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		done += n;
	}
	return 0;
}

/*
 * fork(2) with a child that makes CPU loads into (or stores from) buf over [addr, addr+len), one copy
 * per page up to the first fault (SIGBUS, SIGSEGV caught as in the parent), writes what it did to a
 * pipe and leaves with _exit; the parent reads the report and waits for the child (the fork op,
 * docs/semantics.md R110-R112). 0 with *done and *sig (a load's bytes in buf), or -errno where pipe
 * or fork failed, -ECHILD where the child died without a whole report.
 */
static long cpu_fork_access(int write, uintptr_t addr, char *buf, size_t len, size_t page, size_t *done_out,
			    int *sig_out)
{
	int fds[2], status, ok;
	uint64_t head[2];
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		int e = errno;

		close(fds[0]);
		close(fds[1]);
		return -e;
	}
	if (pid == 0) {
		size_t done = 0;
		int sig = 0;

		close(fds[0]);
		while (done < len && !sig) {
			size_t n = page - (addr + done) % page;

			if (n > len - done)
				n = len - done;
			sig = write ? cpu_store(addr + done, buf + done, n) : cpu_load(buf + done, addr + done, n);
			if (!sig)
				done += n;
		}
		head[0] = done;
		head[1] = sig;
		if (pipe_all(fds[1], (char *)head, sizeof(head), 1) < 0 || (!write && pipe_all(fds[1], buf, done, 1) < 0))
			_exit(2);
		_exit(0);
	}
	close(fds[1]);
	ok = pipe_all(fds[0], (char *)head, sizeof(head), 0) == 0 && head[0] <= len &&
	     (write || pipe_all(fds[0], buf, head[0], 0) == 0);
	close(fds[0]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (!ok || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return -ECHILD;
	*done_out = head[0];
	*sig_out = (int)head[1];
	return 0;
}

/* This process's mirror of each device, opened on first use (a mirror mirrors the opening process). */
static int hmm_fd[HMM_DMIRROR_DEVICES] = { -1, -1, -1, -1 };

/*
 * One test_hmm command over npages pages at addr through the mirror of device `device`; buf holds the
 * data. cpages, or -errno.
 */
static long op_device(int device, unsigned long request, uintptr_t addr, uint64_t npages, void *buf)
{
	struct hmm_dmirror_cmd cmd = { .addr = addr, .ptr = (uintptr_t)buf, .npages = npages };

	if (device < 0 || device >= HMM_DMIRROR_DEVICES)
		return -ENODEV;
	if (hmm_fd[device] < 0) {
		char path[32];

		snprintf(path, sizeof(path), "/dev/hmm_dmirror%d", device);
		hmm_fd[device] = open(path, O_RDWR | O_CLOEXEC);
		if (hmm_fd[device] < 0)
			return -errno;
	}
	if (ioctl(hmm_fd[device], request, &cmd) < 0)
		return -errno;
	return cmd.cpages;
}

/* Closes the mirrors that are open. */
static void device_release(void)
{
	int d;

	for (d = 0; d < HMM_DMIRROR_DEVICES; d++) {
		if (hmm_fd[d] >= 0)
			close(hmm_fd[d]);
		hmm_fd[d] = -1;
	}
}

/*
 * The protection of the VMA holding addr, from /proc/self/maps: PROT_READ|PROT_WRITE bits, 0 where no
 * VMA holds it.
 */
static int protection_at(uintptr_t addr)
{
	FILE *f = fopen("/proc/self/maps", "re");
	char line[512];
	int prot = 0;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		unsigned long start, end;
		char perms[5];

		if (sscanf(line, "%lx-%lx %4s", &start, &end, perms) != 3)
			continue;
		if (addr >= start && addr < end) {
			prot = (perms[0] == 'r' ? PROT_READ : 0) | (perms[1] == 'w' ? PROT_WRITE : 0);
			break;
		}
	}
	fclose(f);
	return prot;
}

/*
 * What the host needs of a guest besides the calls of a program: running a tool (mkfs, mount,
 * xfs_info), reading a text file of /proc, a file's DAX attribute, block and page size, the kernel log,
 * and re-arming WARN_ON_ONCE. Used by the executor only, not by reproducers.
 */
#include <dirent.h>
#include <sys/statvfs.h>
#include <sys/wait.h>

/* Runs argv (argv[0] looked up in PATH) with stdin from /dev/null; its exit status, output in out. */
static long run_tool(char *const argv[], char *out, size_t cap, size_t *out_len)
{
	int pipefd[2], status;
	size_t got = 0;
	pid_t pid;

	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		close(pipefd[0]);
		close(pipefd[1]);
		return -errno;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);

		dup2(null, 0);
		dup2(pipefd[1], 1);
		dup2(pipefd[1], 2);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(pipefd[1]);
	for (;;) {
		char sink[4096];
		ssize_t n = read(pipefd[0], got < cap ? out + got : sink, got < cap ? cap - got : sizeof(sink));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (got < cap)
			got += n;
	}
	close(pipefd[0]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	*out_len = got;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Reads a (small, text) file whole; its length, or -errno. */
static long read_text(const char *path, char *out, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t got = 0;

	if (fd < 0)
		return -errno;
	while (got < cap) {
		ssize_t n = read(fd, out + got, cap - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;

			close(fd);
			return -e;
		}
		if (n == 0)
			break;
		got += n;
	}
	close(fd);
	return got;
}

#ifndef STATX_ATTR_DAX
#define STATX_ATTR_DAX 0x00200000
#endif

/* statx(2) STATX_ATTR_DAX of path: 1 set, 0 clear, 2 not reported by this kernel, or -errno. */
static long statx_dax(const char *path)
{
	struct statx stx;

	if (statx(AT_FDCWD, path, 0, STATX_BASIC_STATS, &stx) < 0)
		return -errno;
	if (!(stx.stx_attributes_mask & STATX_ATTR_DAX))
		return 2;
	return (stx.stx_attributes & STATX_ATTR_DAX) ? 1 : 0;
}

/* statvfs(2) f_bsize of path. */
static long block_size(const char *path)
{
	struct statvfs sv;

	if (statvfs(path, &sv) < 0)
		return -errno;
	return sv.f_bsize;
}

/* The kernel log from where it stood at the first call (as /dev/kmsg records: "prio,seq,time,-;text"). */
static int kmsg_fd = -1;

static void kernel_log_open(void)
{
	kmsg_fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (kmsg_fd >= 0)
		lseek(kmsg_fd, 0, SEEK_END);
}

/* The messages logged since the last call, one per line (without the record prefix); their bytes. */
static size_t kernel_log_read(char *out, size_t cap)
{
	char rec[8192];
	size_t got = 0;

	if (kmsg_fd < 0)
		return 0;
	for (;;) {
		ssize_t n = read(kmsg_fd, rec, sizeof(rec) - 1);
		char *text, *end;
		size_t len;

		if (n < 0 && errno == EPIPE)
			continue; /* records overwritten before we read them: go on with the next one */
		if (n <= 0)
			break;
		rec[n] = 0;
		text = strchr(rec, ';');
		text = text ? text + 1 : rec;
		end = strchr(text, '\n');
		len = end ? (size_t)(end - text) : strlen(text);
		if (got + len + 1 <= cap) {
			memcpy(out + got, text, len);
			out[got + len] = '\n';
			got += len + 1;
		}
	}
	return got;
}

/* One record for the kernel log (a planted bug's WARNING in the selftest). */
static long write_kernel_log(const char *line, size_t len)
{
	int fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
	long r;

	if (fd < 0)
		return -errno;
	r = write(fd, line, len) < 0 ? -errno : 0;
	close(fd);
	return r;
}

/* Re-arms every WARN_ON_ONCE of the kernel (debugfs); only ever done in a guest, whose kernel is ours. */
static long rearm_warn_once(void)
{
	int fd = open("/sys/kernel/debug/clear_warn_once", O_WRONLY | O_CLOEXEC);
	long r;

	if (fd < 0)
		return -errno;
	r = write(fd, "1\n", 2) < 0 ? -errno : 0;
	close(fd);
	return r;
}

/* Removes the files of a session directory (it holds files only) and the directory. */
static long remove_session_dir(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	long r = 0;

	if (!d)
		return -errno;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") && unlinkat(dirfd(d), e->d_name, 0) < 0)
			r = -errno;
	closedir(d);
	if (rmdir(path) < 0 && !r)
		r = -errno;
	return r;
}

#endif
