package io.hmmfuzz.core.exec;

/**
 * What a write to /proc/sys/vm/drop_caches drops (R120), kernel-wide. The numbers written are platform
 * data: the targets map them (1, 2 and 3 in the C executor).
 */
public enum CacheDrop {
  /** "1": the clean, unmapped page cache of every filesystem (drop_pagecache_sb). */
  PAGECACHE,
  /** "2": reclaimable slab objects, the unused dentries and inodes among them (drop_slab). */
  SLAB,
  /** "3": both, the page cache first. */
  BOTH
}
