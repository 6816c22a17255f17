package io.hmmfuzz.core.op;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * An op argument a reproducer's line may leave out: it is then 0, and it is printed only where it is
 * not 0. An argument added to an op kind after reproducers of it were written is one of these, so that
 * they parse and mean what they meant ({@code dread m0 offset=0x0 pages=0x1} is device 0's read).
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.RECORD_COMPONENT)
public @interface Defaulted {}
