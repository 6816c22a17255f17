package io.hmmfuzz.core;

/**
 * Error numbers the model can predict, by name only. The numeric values are platform knowledge and
 * live in the target (targets: {@code LinuxAbi}); {@link #UNKNOWN} stands for any number the model has
 * no name for, which the target reports with its raw value. {@link #EBADE} is the kernel's own code for
 * "the ranges differ" (fs/remap_range.c), which FIDEDUPERANGE reports as FILE_DEDUPE_RANGE_DIFFERS: the
 * dedupe op's outcome names it so (R75).
 */
public enum Errno {
  EPERM, ENOENT, EINTR, EIO, EBADF, EAGAIN, ENOMEM, EACCES, EFAULT, EBUSY, EEXIST, EXDEV, ENODEV,
  EISDIR, EINVAL, ETXTBSY, EFBIG, ENOSPC, EROFS, EPIPE, EOVERFLOW, EOPNOTSUPP, EDQUOT, ENOSYS, EBADE, UNKNOWN
}
