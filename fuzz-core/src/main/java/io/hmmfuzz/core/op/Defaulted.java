package io.hmmfuzz.core.op;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * An op argument a reproducer's line may leave out: it is then 0 (false for a boolean), and it is
 * printed only where it is not. An argument added to an op kind after reproducers of it were written is
 * one of these, so that they parse and mean what they meant ({@code dread m0 offset=0x0 pages=0x1} is
 * device 0's read, {@code pwrite f0 offset=0x0 length=0x200} a buffered write).
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.RECORD_COMPONENT)
public @interface Defaulted {}
