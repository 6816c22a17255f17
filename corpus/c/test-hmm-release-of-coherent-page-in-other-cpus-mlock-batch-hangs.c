/* hmmfuzz replay-c: fs=tmpfs */
/*
 * test_hmm's HMM_DMIRROR_RELEASE of a device-coherent device hangs for ever when a page of the device's
 * memory has a reference in another CPU's mlock batch (docs/semantics.md R121, second trigger).
 * Hand-written, not by export-c: which CPU an op runs on is not part of an hmmfuzz program (its
 * executors and C reproducers run on one CPU, hmm_ops.h one_cpu), so the program pins itself.
 *
 *   1. A private anonymous page, migrated into device 2's coherent memory (its PTE maps the
 *      ZONE_DEVICE page), in a range then mlocked (mlock_pte_range skips ZONE_DEVICE pages, the VMA
 *      is VM_LOCKED all the same).
 *   2. On CPU 0: EXCLUSIVE through device 0 (page_make_device_exclusive_one: page_remove_rmap, then
 *      munlock_vma_page puts the page, with a reference, in CPU 0's mlock batch) and a CPU load, which
 *      restores the PTE (restore_exclusive_pte: page_add_anon_rmap, mlock_vma_folio, another reference
 *      in CPU 0's batch). Neither path drains the batch (try_to_migrate_one and remove_migration_pte
 *      do: mlock_page_drain_local).
 *   3. On CPU 1: RELEASE of device 2. dmirror_device_evict_chunk's migrate_device_range drains only
 *      this CPU (migrate_device_unmap: lru_add_drain; ZONE_DEVICE pages never reach its
 *      lru_add_drain_all), so migrate_vma_check_page sees the batch's references and leaves the page
 *      where it is; memunmap_pages then waits for the chunk's last page for ever: nothing runs on CPU 0
 *      to drain it.
 *
 * Seen on 6.1.192 and 6.12.118 (the tool's guests, 2 vCPUs, test_hmm with spm_addr_dev0/1): with
 * step 3 on CPU 0 the RELEASE returns 0; on CPU 1 the process sits in D state and the hung-task
 * detector names it. Run it in the tool's guest: hmmfuzz replay-c --target vm --kernel BZIMAGE FILE.
 * Exits 0 when the RELEASE returns (not reproduced), 4 when the machine lacks what it needs.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

/* lib/test_hmm_uapi.h (6.1, 6.12) */
struct hmm_dmirror_cmd {
	uint64_t addr;
	uint64_t ptr;
	uint64_t npages;
	uint64_t cpages;
	uint64_t faults;
};
#define HMM_DMIRROR_MIGRATE_TO_DEV _IOWR('H', 0x02, struct hmm_dmirror_cmd)
#define HMM_DMIRROR_EXCLUSIVE _IOWR('H', 0x05, struct hmm_dmirror_cmd)
#define HMM_DMIRROR_RELEASE _IOWR('H', 0x07, struct hmm_dmirror_cmd)

static void skip(const char *what)
{
	printf("SKIP: %s: %s\n", what, strerror(errno));
	exit(4);
}

static void on_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set) != 0)
		skip("sched_setaffinity (two CPUs needed)");
}

static long device(int fd, unsigned long request, void *addr, void *buf)
{
	struct hmm_dmirror_cmd cmd = { .addr = (uintptr_t)addr, .ptr = (uintptr_t)buf, .npages = 1 };

	if (ioctl(fd, request, &cmd) != 0)
		return -errno;
	return (long)cmd.cpages;
}

int main(void)
{
	long page = sysconf(_SC_PAGESIZE);
	static char buf[1 << 16];
	int private0, coherent2;
	volatile char *m;

	private0 = open("/dev/hmm_dmirror0", O_RDWR | O_CLOEXEC);
	coherent2 = open("/dev/hmm_dmirror2", O_RDWR | O_CLOEXEC);
	if (private0 < 0 || coherent2 < 0)
		skip("test_hmm with device-coherent memory (/dev/hmm_dmirror0 and /dev/hmm_dmirror2)");
	on_cpu(0);
	m = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		skip("mmap");
	printf("migrate to device 2's coherent memory: %ld\n", device(coherent2, HMM_DMIRROR_MIGRATE_TO_DEV, (void *)m, buf));
	if (mlock((void *)m, page) != 0)
		skip("mlock (root needed)");
	printf("exclusive through device 0 on CPU 0: %ld\n", device(private0, HMM_DMIRROR_EXCLUSIVE, (void *)m, buf));
	printf("CPU load on CPU 0: %d\n", m[0]);
	on_cpu(1);
	printf("release of device 2 on CPU 1 (hangs where the bug is)...\n");
	fflush(stdout);
	printf("release: %ld (not reproduced)\n", device(coherent2, HMM_DMIRROR_RELEASE, (void *)m, buf));
	return 0;
}
