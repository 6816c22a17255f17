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
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef MAP_SHARED_VALIDATE
#define MAP_SHARED_VALIDATE 0x03
#endif
#ifndef MAP_SYNC
#define MAP_SYNC 0x80000
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
#define HMM_DMIRROR_DEVICE		"/dev/hmm_dmirror0"

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

/*
 * CPU accesses. A SIGBUS (a page wholly past EOF, a failed fault) or SIGSEGV (no VMA, or its
 * protection forbids the access) during the copy jumps back here and is returned as its number.
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
	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGSEGV, &sa, NULL);
}

/* Copies len bytes; 0, or the signal that ended the copy. */
static int cpu_copy(volatile char *dst, volatile const char *src, size_t len)
{
	int sig = sigsetjmp(cpu_fault_jump, 1);

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

/* The device mirror of this process, opened on first use (it mirrors the opening process). */
static int hmm_fd = -1;

/* One test_hmm command over npages pages at addr; buf holds the data. cpages, or -errno. */
static long op_device(unsigned long request, uintptr_t addr, uint64_t npages, void *buf)
{
	struct hmm_dmirror_cmd cmd = { .addr = addr, .ptr = (uintptr_t)buf, .npages = npages };

	if (hmm_fd < 0) {
		hmm_fd = open(HMM_DMIRROR_DEVICE, O_RDWR | O_CLOEXEC);
		if (hmm_fd < 0)
			return -errno;
	}
	if (ioctl(hmm_fd, request, &cmd) < 0)
		return -errno;
	return cmd.cpages;
}

static void device_release(void)
{
	if (hmm_fd >= 0)
		close(hmm_fd);
	hmm_fd = -1;
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

#endif
